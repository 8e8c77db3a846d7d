/** The consoles' live-state reducer (consoles/shared/live-state.js): queue and seat figures folded from typed events. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventData, EventType } from '../../../control/src/events/schema.ts';
import { applyEvent, applySeatSnapshot, callBySipCallId, createLiveState, queueRows, seatRows } from '../../../consoles/shared/live-state.js';

const T0 = Date.parse('2026-01-01T08:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
function ev<T extends EventType>(type: T, atMs: number, data: EventData[T]) {
  return { stream_id: `${T0 + atMs}-0`, event: { id: `${type}-${atMs}`, type, at: iso(atMs), centre_id: 'city', data: data as unknown as Record<string, unknown> } };
}
function offered(id: string, atMs: number, number = '13800000000') {
  return ev('call.offered.v1', atMs, { call_id: id, sip_call_id: `sip-${id}`, caller_number: number, caller_name: null, called_number: '120', trunk_id: 't1', source: 'trunk', arrived_at: iso(atMs) });
}
const queued = (id: string, atMs: number, requeued = false) => ev('call.queued.v1', atMs, { call_id: id, queue_id: 'city-main', priority: 0, requeued, reason: requeued ? 'no_answer' : null });

test('waiting calls, longest wait from arrival, and today\'s answered within 10 s / abandoned per queue', () => {
  const s = createLiveState();
  for (const e of [offered('a', 0), queued('a', 10), offered('b', 1000), queued('b', 1010), offered('c', 2000), queued('c', 2010)]) applyEvent(s, e);
  let [q] = queueRows(s, T0 + 5000);
  assert.deepEqual({ waiting: q.waiting, longest: q.longestWaitMs, offered: q.offered }, { waiting: 3, longest: 5000, offered: 3 });

  applyEvent(s, ev('call.offering.v1', 3000, { call_id: 'a', seat_id: 's1', attempt: 1, queue_ms: 2990 }));
  applyEvent(s, ev('call.answered.v1', 4000, { call_id: 'a', seat_id: 's1', attempt: 1, queue_ms: 3990, ring_ms: 1000, answer_ms: 4000 }));
  applyEvent(s, ev('call.offering.v1', 5000, { call_id: 'b', seat_id: 's2', attempt: 1, queue_ms: 3990 }));
  applyEvent(s, ev('call.offer_failed.v1', 20_000, { call_id: 'b', seat_id: 's2', attempt: 1, reason: 'no_answer', sip_status: 408 }));
  applyEvent(s, queued('b', 20_001, true));
  applyEvent(s, ev('call.answered.v1', 25_000, { call_id: 'b', seat_id: 's3', attempt: 2, queue_ms: 23_990, ring_ms: 1000, answer_ms: 24_000 }));
  applyEvent(s, ev('call.abandoned.v1', 26_000, { call_id: 'c', queue_id: 'city-main', caller_number: '13800000000', wait_ms: 24_000, phase: 'queued' }));
  [q] = queueRows(s, T0 + 30_000);
  assert.equal(q.offered, 3, 'a requeue is not a new call');
  assert.equal(q.waiting, 0);
  assert.equal(q.answered, 2);
  assert.equal(q.answeredInTarget, 1, 'only the call answered 4 s after arrival is within 10 s');
  assert.equal(q.abandoned, 1);
  assert.equal(q.serviceLevel, 1 / 3, 'answered within 10 s over answered + abandoned');
});

test('seats: snapshot, newer events win, older replayed events do not roll the state back; current call and talk time', () => {
  const s = createLiveState();
  applySeatSnapshot(s, [{ seat_id: 's1', state: 'ready', reason: null, since: iso(1000), registered: true, call: null }]);
  applyEvent(s, ev('seat.state_changed.v1', 500, { seat_id: 's1', from: 'not_ready', to: 'not_ready', reason: 'break', since: iso(500) }));
  assert.equal(seatRows(s, T0 + 2000)[0].state, 'ready', 'an event older than the snapshot is ignored');

  applyEvent(s, offered('x', 1500, '13911112222'));
  applyEvent(s, queued('x', 1510));
  applyEvent(s, ev('call.offering.v1', 1600, { call_id: 'x', seat_id: 's1', attempt: 1, queue_ms: 90 }));
  applyEvent(s, ev('seat.state_changed.v1', 1600, { seat_id: 's1', from: 'ready', to: 'reserved', reason: null, since: iso(1600) }));
  applyEvent(s, ev('call.answered.v1', 2000, { call_id: 'x', seat_id: 's1', attempt: 1, queue_ms: 490, ring_ms: 400, answer_ms: 500 }));
  applyEvent(s, ev('seat.state_changed.v1', 2000, { seat_id: 's1', from: 'reserved', to: 'talking', reason: null, since: iso(2000) }));
  assert.equal(callBySipCallId(s, 'sip-x')?.callerNumber, '13911112222');
  let [row] = seatRows(s, T0 + 7000);
  assert.deepEqual({ state: row.state, inState: row.inStateMs, caller: row.callerNumber, talk: row.talkMs, registered: row.registered },
    { state: 'talking', inState: 5000, caller: '13911112222', talk: 5000, registered: true });

  applyEvent(s, ev('call.ended.v1', 8000, { call_id: 'x', ended_by: 'seat', reason: 'bye', answered_seat_id: 's1', talk_ms: 6000 }));
  applyEvent(s, ev('seat.state_changed.v1', 8000, { seat_id: 's1', from: 'talking', to: 'wrap_up', reason: null, since: iso(8000) }));
  [row] = seatRows(s, T0 + 9000);
  assert.deepEqual({ state: row.state, call: row.callId, talk: row.talkMs }, { state: 'wrap_up', call: null, talk: null });
  assert.equal(s.calls.size, 0, 'ended calls are dropped');
});

test('unknown event types are ignored', () => {
  const s = createLiveState();
  applyEvent(s, { event: { type: 'call.teleported.v9', at: iso(0), data: {} } });
  assert.deepEqual(queueRows(s, T0), []);
});
