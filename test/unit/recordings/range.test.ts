import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentRange, parseRange } from '../../../recordings/src/range.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const is416 = (size: number) => (e: unknown) =>
  isCtiError(e, 'CTI_RANGE_NOT_SATISFIABLE') && e.http === 416 && (e.details as { contentRange: string }).contentRange === `bytes */${size}`;

test('RFC 9110 §14.1.2 examples on a 10000-octet file', () => {
  assert.deepEqual(parseRange('bytes=0-499', 10000), { start: 0, end: 499 });
  assert.deepEqual(parseRange('bytes=500-999', 10000), { start: 500, end: 999 });
  assert.deepEqual(parseRange('bytes=-500', 10000), { start: 9500, end: 9999 });
  assert.deepEqual(parseRange('bytes=9500-', 10000), { start: 9500, end: 9999 });
  assert.deepEqual(parseRange('bytes=0-0', 10000), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=-1', 10000), { start: 9999, end: 9999 });
});

test('clamps a last-pos beyond the end, and a suffix longer than the file', () => {
  assert.deepEqual(parseRange('bytes=100-99999', 1000), { start: 100, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
  assert.deepEqual(parseRange('Bytes = 1 - 2 ', 1000), { start: 1, end: 2 });
});

test('unsatisfiable ranges are coded 416 errors', () => {
  assert.throws(() => parseRange('bytes=1000-', 1000), is416(1000));
  assert.throws(() => parseRange('bytes=5000-6000', 1000), is416(1000));
  assert.throws(() => parseRange('bytes=-0', 1000), is416(1000));
  assert.throws(() => parseRange('bytes=-10', 0), is416(0));
  assert.throws(() => parseRange('bytes=0-', 0), is416(0));
});

test('absent, invalid, other-unit and multi-range headers are ignored (serve 200)', () => {
  for (const h of [undefined, '', 'bytes=', 'bytes=-', 'bytes=abc', 'bytes=5-1', 'items=0-1', 'bytes=0-1,5-6', 'bytes 0-1', 'bytes=--1']) {
    assert.equal(parseRange(h, 1000), undefined, String(h));
  }
});

test('Content-Range of a 206', () => {
  assert.equal(contentRange({ start: 0, end: 499 }, 10000), 'bytes 0-499/10000');
});
