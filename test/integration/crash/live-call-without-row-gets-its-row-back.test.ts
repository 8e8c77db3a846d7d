/**
 * A kill -9 between the arrival's Redis save and its PostgreSQL row left a live call with no row; the next sync then
 * failed on call_events' foreign key and the call stayed live, unrecorded (crash test, kill -9 part). On the stack's
 * real PostgreSQL (data tier only): the restore writes the row and caller leg from Redis's view of the call, once
 * (a second sync adds nothing), after which the call's events are written; a call that has its row is left as it is.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { startStack, type Stack } from '../../../scripts/stack/stack.ts';
import { restoreMissingRow } from '../../../control/src/calls/flow/missing-row.ts';
import type { LiveCall } from '../../../control/src/calls/store.ts';
import { fact } from '../../../control/src/ha/outbox/statement.ts';
import { writeFacts, type FactDeps } from '../../../control/src/ha/outbox/write.ts';

let stack: Stack;
let sql: Sql;
let redis: Redis;
let deps: FactDeps;

before(async () => {
  stack = await startStack({ name: 'missing-row', tier: 'data', control: false });
  sql = postgres(stack.info.postgres.url, { max: 2, onnotice: () => {} });
  redis = new Redis(stack.info.redis.url);
  const quiet = (): void => {};
  deps = { sql, redis, log: { info: quiet, warn: quiet, error: quiet, debug: quiet } as unknown as FactDeps['log'] };
});
after(async () => {
  redis?.disconnect();
  await sql?.end({ timeout: 1 }).catch(() => undefined);
  await stack?.stop();
});

function liveCall(over: Partial<LiveCall> = {}): LiveCall {
  const arrivedMs = Date.now() - 3000;
  return {
    sipCallId: `${randomUUID()}@127.0.0.1`, id: randomUUID(), centreId: 'city', state: 'queued', tindex: 1, tlabel: 2, queueId: 'city-main',
    priority: 3, arrivedMs, queuedMs: arrivedMs + 20, attempt: 0, seatId: null, offeredMs: 0, callerNumber: '13900001002',
    answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: 'ft-3', early: false, ...over,
  };
}

test('a live call with no row gets its row and caller leg once; its events can then be written', async () => {
  const call = liveCall();
  await assert.rejects(writeFacts(deps, call.id, fact`INSERT INTO call_events (call_id, type, at, data) VALUES (${call.id}, 'call.failed_open.v1', ${new Date()}, ${fact.json({})})`),
    (e: { code?: string }) => e.code === '23503', 'the crash: no row, the event is refused (foreign key)');
  await restoreMissingRow(deps, call);
  await restoreMissingRow(deps, call); // a second sync
  const rows = await sql`SELECT id::text AS id, sip_call_id, centre_id, caller_number, queue_id, priority, state, arrived_at, queued_at, failed_open FROM calls WHERE sip_call_id = ${call.sipCallId}`;
  assert.equal(rows.length, 1);
  assert.deepEqual({ ...rows[0] }, {
    id: call.id, sip_call_id: call.sipCallId, centre_id: 'city', caller_number: '13900001002', queue_id: 'city-main', priority: 3, state: 'queued',
    arrived_at: new Date(call.arrivedMs), queued_at: new Date(call.queuedMs), failed_open: false,
  });
  const legs = await sql`SELECT kind, party, from_tag, started_at FROM call_legs WHERE call_id = ${call.id}`;
  assert.deepEqual(legs.map((l) => ({ ...l })), [{ kind: 'caller', party: '13900001002', from_tag: 'ft-3', started_at: new Date(call.arrivedMs) }]);
  assert.equal(await writeFacts(deps, call.id, fact`INSERT INTO call_events (call_id, type, at, data) VALUES (${call.id}, 'call.failed_open.v1', ${new Date()}, ${fact.json({})})`), 'written');
});

test('a call that has its row and leg keeps them as they are', async () => {
  const call = liveCall({ state: 'talking' });
  await sql`INSERT INTO calls (id, centre_id, sip_call_id, caller_number, caller_name, queue_id, priority, state, arrived_at)
    VALUES (${call.id}, 'city', ${call.sipCallId}, ${call.callerNumber}, ${'张三'}, 'city-main', 5, 'offered', ${new Date(call.arrivedMs)})`;
  await sql`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at) VALUES (${call.id}, 'caller', ${call.callerNumber}, 'ft-3', ${new Date(call.arrivedMs)})`;
  await restoreMissingRow(deps, call);
  const [row] = await sql`SELECT state, priority, caller_name FROM calls WHERE id = ${call.id}`;
  assert.deepEqual({ ...row }, { state: 'offered', priority: 5, caller_name: '张三' });
  const [{ n }] = await sql`SELECT count(*)::int AS n FROM call_legs WHERE call_id = ${call.id}`;
  assert.equal(n, 1);
});
