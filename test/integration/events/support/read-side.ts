/**
 * A real backend (startStack without the control plane: PostgreSQL with the migrations, Redis,
 * rtpengine, Kamailio) and the API built in-process with the read-side plugins: calls, recordings,
 * events, alarms. Rows are written as the call flow writes them; nothing is mocked but the logger.
 */
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import type { Stack } from '../../../../scripts/stack/stack.ts';
import { alarmsRoutes } from '../../../../control/src/api/routes/alarms.ts';
import { callsRoutes } from '../../../../control/src/api/routes/calls.ts';
import { eventsRoutes, type EventsRoutesOptions } from '../../../../control/src/api/routes/events-ws.ts';
import { recordingsRoutes } from '../../../../control/src/api/routes/recordings.ts';
import type { AppDeps } from '../../../../control/src/app/deps.ts';
import { ADMIN_PASSWORD, loginAs, memoryLogger, startHarness, type Session } from '../../api/support/harness.ts';

export { bearer, personWith, type Session } from '../../api/support/harness.ts';

export interface ReadSide {
  stack: Stack;
  deps: AppDeps;
  app: FastifyInstance;
  admin: Session;
  log: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
}

export async function startReadSide(name: string, events: EventsRoutesOptions = {}): Promise<ReadSide> {
  const h = await startHarness(name, {
    runDirPrefix: 'cti-read-',
    plugins: (deps) => [callsRoutes(deps), recordingsRoutes(deps), eventsRoutes(deps, events), alarmsRoutes(deps)],
  });
  const admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD).catch(async (e) => { await h.close(); throw e; });
  return { stack: h.stack, deps: h.deps, app: h.app, admin, log: h.log, close: () => h.close() };
}

let seq = 0;

export interface CallFacts {
  id: string;
  sip_call_id: string;
}

/** A unique SIP Call-ID for a test call. */
export function sipCallId(tag: string): string {
  return `${tag}-${process.pid}-${Date.now()}-${++seq}@127.0.0.1`;
}

export async function ensureSeat(sql: Sql, id: string): Promise<void> {
  await sql`
    INSERT INTO seats (id, centre_id, display_name, sip_username, sip_domain, ha1, ha1b)
    VALUES (${id}, 'city', ${`席位 ${id}`}, ${id}, '127.0.0.1', 'x', 'x') ON CONFLICT (id) DO NOTHING`;
}

/**
 * An answered call as the call flow records it: arrived at t0, queued at +0.5 s, a first offer to
 * `seats[0]` that rang out (no_answer at +10.5 s), a second offer to `seats[1]` answered at +14 s,
 * ended at +74 s; two legs and the call's event log.
 */
export async function insertAnsweredCall(sql: Sql, t0: Date, seats: [string, string], caller = '13800000001'): Promise<CallFacts> {
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const sip = sipCallId('answered');
  const [call] = await sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at,
                       first_offered_at, answered_at, ended_at, answered_seat_id, ended_by, end_reason)
    VALUES ('city', ${sip}, ${caller}, '120', 'city-main', 'ended', ${t0}, ${at(500)}, ${at(1000)}, ${at(14_000)}, ${at(74_000)},
            ${seats[1]}, 'caller', 'bye')
    RETURNING id`;
  await sql`
    INSERT INTO call_offers (call_id, attempt, seat_id, offered_at, ringing_at, answered_at, ended_at, outcome, sip_status) VALUES
      (${call.id}, 1, ${seats[0]}, ${at(1000)}, ${at(1200)}, NULL, ${at(10_500)}, 'no_answer', 408),
      (${call.id}, 2, ${seats[1]}, ${at(11_000)}, ${at(11_100)}, ${at(14_000)}, ${at(74_000)}, 'answered', 200)`;
  await sql`
    INSERT INTO call_legs (call_id, kind, party, from_tag, to_tag, started_at, ended_at) VALUES
      (${call.id}, 'caller', ${caller}, 'ftag', NULL, ${t0}, ${at(74_000)}),
      (${call.id}, 'seat', ${seats[1]}, 'ftag', 'ttag', ${at(14_000)}, ${at(74_000)})`;
  const events: Array<[string, number, object]> = [
    ['call.offered.v1', 0, { call_id: call.id, sip_call_id: sip, caller_number: caller, caller_name: null, called_number: '120', trunk_id: null, source: 'trunk', arrived_at: t0.toISOString() }],
    ['call.queued.v1', 500, { call_id: call.id, queue_id: 'city-main', priority: 5, requeued: false, reason: null }],
    ['call.offering.v1', 1000, { call_id: call.id, seat_id: seats[0], attempt: 1, queue_ms: 500 }],
    ['call.offer_failed.v1', 10_500, { call_id: call.id, seat_id: seats[0], attempt: 1, reason: 'no_answer', sip_status: 408 }],
    ['call.offering.v1', 11_000, { call_id: call.id, seat_id: seats[1], attempt: 2, queue_ms: 10_500 }],
    ['call.answered.v1', 14_000, { call_id: call.id, seat_id: seats[1], attempt: 2, queue_ms: 13_500, ring_ms: 3000, answer_ms: 14_000 }],
    ['call.ended.v1', 74_000, { call_id: call.id, ended_by: 'caller', reason: 'bye', answered_seat_id: seats[1], talk_ms: 60_000 }],
  ];
  for (const [type, ms, data] of events) {
    await sql`INSERT INTO call_events (call_id, type, at, data) VALUES (${call.id}, ${type}, ${at(ms)}, ${sql.json(data as never)})`;
  }
  return { id: call.id, sip_call_id: sip };
}

/** A call whose caller hung up in the queue after `waitMs`, with its work-list row. */
export async function insertAbandonedCall(sql: Sql, t0: Date, waitMs: number, status: 'open' | 'claimed' | 'done', caller: string): Promise<CallFacts> {
  const sip = sipCallId('abandoned');
  const end = new Date(t0.getTime() + waitMs);
  const [call] = await sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at, ended_at, ended_by, end_reason)
    VALUES ('city', ${sip}, ${caller}, '120', 'city-main', 'abandoned', ${t0}, ${t0}, ${end}, 'caller', 'cancel')
    RETURNING id`;
  await sql`
    INSERT INTO abandoned_calls (call_id, centre_id, queue_id, caller_number, wait_ms, abandoned_at, status, closed_at)
    VALUES (${call.id}, 'city', 'city-main', ${caller}, ${waitMs}, ${end}, ${status}, ${status === 'done' ? end : null})`;
  return { id: call.id, sip_call_id: sip };
}
