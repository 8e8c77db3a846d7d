/** A live call whose row a kill -9 lost gets it back from Redis before a sync touches it (calls/flow/missing-row.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingRowFacts } from '../../../control/src/calls/flow/missing-row.ts';
import type { LiveCall } from '../../../control/src/calls/store.ts';

const call: LiveCall = {
  sipCallId: '3-31100@127.0.0.1', id: '6f1c2d9e-0000-4000-8000-000000000003', centreId: 'c1', state: 'queued', tindex: 1, tlabel: 2,
  queueId: 'q1', priority: 5, arrivedMs: Date.UTC(2026, 11, 7, 21, 38, 37), queuedMs: 0, attempt: 0, seatId: null, offeredMs: 0,
  callerNumber: '', answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: 'ft3', early: false,
};

test('the row is inserted from Redis only if missing, with the live state and arrival time; an unknown caller or queue time is null', () => {
  const [row] = missingRowFacts(call);
  assert.match(row.strings.join('?'), /^\s*INSERT INTO calls \(id, centre_id, sip_call_id, caller_number, queue_id, priority, state, arrived_at, queued_at, failed_open\)/);
  assert.match(row.strings.at(-1)!, /ON CONFLICT DO NOTHING\s*$/);
  assert.deepEqual(row.args, [call.id, 'c1', call.sipCallId, null, 'q1', 5, 'queued', { $date: '2026-12-07T21:38:37.000Z' }, null, false]);
});

test('the caller leg is added only to a call that has a row and no caller leg yet', () => {
  const [, leg] = missingRowFacts({ ...call, callerNumber: '13900001002', queuedMs: call.arrivedMs + 5 });
  const sql = leg.strings.join('?');
  assert.match(sql, /WHERE EXISTS \(SELECT 1 FROM calls WHERE id = \?\)/);
  assert.match(sql, /NOT EXISTS \(SELECT 1 FROM call_legs WHERE call_id = \? AND kind = 'caller'\)/);
  assert.deepEqual(leg.args, [call.id, '13900001002', 'ft3', { $date: '2026-12-07T21:38:37.000Z' }, call.id, call.id]);
});
