/**
 * The backend of bench/acd-decision.ts: a real PostgreSQL (migrations applied) and Redis from startStack
 * (without the control plane), and the AppDeps the control plane would build over them, as
 * test/integration/api/support/harness.ts does. Seats and waiting calls are put where the control plane
 * keeps them, through the product's own functions:
 *
 *   seats   INSERT into seats, loadSeats (Redis hashes), a `cti:reg:<user>` key as RegistrationTracker
 *           writes it for a registered contact, transitionSeat to ready (as the API's "ready" does)
 *   calls   a calls row (as CallFlow.onCallNew inserts it), saveLiveCall in state queued, enqueue
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { startStack, type Stack } from '../../../scripts/stack/stack.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import type { Logger } from '../../../control/src/app/logger.ts';
import type { Config } from '../../../control/src/config.ts';
import { EventBus } from '../../../control/src/events/bus.ts';
import { enqueue } from '../../../control/src/acd/queue.ts';
import { saveLiveCall } from '../../../control/src/calls/store.ts';
import { regKey } from '../../../control/src/seats/state/registrations.ts';
import { loadSeats, transitionSeat } from '../../../control/src/seats/state/store.ts';

export interface LoggedLine { level: string; obj: object | string; msg?: string }

export interface Rig {
  stack: Stack;
  deps: AppDeps;
  /** The control plane's log lines at warn and error (a clean run has none). */
  problems: LoggedLine[];
  seats: { id: string; sipUser: string }[];
  close(): Promise<void>;
}

function keepingProblems(lines: LoggedLine[]): Logger {
  const keep = (level: string) => (obj: object | string, msg?: string) => { lines.push({ level, obj, msg }); };
  return { info: () => {}, debug: () => {}, warn: keep('warn'), error: keep('error') };
}

function configFor(stack: Stack, runDir: string): Config {
  const i = stack.info;
  const [evHost, evPort] = i.kamailio.evapi.split(':');
  const [ngHost, ngPort] = i.rtpengine.ng.split(':');
  return {
    httpHost: '127.0.0.1', httpPort: 0, pgUrl: i.postgres.url, redisUrl: i.redis.url,
    evapi: { host: evHost!, port: Number(evPort) }, kamailioRpcUrl: i.kamailio.rpcUrl,
    rtpengineNg: { host: ngHost!, port: Number(ngPort) }, spoolDir: i.spoolDir, recordingsDir: i.recordingsDir,
    sipDomain: i.sip.domain, runDir, centreId: 'city', bootstrapAdminPassword: undefined,
    tokenTtlS: 3600, registrationGraceS: 30, screeningEnabled: false, mediaDir: 'media',
  };
}

export async function startRig(name: string): Promise<Rig> {
  const stack = await startStack({ name: `${name}-${process.pid}`, control: false });
  const runDir = mkdtempSync(join(tmpdir(), 'cti-bench-acd-'));
  const config = configFor(stack, runDir);
  // the control plane's own pool size (main.ts) is not smaller than this: facts of a pass run concurrently
  const sql = postgres(config.pgUrl, { max: 10, onnotice: () => {} });
  const redis = new Redis(config.redisUrl, { lazyConnect: false });
  const problems: LoggedLine[] = [];
  const deps: AppDeps = { config, sql, redis, bus: new EventBus(redis, config.centreId), log: keepingProblems(problems) };
  return {
    stack, deps, problems, seats: [],
    async close() {
      await sql.end();
      redis.disconnect();
      await stack.stop({ removeData: true }); // the logs stay under .run/<name>/logs, as for the other benchmarks
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

export async function createQueues(rig: Rig, ids: string[], strategy: string): Promise<void> {
  for (const id of ids) {
    await rig.deps.sql`INSERT INTO queues (id, centre_id, name, strategy, wrapup_s) VALUES (${id}, 'city', ${`基准 ${id}`}, ${strategy}, 0)`;
  }
}

/** `n` seats, members of `queues`, registered and ready, with distinct idle times (oldest first). */
export async function readySeats(rig: Rig, n: number, queues: string[]): Promise<void> {
  const { sql, redis } = rig.deps;
  const rows = Array.from({ length: n }, (_, i) => {
    const id = `bench-seat-${String(i + 1).padStart(4, '0')}`;
    return { id, centre_id: 'city', display_name: `基准席位 ${i + 1}`, sip_username: id, sip_domain: '127.0.0.1', ha1: 'x', ha1b: 'x', queues };
  });
  await sql`INSERT INTO seats ${sql(rows, 'id', 'centre_id', 'display_name', 'sip_username', 'sip_domain', 'ha1', 'ha1b', 'queues')}`;
  await loadSeats(rig.deps);
  const p = redis.pipeline();
  for (const r of rows) p.set(regKey(r.sip_username), JSON.stringify([`sip:${r.sip_username}@127.0.0.1:5060`]), 'EX', 24 * 3600);
  await p.exec();
  const t0 = Date.now() - n * 1000;
  for (const [i, r] of rows.entries()) {
    const res = await transitionSeat(rig.deps, r.id, 'ready', { reason: null, set: { idle_since: t0 + i * 1000 } });
    if (!res.ok) throw new Error(`seat ${r.id} could not be made ready (from ${res.from})`);
  }
  rig.seats = rows.map((r) => ({ id: r.id, sipUser: r.sip_username }));
}

/** `n` callers waiting in `queueId`, arrived 10 ms apart, priority 5, as CallFlow leaves a new call. */
export async function waitingCalls(rig: Rig, queueId: string, n: number, tag: string): Promise<void> {
  const { sql, redis } = rig.deps;
  const t0 = Date.now() - n * 10;
  const calls = Array.from({ length: n }, (_, i) => ({
    sipCallId: `${tag}-${i + 1}-${process.pid}@127.0.0.1`, id: randomUUID(), arrivedMs: t0 + i * 10,
  }));
  for (let i = 0; i < calls.length; i += 500) {
    const rows = calls.slice(i, i + 500).map((c) => ({
      id: c.id, centre_id: 'city', sip_call_id: c.sipCallId, caller_number: '13800138000', called_number: '120',
      source: 'bench', queue_id: queueId, priority: 5, state: 'offered', arrived_at: new Date(c.arrivedMs),
    }));
    await sql`INSERT INTO calls ${sql(rows)}`;
  }
  for (const c of calls) {
    await saveLiveCall(redis, {
      sipCallId: c.sipCallId, id: c.id, centreId: 'city', state: 'queued', tindex: 1, tlabel: 1, queueId, priority: 5,
      arrivedMs: c.arrivedMs, queuedMs: c.arrivedMs, attempt: 0, seatId: null, offeredMs: 0, callerNumber: '13800138000',
      answeredSeatId: null, answeredMs: 0, failedOpen: false,
    });
    await enqueue(redis, queueId, c.sipCallId, 5, c.arrivedMs);
  }
}

/**
 * Every reserved seat back to ready, as the ring timer does on no answer (seats/state/ticker.ts: call cleared,
 * idle since now); waits for the seats' PostgreSQL facts, so a round does not carry the previous one's writes.
 */
export async function releaseSeats(rig: Rig): Promise<number> {
  let released = 0;
  for (const s of rig.seats) {
    const r = await transitionSeat(rig.deps, s.id, 'ready', { from: ['reserved'], reason: null, set: { call: '', idle_since: Date.now() } });
    if (r.ok) released++;
  }
  return released;
}
