/** Instant recall's ring buffer (consoles/dispatcher/recall-ring.js): keeps the last N seconds, oldest first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecallRing } from '../../../consoles/dispatcher/recall-ring.js';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

test('recall-ring: holds what was written while under capacity, in order', () => {
  const r = new RecallRing(10, 3); // 30 samples
  r.write(ramp(0, 7));
  r.write(ramp(7, 5));
  assert.equal(r.filled, 12);
  assert.equal(r.seconds, 1.2);
  assert.deepEqual(Array.from(r.snapshot()), Array.from(ramp(0, 12)));
});

test('recall-ring: past capacity keeps only the newest samples, across the wrap', () => {
  const r = new RecallRing(10, 3);
  for (let i = 0; i < 10; i++) r.write(ramp(i * 7, 7)); // 70 samples written
  assert.equal(r.filled, 30);
  assert.equal(r.seconds, 3);
  assert.deepEqual(Array.from(r.snapshot()), Array.from(ramp(40, 30)));
});

test('recall-ring: a chunk longer than the ring keeps its tail; clear forgets everything', () => {
  const r = new RecallRing(10, 1);
  r.write(ramp(0, 3));
  r.write(ramp(100, 25));
  assert.deepEqual(Array.from(r.snapshot()), Array.from(ramp(115, 10)));
  r.clear();
  assert.equal(r.filled, 0);
  assert.equal(r.snapshot().length, 0);
});
