/**
 * A real backend for the queue tests: startStack without the control plane (PostgreSQL with the
 * migrations, Redis, rtpengine, Kamailio) and the API built in-process with the queue, stats and alarm
 * routes. Waiting calls are put into Redis the way the call flow puts them (queue sorted set + live
 * call hash); call rows the way it records them. Nothing is mocked but the logger.
 */
import type { FastifyInstance } from 'fastify';
import type { Sql, TransactionSql } from 'postgres';
import type { Stack } from '../../../../scripts/stack/stack.ts';
import { enqueue } from '../../../../control/src/acd/queue.ts';
import { alarmsRoutes } from '../../../../control/src/api/routes/alarms.ts';
import { queuesRoutes } from '../../../../control/src/api/routes/queues.ts';
import { statsRoutes } from '../../../../control/src/api/routes/stats.ts';
import type { AppDeps } from '../../../../control/src/app/deps.ts';
import { saveLiveCall } from '../../../../control/src/calls/store.ts';
import { ADMIN_PASSWORD, loginAs, startHarness, type Session } from '../../api/support/harness.ts';

export { bearer, personWith, type Session } from '../../api/support/harness.ts';

export interface QueuesSide {
  stack: Stack;
  deps: AppDeps;
  app: FastifyInstance;
  admin: Session;
  /** Queue ids passed to the onChange hook, in order. */
  changes: string[][];
  close(): Promise<void>;
}

export async function startQueuesSide(name: string): Promise<QueuesSide> {
  const changes: string[][] = [];
  const h = await startHarness(name, {
    runDirPrefix: 'cti-queues-',
    plugins: (deps) => [queuesRoutes(deps, { onChange: (ids) => changes.push(ids) }), statsRoutes(deps), alarmsRoutes(deps)],
  });
  const admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD).catch(async (e) => { await h.close(); throw e; });
  return { stack: h.stack, deps: h.deps, app: h.app, admin, changes, close: () => h.close() };
}

let seq = 0;

export function sipCallId(tag: string): string {
  return `${tag}-${process.pid}-${Date.now()}-${++seq}@127.0.0.1`;
}

export async function ensureSeat(sql: Sql, id: string, queues: string[] = []): Promise<void> {
  await sql`
    INSERT INTO seats (id, centre_id, display_name, sip_username, sip_domain, ha1, ha1b, queues)
    VALUES (${id}, 'city', ${`席位 ${id}`}, ${id}, '127.0.0.1', 'x', 'x', ${queues}::text[]) ON CONFLICT (id) DO NOTHING`;
}

/** A caller waiting in `queueId` since `arrivedMs`, as CallFlow leaves it: live hash in state queued, member of the queue's sorted set. */
export async function putWaitingCall(deps: AppDeps, queueId: string, arrivedMs: number, priority = 5): Promise<string> {
  const id = sipCallId('waiting');
  await saveLiveCall(deps.redis, {
    sipCallId: id, id: crypto.randomUUID(), centreId: 'city', state: 'queued', tindex: 1, tlabel: 1, queueId, priority,
    arrivedMs, queuedMs: arrivedMs, attempt: 0, seatId: null, offeredMs: 0, callerNumber: '13800000000', answeredSeatId: null, answeredMs: 0, failedOpen: false,
  });
  await enqueue(deps.redis, queueId, id, priority, arrivedMs);
  return id;
}

export interface CallRow {
  queue: string;
  centre?: string;
  arrived: Date;
  /** ms after arrival; absent: not answered. */
  answerMs?: number;
  /** ms after arrival; absent: still in progress. */
  endMs?: number;
  seat?: string;
  abandoned?: boolean;
  /** Offers made, in order: [seat, outcome]. */
  offers?: [string, 'answered' | 'no_answer' | 'cancelled'][];
}

/** A call row as the call flow records it (timings from which PostgreSQL derives answer_ms, talk_ms). */
/** Rows inserted in one transaction: an evaluator polling the table sees none or all of them, never some. */
export async function insertCalls(sql: Sql, rows: CallRow[]): Promise<void> {
  await sql.begin(async (tx) => {
    for (const c of rows) await insertCall(tx, c);
  });
}

export async function insertCall(sql: Sql | TransactionSql, c: CallRow): Promise<string> {
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(c.arrived.getTime() + ms));
  const state = c.abandoned ? 'abandoned' : c.endMs !== undefined ? 'ended' : c.answerMs !== undefined ? 'talking' : 'queued';
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at, answered_at, ended_at,
                       answered_seat_id, ended_by, end_reason)
    VALUES (${c.centre ?? 'city'}, ${sipCallId('row')}, '13800000001', '120', ${c.queue}, ${state}, ${c.arrived}, ${at(300)},
            ${at(c.answerMs)}, ${at(c.endMs)}, ${c.answerMs === undefined ? null : c.seat ?? null},
            ${c.endMs === undefined ? null : 'caller'}, ${c.abandoned ? 'abandoned' : c.endMs === undefined ? null : 'normal'})
    RETURNING id`;
  for (const [i, [seat, outcome]] of (c.offers ?? []).entries()) {
    await sql`
      INSERT INTO call_offers (call_id, attempt, seat_id, offered_at, answered_at, ended_at, outcome)
      VALUES (${row.id}, ${i + 1}, ${seat}, ${at(500 + i * 100)}, ${outcome === 'answered' ? at(c.answerMs) : null},
              ${outcome === 'answered' ? at(c.endMs) : at(600 + i * 100)}, ${outcome})`;
  }
  return row.id;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
