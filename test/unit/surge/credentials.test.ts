import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seatDigests } from '../../../control/src/seats/admin/ha1.ts';
import {
  SEAT_BACKSTOP_MS, defaultPrefix, isValidPrefix, loginLink, oneTimeSipPassword, seatBackstop, surgeSeatNames,
} from '../../../control/src/surge/credentials.ts';
import { validateNewSurge } from '../../../control/src/surge/create.ts';

const SEAT_NAME = /^[a-zA-Z0-9_.-]{2,32}$/;

test('surge seat names: prefix-01 .. prefix-NN, two digits at least, valid seat ids and SIP user names', () => {
  const names = surgeSeatNames('mci', 50);
  assert.equal(names.length, 50);
  assert.equal(names[0].id, 'mci-01');
  assert.equal(names[49].sip_username, 'mci-50');
  assert.equal(new Set(names.map((n) => n.id)).size, 50);
  assert.equal(surgeSeatNames('a', 200)[0].id, 'a-001');
  const longest = surgeSeatNames('x'.repeat(24), 200)[199];
  assert.match(longest.sip_username, SEAT_NAME);
  assert.match(names[0].display_name, /临时席位/);
});

test('prefixes: a letter first, at most 24 characters; the default one is valid and varies', () => {
  assert.ok(isValidPrefix('mci'));
  assert.ok(isValidPrefix('Flood.2025_a'));
  for (const bad of ['', '1abc', '-x', 'a b', 'x'.repeat(25), 'a;b']) assert.ok(!isValidPrefix(bad), bad);
  const prefixes = new Set(Array.from({ length: 20 }, defaultPrefix));
  for (const p of prefixes) assert.ok(isValidPrefix(p) && /^sg[0-9a-z]{4}$/.test(p), p);
  assert.ok(prefixes.size > 1);
});

test('one-time SIP passwords: 24 URL-safe characters, different every time, digest as for any seat', () => {
  const a = oneTimeSipPassword();
  const b = oneTimeSipPassword();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(a, b);
  const d = seatDigests('mci-01', 'centre.example', a);
  assert.match(d.ha1, /^[0-9a-f]{32}$/);
});

test('login link: the dispatcher console with the seat and SIP user, no password', () => {
  const url = loginLink('http://10.1.2.3:8080/', { id: 'mci-07', sip_username: 'mci-07' });
  assert.equal(url, 'http://10.1.2.3:8080/consoles/dispatcher/?seat=mci-07&sip_user=mci-07');
});

test('a seat\'s own expiry is a backstop after the surge\'s', () => {
  const t = new Date('2030-01-01T00:00:00Z');
  assert.equal(seatBackstop(t).getTime() - t.getTime(), SEAT_BACKSTOP_MS);
});

test('new surge checks: count, prefix, expiry in the future and within 30 days, a reason', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const ok = { template_id: 't', count: 50, expires_at: '2030-01-01T06:00:00Z', reason: '重大事件' };
  assert.equal(validateNewSurge(ok, now).toISOString(), '2030-01-01T06:00:00.000Z');
  const field = (s: typeof ok & { prefix?: string }) => {
    try {
      validateNewSurge(s, now);
      return 'accepted';
    } catch (e) {
      return (e as { details: { fields: { field: string }[] } }).details.fields[0].field;
    }
  };
  assert.equal(field({ ...ok, count: 0 }), '/count');
  assert.equal(field({ ...ok, count: 201 }), '/count');
  assert.equal(field({ ...ok, prefix: '9x' }), '/prefix');
  assert.equal(field({ ...ok, expires_at: '2029-12-31T23:59:59Z' }), '/expires_at');
  assert.equal(field({ ...ok, expires_at: '2030-02-15T00:00:00Z' }), '/expires_at');
  assert.equal(field({ ...ok, reason: '  ' }), '/reason');
});
