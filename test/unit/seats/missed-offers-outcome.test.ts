/** Missed offers in a row (control/src/seats/state/missed-offers.ts missedOfferOutcome). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missedOfferOutcome } from '../../../control/src/seats/state/missed-offers.ts';

test('missed-offers: N = 1 (the default) keeps the old behaviour: not ready with the offer reason, no alarm', () => {
  assert.deepEqual(missedOfferOutcome(1, 1, 'no_answer'), { state: 'not_ready', reason: 'no_answer', alarm: false });
  assert.deepEqual(missedOfferOutcome(4, 1, 'failed'), { state: 'not_ready', reason: 'offer_failed', alarm: false });
});

test('missed-offers: below N ready again; at or past N not ready "missed_offers" with the alarm', () => {
  assert.deepEqual(missedOfferOutcome(1, 3, 'no_answer'), { state: 'ready', reason: null, alarm: false });
  assert.deepEqual(missedOfferOutcome(2, 3, 'rejected'), { state: 'ready', reason: null, alarm: false });
  assert.deepEqual(missedOfferOutcome(3, 3, 'no_answer'), { state: 'not_ready', reason: 'missed_offers', alarm: true });
  assert.deepEqual(missedOfferOutcome(5, 3, 'no_answer'), { state: 'not_ready', reason: 'missed_offers', alarm: true });
});

test('missed-offers: an unreachable phone is not made ready again below N', () => {
  assert.deepEqual(missedOfferOutcome(1, 3, 'unreachable'), { state: 'not_ready', reason: 'unreachable', alarm: false });
});
