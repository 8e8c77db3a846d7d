/** Seat selection (control/src/acd/selector.ts): longest idle among ready, registered members of the queue. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { eligible, pickLongestIdle, queueScore, type SeatCandidate } from '../../../control/src/acd/selector.ts';

const Q = 'city-main';

function seat(seatId: string, over: Partial<SeatCandidate> = {}): SeatCandidate {
  return { seatId, sipUser: seatId.replace('-', ''), state: 'ready', registered: true, queues: [Q], idleSinceMs: 1_000, callsToday: 0, ...over };
}

test('selector-longest-idle: the seat idle since the earliest time wins', () => {
  const seats = [seat('s-1', { idleSinceMs: 5_000 }), seat('s-2', { idleSinceMs: 2_000 }), seat('s-3', { idleSinceMs: 9_000 })];
  assert.equal(pickLongestIdle(seats, Q)?.seatId, 's-2');
});

test('selector-eligible-only: not ready, unregistered or non-member seats are never picked', () => {
  const longIdle = 1;
  const seats = [
    seat('s-notready', { state: 'not_ready', idleSinceMs: longIdle }),
    seat('s-reserved', { state: 'reserved', idleSinceMs: longIdle }),
    seat('s-talking', { state: 'talking', idleSinceMs: longIdle }),
    seat('s-wrapup', { state: 'wrap_up', idleSinceMs: longIdle }),
    seat('s-loggedout', { state: 'logged_out', idleSinceMs: longIdle }),
    seat('s-unreg', { registered: false, idleSinceMs: longIdle }),
    seat('s-other', { queues: ['county-a'], idleSinceMs: longIdle }),
    seat('s-ok', { idleSinceMs: 50_000 }),
  ];
  assert.equal(pickLongestIdle(seats, Q)?.seatId, 's-ok');
  assert.equal(pickLongestIdle(seats.slice(0, -1), Q), undefined, 'no eligible seat: nothing picked');
  assert.equal(pickLongestIdle([], Q), undefined);
  assert.equal(eligible(seat('x', { queues: ['county-a', Q] }), Q), true, 'member of several queues');
  assert.equal(pickLongestIdle(seats, 'county-a')?.seatId, 's-other', 'per queue: only its members');
});

test('selector-exclude: seats already tried in this pass are skipped', () => {
  const seats = [seat('s-1', { idleSinceMs: 1 }), seat('s-2', { idleSinceMs: 2 })];
  assert.equal(pickLongestIdle(seats, Q, new Set(['s-1']))?.seatId, 's-2');
  assert.equal(pickLongestIdle(seats, Q, new Set(['s-1', 's-2'])), undefined);
});

test('selector-ties: equal idle time -> fewest calls today, then lowest id; independent of input order', () => {
  const a = seat('s-b', { idleSinceMs: 100, callsToday: 3 });
  const b = seat('s-c', { idleSinceMs: 100, callsToday: 1 });
  const c = seat('s-a', { idleSinceMs: 100, callsToday: 1 });
  for (const order of [[a, b, c], [c, b, a], [b, a, c], [b, c, a]]) assert.equal(pickLongestIdle(order, Q)?.seatId, 's-a');
  assert.equal(pickLongestIdle([a, b], Q)?.seatId, 's-c', 'fewest calls today');
});

const candidate = fc.record({
  seatId: fc.stringMatching(/^s-[0-9a-z]{1,4}$/),
  sipUser: fc.constant('u'),
  state: fc.constantFrom('ready', 'not_ready', 'reserved', 'talking', 'wrap_up', 'logged_out'),
  registered: fc.boolean(),
  queues: fc.subarray([Q, 'county-a', 'county-b']),
  idleSinceMs: fc.integer({ min: 0, max: 20 }),
  callsToday: fc.integer({ min: 0, max: 3 }),
});

test('selector-property: never an ineligible or excluded seat; always the best eligible one; none only when none is eligible', () => {
  fc.assert(fc.property(fc.array(candidate, { maxLength: 12 }) as fc.Arbitrary<SeatCandidate[]>, fc.constantFrom(Q, 'county-a'), fc.array(fc.stringMatching(/^s-[0-9a-z]{1,4}$/), { maxLength: 3 }),
    (seats, queueId, excluded) => {
      const exclude = new Set(excluded);
      const pick = pickLongestIdle(seats, queueId, exclude);
      const pool = seats.filter((s) => s.state === 'ready' && s.registered && s.queues.includes(queueId) && !exclude.has(s.seatId));
      if (pool.length === 0) {
        assert.equal(pick, undefined);
        return;
      }
      assert.ok(pick, 'an eligible seat exists, so one is picked');
      assert.ok(pool.includes(pick), 'the pick is eligible and not excluded');
      for (const s of pool) {
        const better = s.idleSinceMs < pick.idleSinceMs
          || (s.idleSinceMs === pick.idleSinceMs && (s.callsToday < pick.callsToday || (s.callsToday === pick.callsToday && s.seatId < pick.seatId)));
        assert.ok(!better, `${s.seatId} should have been picked before ${pick.seatId}`);
      }
    }), { numRuns: 2000 });
});

test('queue-score-property: priority first (0 most urgent), then arrival; a requeued call keeps its place', () => {
  const now = Date.UTC(2026, 0, 1);
  const call = fc.record({ priority: fc.integer({ min: 0, max: 9 }), arrivedMs: fc.integer({ min: now - 86_400_000 * 365, max: now + 86_400_000 * 365 }) });
  fc.assert(fc.property(call, call, (a, b) => {
    const sa = queueScore(a.priority, a.arrivedMs);
    const sb = queueScore(b.priority, b.arrivedMs);
    if (a.priority !== b.priority) assert.equal(sa < sb, a.priority < b.priority, 'a more urgent call is ahead whatever its arrival');
    else if (a.arrivedMs !== b.arrivedMs) assert.equal(sa < sb, a.arrivedMs < b.arrivedMs, 'same priority: first come first served');
    else assert.equal(sa, sb);
    assert.ok(Number.isSafeInteger(sa), 'the score is exact in a Redis sorted set (a double)');
  }), { numRuns: 5000 });
  assert.equal(queueScore(5, 1_000), queueScore(5, 1_000), 'the same call scores the same when requeued');
});
