/** Detection rules' thresholds (control/src/screening/rules.ts): bursts of short calls, repeated silent marks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortCallBurst, silentMarksReached } from '../../../control/src/screening/rules.ts';

const NOW = 1_800_000_000_000;
const P = { calls: 3, window_min: 10, max_s: 10 };
const c = (id: string, agoS: number, lenS: number) => ({ id, arrivedMs: NOW - agoS * 1000, endedMs: NOW - agoS * 1000 + lenS * 1000 });

test('screening-rule-short-calls: N short calls within M minutes fire; long or old calls do not count', () => {
  assert.deepEqual(shortCallBurst([c('a', 60, 3), c('b', 120, 9), c('d', 500, 1)], NOW, P).map((x) => x.id), ['a', 'b', 'd']);
  assert.deepEqual(shortCallBurst([c('a', 60, 3), c('b', 120, 10), c('d', 500, 1)], NOW, P), [], 'a 10 s call is not shorter than 10 s');
  assert.deepEqual(shortCallBurst([c('a', 60, 3), c('b', 120, 2), c('d', 601, 1)], NOW, P), [], 'the third is outside 10 minutes');
});

test('screening-rule-silent-marks: K silent marks within H hours fire', () => {
  const h = 3_600_000;
  assert.equal(silentMarksReached([NOW - h, NOW - 2 * h, NOW - 23 * h], NOW, { marks: 3, window_h: 24 }), true);
  assert.equal(silentMarksReached([NOW - h, NOW - 2 * h, NOW - 25 * h], NOW, { marks: 3, window_h: 24 }), false);
});
