/** ACD candidates (control/src/acd/candidates.ts): tier and skills carried from the live seat; a seat that missed this call steps aside. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidatesFor } from '../../../control/src/acd/candidates.ts';
import { selectSeats } from '../../../control/src/acd/strategies/index.ts';
import type { SeatLive } from '../../../control/src/seats/state/store.ts';

const Q = 'city-main';
function live(seatId: string, over: Partial<SeatLive> = {}): SeatLive {
  return {
    seatId, sipUser: seatId, centreId: 'city', queues: [Q], state: 'ready', reason: null, sinceMs: 0, idleSinceMs: 1000, call: null,
    callsToday: 0, wrapupUntilMs: 0, userId: null, missedOffers: 0, tier: 1, skills: [], missedCall: null, ...over,
  };
}
const call = { sipCallId: 'c-1', queueId: Q };

test('candidates: tier and skills reach the strategies (tiers opens tier 2 after its wait; required skills pick the skilled seat)', () => {
  const seats = [live('t1', { state: 'talking' }), live('t2', { tier: 2, skills: ['dialect-wu'] }), live('t3', { idleSinceMs: 1 })];
  const all = new Set(seats.map((s) => s.sipUser));
  const c = candidatesFor(seats, all, call);
  assert.deepEqual(c.map((x) => [x.seatId, x.tier, x.skills]), [['t1', 1, []], ['t2', 2, ['dialect-wu']], ['t3', 1, []]]);
  const esc = [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 5000 }];
  const onlyTier2 = candidatesFor([live('t1', { state: 'talking' }), live('t2', { tier: 2 })], all, call);
  assert.deepEqual(selectSeats('tiers', onlyTier2, { queueId: Q, waitedMs: 4999, tierEscalation: esc }), []);
  assert.deepEqual(selectSeats('tiers', onlyTier2, { queueId: Q, waitedMs: 5000, tierEscalation: esc }).map((s) => s.seatId), ['t2']);
  assert.deepEqual(selectSeats('longest_idle', c, { queueId: Q, waitedMs: 0, requiredSkills: ['dialect-wu'] }).map((s) => s.seatId), ['t2']);
});

test('candidates: the seat that missed this call is left out while another seat can take it, kept when it is the only one', () => {
  const missed = live('a', { idleSinceMs: 1, missedCall: 'c-1' });
  const reg = new Set(['a', 'b']);
  assert.deepEqual(candidatesFor([missed, live('b')], reg, call).map((s) => s.seatId), ['b']);
  assert.deepEqual(candidatesFor([missed, live('b', { state: 'talking' })], reg, call).map((s) => s.seatId), ['a', 'b'], 'no other ready seat: not stranded');
  assert.deepEqual(candidatesFor([missed, live('b')], new Set(['a']), call).map((s) => s.seatId), ['a', 'b'], 'the other is unregistered');
  assert.deepEqual(candidatesFor([missed, live('b')], reg, { sipCallId: 'c-2', queueId: Q }).map((s) => s.seatId), ['a', 'b'], 'another call: offered as usual');
});
