/** The seat and offer an answer is recorded with when the sync finds it by its dialog (calls/flow/answering-seat.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeringSeat } from '../../../control/src/calls/flow/answering-seat.ts';

const offering = { state: 'offering' as const, seatId: 'seat-01', attempt: 2 };

test('a call offered to one seat, answered while the sync looked (no Contact read): that seat, that offer', () => {
  assert.deepEqual(answeringSeat(offering, 'ringall', null, 0), { seatId: 'seat-01', attempt: 2 });
});

test('the Contact names the offer\'s seat: its offer row gets the outcome; another seat (failed open meanwhile): that seat, no offer', () => {
  assert.deepEqual(answeringSeat(offering, 'ringall', 'seat-01', 0), { seatId: 'seat-01', attempt: 2 });
  assert.deepEqual(answeringSeat(offering, 'ringall', 'seat-07', 0), { seatId: 'seat-07', attempt: 0 });
});

test('a failed-open call (no seat offered) is recorded by the Contact alone, none if it names no seat', () => {
  assert.deepEqual(answeringSeat({ state: 'failed_open', seatId: null, attempt: 3 }, 'ringall', 'seat-04', 0), { seatId: 'seat-04', attempt: 0 });
  assert.deepEqual(answeringSeat({ state: 'failed_open', seatId: null, attempt: 3 }, 'ringall', null, 0), { seatId: null, attempt: 0 });
});

test('Kamailio\'s own offer.answered is recorded as it says', () => {
  assert.deepEqual(answeringSeat(offering, 'seat01', 'seat-01', 2), { seatId: 'seat-01', attempt: 2 });
  assert.deepEqual(answeringSeat({ state: 'offering', seatId: null, attempt: 1 }, 'seat05', 'seat-05', 1), { seatId: 'seat-05', attempt: 1 });
});
