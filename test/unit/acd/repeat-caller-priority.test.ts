/** Repeat-caller priority (control/src/acd/repeat-caller.ts queuePriority): raised within the window, screening wins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queuePriority } from '../../../control/src/acd/repeat-caller.ts';
import { queueScore } from '../../../control/src/acd/selector.ts';
import { DEFAULT_ACD_SETTINGS } from '../../../control/src/queues/acd-settings.ts';

const rule = DEFAULT_ACD_SETTINGS.repeatCaller; // on, 10 min, 1 step
const T = 1_800_000_000_000;

test('repeat-caller: a caller whose last call arrived within the window queues one step more urgent (lower number)', () => {
  const p = queuePriority(5, null, T - 9 * 60_000, T, rule);
  assert.deepEqual(p, { priority: 4, reason: 'repeat_caller' });
  assert.ok(queueScore(p.priority, T) < queueScore(5, T - 60 * 60_000), 'queued ahead of an earlier first-time caller of the route priority');
});

test('repeat-caller: outside the window, first call, or the rule off: the route priority, no reason', () => {
  assert.deepEqual(queuePriority(5, null, T - 10 * 60_000 - 1, T, rule), { priority: 5, reason: null });
  assert.deepEqual(queuePriority(5, null, null, T, rule), { priority: 5, reason: null });
  assert.deepEqual(queuePriority(5, null, T - 1000, T, { ...rule, enabled: false }), { priority: 5, reason: null });
  assert.deepEqual(queuePriority(5, null, T + 1000, T, rule), { priority: 5, reason: null }, 'a clock step backwards is not a repeat');
});

test('repeat-caller: never past 0; already 0 is not "raised"', () => {
  assert.deepEqual(queuePriority(1, null, T - 1000, T, { ...rule, raiseBy: 3 }), { priority: 0, reason: 'repeat_caller' });
  assert.deepEqual(queuePriority(0, null, T - 1000, T, rule), { priority: 0, reason: null });
});

test('repeat-caller: a screening priority (a held-back nuisance number at the lowest) wins over the raise', () => {
  assert.deepEqual(queuePriority(5, 9, T - 1000, T, rule), { priority: 9, reason: 'screened' });
  assert.deepEqual(queuePriority(9, 9, T - 1000, T, rule), { priority: 9, reason: null });
});
