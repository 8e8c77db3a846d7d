/** A seat reserved for a call already connected elsewhere or over is released at the next tick (calls/offers/outlived-reservations.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OUTLIVED_GRACE_MS, reservationOutlived } from '../../../control/src/calls/offers/outlived-reservations.ts';

const now = 1_000_000;
const seat = { seatId: 'seat-01', state: 'reserved' as const, sinceMs: now - OUTLIVED_GRACE_MS, call: 'c1' };

test('the call is talking with no seat (the sync took the offer for a ring-all answer) or another seat, or is over: released', () => {
  assert.equal(reservationOutlived(seat, { state: 'talking', answeredSeatId: null }, now), true);
  assert.equal(reservationOutlived(seat, { state: 'talking', answeredSeatId: 'seat-02' }, now), true);
  assert.equal(reservationOutlived(seat, { state: 'ended', answeredSeatId: 'seat-02' }, now), true);
  assert.equal(reservationOutlived(seat, { state: 'abandoned', answeredSeatId: null }, now), true);
});

test('an offer in progress, a call back in line or failed open, or a call unknown to Redis: left to its outcome, the sync and the 150 s limit', () => {
  for (const state of ['offering', 'queued', 'failed_open', 'overflowed', 'transferring'] as const) {
    assert.equal(reservationOutlived(seat, { state, answeredSeatId: null }, now), false, state);
  }
  assert.equal(reservationOutlived(seat, undefined, now), false);
});

test('a reservation younger than the grace (an offer writes the seat first, the call after), or a seat not reserved: left alone', () => {
  assert.equal(reservationOutlived({ ...seat, sinceMs: now - OUTLIVED_GRACE_MS + 1 }, { state: 'talking', answeredSeatId: null }, now), false);
  assert.equal(reservationOutlived({ ...seat, state: 'talking' }, { state: 'talking', answeredSeatId: null }, now), false);
  assert.equal(reservationOutlived(seat, { state: 'talking', answeredSeatId: 'seat-01' }, now), false);
});

test('a talking call whose caller waits in a room: the seat is being dialled into it (caller-requeue.ts), left alone', () => {
  assert.equal(reservationOutlived(seat, { state: 'talking', answeredSeatId: 'seat-02', roomWait: '123456789' }, now), false);
});
