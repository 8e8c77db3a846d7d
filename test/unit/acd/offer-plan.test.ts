/** The ACD's decision for a queue's head call (control/src/acd/offer-plan.ts): fail open, or whom a ring_all offer rings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_OFFERS, offersExhausted, ringAllPlan } from '../../../control/src/acd/offer-plan.ts';

test('offer-plan: a call fails open after MAX_OFFERS offers, or earlier when extra branches leave no room for one more', () => {
  assert.equal(offersExhausted(0, 0), false);
  assert.equal(offersExhausted(MAX_OFFERS - 1, 0), false);
  assert.equal(offersExhausted(MAX_OFFERS, 0), true);
  assert.equal(offersExhausted(2, 20), true, '1 + 4 + 20 branches used: 0 left before the fail-open reserve');
  assert.equal(offersExhausted(2, 18), false, '2 branches left: one more offer fits');
});

test('offer-plan: ring_all rings the picked seats that fit, and the fork costs their contacts', () => {
  const contacts: Record<string, number> = { a: 1, b: 3, c: 1, d: 0 };
  const plan = ringAllPlan(['a', 'b', 'c', 'd'], (s) => contacts[s], 0, 0);
  assert.deepEqual(plan, { seats: ['a', 'b', 'c', 'd'], contacts: 1 + 3 + 1 + 1 });
  const late = ringAllPlan(['a', 'b', 'c', 'd'], (s) => contacts[s], 9, 0);
  assert.deepEqual(late, { seats: ['a', 'b', 'c'], contacts: 5 }, '6 branches left: the re-suspension, a (1), b (3), c (1)');
  assert.deepEqual(ringAllPlan(['b'], (s) => contacts[s], 11, 0), { seats: [], contacts: 0 }, 'not even one seat fits: the call fails open');
});
