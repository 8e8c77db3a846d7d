/**
 * The data-tier failures on a pair with the replicated data tier (scripts/stack/data-pair.ts), shared by the
 * integration tests and `npm run bench -- failover` (scenarios `redis_master_killed`, `pg_primary_killed`):
 *
 * - redis_master_killed: callers queued on A (the seat not ready), the Redis master (on A) SIGKILLed; Sentinel
 *   promotes B's replica; the seat is made ready at once through the API; every queued caller must be answered, in
 *   queue order, and a new call after them.
 * - pg_primary_killed: calls flowing (queued and being answered one after the other), the PostgreSQL primary (A's
 *   pg_autoctl and PostgreSQL) SIGKILLed; pg_auto_failover promotes B's standby; every call is answered, every
 *   committed fact from before the kill is still there, the control planes were not restarted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { connectRedis } from '../../../control/src/ha/data/redis-connection.ts';
import { runSipp, type SippHandle } from '../../support/sipp.ts';
import type { CallRow } from './callcentre.ts';
import { waitFor } from './callcentre.ts';
import { callerOn, prepareFailover, queueCallsOnA, QUEUED_PREFIX, type FailoverRig } from './failover.ts';

const QUEUED_TIMEOUT_S = 180;
const NEW_CALLER = '13500000121';
const REREGISTER_PORT = 5071;
const REREGISTER_MEDIA = 16300;

export interface DataFailoverFigures {
  /** Callers (queued at the failure, plus the new one after it) not answered by a seat. */
  calls_lost: number;
  /**
   * From the failure until the first call after it was answered by a seat (answered_at in PostgreSQL; the queued
   * callers are held until the seat is made ready, which is done at once, through the API, retried while it fails).
   */
  answered_after_ms: number;
  /** The call placed right at the failure was answered (SIPp) and whether Kamailio failed it open (ring-all). */
  new_call_answered: boolean;
  new_call_failed_open: boolean;
  /** From the failure until the standby/replica was promoted (monitor / a majority of Sentinels). */
  promote_ms: number;
  /** From the failure until the first successful write through the clients' URL (a fresh connection). */
  first_write_ms: number;
  /** Callers in flight at the failure. */
  calls: number;
  /** Whether they were answered in the order they were queued. */
  in_order: boolean;
  /** Which control plane led before and after (a (A) or b (B)); a data failover should not move the lead. */
  leader_before: string;
  leader_after: string;
  /** Whether both control-plane processes are the same as before the failure (reconnected by themselves). */
  control_not_restarted: boolean;
}

export interface RedisFailoverFigures extends DataFailoverFigures {
  /** INCRs the old master acknowledged (sequential writer up to the kill) that the promoted replica does not have. */
  redis_writes_lost: number;
  redis_writes_acked: number;
  /** The most answered offers of one caller's call (call_offers outcome answered): 1 = nobody answered twice. */
  answered_offers_max: number;
  /** A's control plane paused its lead (no renewal answered before its deadline) and renewed it again (its log). */
  leader_paused: boolean;
  leader_resumed: boolean;
}

/** Whether the node's control-plane log says its lead paused and resumed (control/src/app/leader.ts). */
function pausedAndResumed(rig: FailoverRig, node: 'a' | 'b'): { paused: boolean; resumed: boolean } {
  let log = '';
  try {
    log = readFileSync(join(rig.pair.nodes[node].info.stateDir, 'logs', 'control.log'), 'utf8');
  } catch { /* no log: neither */ }
  return { paused: log.includes('"to":"paused"'), resumed: log.includes('leader lease renewed after a pause') };
}

async function answeredOffersMax(rig: FailoverRig, ids: string[]): Promise<number> {
  const [r] = await rig.sql<{ n: number }[]>`
    SELECT coalesce(max(n), 0)::int AS n FROM (SELECT count(*) AS n FROM call_offers WHERE outcome = 'answered' AND call_id = ANY(${ids}::uuid[]) GROUP BY call_id) x`;
  return r?.n ?? 0;
}

export interface PgFailoverFigures extends DataFailoverFigures {
  /** Committed rows before the kill (calls, call_offers, audit_log) and how many of them were missing after. */
  facts_before: { calls: number; call_offers: number; audit_log: number };
  facts_missing: number;
  /** A seat phone registers through Kamailio after the promotion (auth_db reads PostgreSQL). */
  register_after_ok: boolean;
}

async function leader(rig: FailoverRig): Promise<string> {
  for (const n of ['a', 'b'] as const) {
    const h = await fetch(`${rig.pair.nodes[n].info.api.url}/health`).then((r) => r.json() as Promise<{ checks?: { control_plane?: { detail?: string } } }>).catch(() => undefined);
    if (h?.checks?.control_plane?.detail === 'active') return n;
  }
  return 'none';
}

function controlPids(rig: FailoverRig): string {
  return `${rig.pair.nodes.a.info.pids?.control}/${rig.pair.nodes.b.info.pids?.control}`;
}

function queuedRows(rows: CallRow[]): CallRow[] {
  return rows.filter((c) => (c.caller_number ?? '').startsWith(QUEUED_PREFIX));
}

/** Retries `fn` until it resolves (the API answers 5xx while its store is away); returns when it first did. */
async function untilAccepted(fn: () => Promise<unknown>, timeoutMs: number, what: string): Promise<number> {
  return waitFor(async () => {
    try {
      await fn();
      return Date.now();
    } catch {
      return undefined;
    }
  }, timeoutMs, what, 50);
}

interface Outcome { lost: number; inOrder: boolean; firstAnswerMs: number; newCallAnswered: boolean; newCallFailedOpen: boolean }

/** Waits for the `n` queued callers and the new caller; what became of them. */
/** The figures both data-tier scenarios report, from the callers' outcome and the failure's times. */
async function commonFigures(
  rig: FailoverRig, o: Outcome,
  t: { t0: number; promotedAt: number; writeAt: number; n: number; leaderBefore: DataFailoverFigures['leader_before']; pidsBefore: string },
): Promise<DataFailoverFigures> {
  return {
    calls_lost: o.lost,
    answered_after_ms: o.firstAnswerMs,
    new_call_answered: o.newCallAnswered,
    new_call_failed_open: o.newCallFailedOpen,
    promote_ms: t.promotedAt - t.t0,
    first_write_ms: t.writeAt - t.t0,
    calls: t.n + 1,
    in_order: o.inOrder,
    leader_before: t.leaderBefore,
    leader_after: await leader(rig),
    control_not_restarted: controlPids(rig) === t.pidsBefore,
  };
}

async function outcome(rig: FailoverRig, queued: SippHandle, next: SippHandle, order: string[], t0: number): Promise<Outcome> {
  const [qs, ns] = await Promise.all([queued.done, next.done]);
  // every caller's SIPp is done (answered and hung up, or given up): the answered ones are in PostgreSQL
  const rows = await waitFor(async () => {
    const mine = queuedRows(await rig.a.calls());
    return mine.length === order.length && mine.filter((c) => c.answered_at).length >= qs.successful ? mine : undefined;
  }, 30_000, 'the queued callers SIPp saw answered, answered in PostgreSQL', 200);
  const fresh = (await rig.a.calls()).find((c) => c.caller_number === NEW_CALLER && c.arrived_at.getTime() >= t0 - 1000);
  const answered = rows.filter((r) => r.answered_at).sort((x, y) => x.answered_at!.getTime() - y.answered_at!.getTime());
  const after = answered.filter((r) => r.answered_at!.getTime() >= t0);
  return {
    lost: (order.length - qs.successful) + (ns.ok ? 0 : 1),
    inOrder: answered.length === order.length && answered.every((r, i) => r.id === order[i]),
    firstAnswerMs: after.length ? after[0]!.answered_at!.getTime() - t0 : -1,
    newCallAnswered: ns.ok,
    newCallFailedOpen: fresh?.failed_open ?? false,
  };
}

/**
 * The caller placed right at the failure. It is answered after the queued callers (one seat, each call a few seconds
 * of audio), so it waits as long as they may: SIPp's default 40 s gave up on it before its turn in a loaded CI run.
 */
function newCaller(rig: FailoverRig): Promise<SippHandle> {
  return callerOn(rig, NEW_CALLER, undefined, undefined, QUEUED_TIMEOUT_S);
}

/** Queue `n` callers on A (seat not ready) in a known order. */
async function queue(rig: FailoverRig, n: number, timeoutS = QUEUED_TIMEOUT_S): Promise<{ queued: SippHandle; order: string[] }> {
  const first = await prepareFailover(rig);
  if (!first.ok) throw new Error(`the first call was not answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  const queued = await queueCallsOnA(rig, n, { timeoutS });
  const order = queuedRows(await rig.a.calls()).sort((x, y) => x.queued_at!.getTime() - y.queued_at!.getTime()).map((c) => c.id);
  return { queued, order };
}

export async function redisMasterKilled(rig: FailoverRig, n = 10): Promise<RedisFailoverFigures> {
  const data = rig.pair.replicated!;
  if ((await data.redisMaster()) !== 'a') throw new Error('the Redis master is not on A before the test');
  const { queued, order } = await queue(rig, n);
  const leaderBefore = await leader(rig);
  const pidsBefore = controlPids(rig);
  // a sequential writer up to the kill: what did the old master acknowledge that the replica never got?
  const probe = connectRedis(data.redisUrl, { maxRetriesPerRequest: 0 });
  probe.on('error', () => { /* counted by the loop */ });
  await probe.del('cti:ha-probe');
  let acked = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      try {
        acked = Math.max(acked, await probe.incr('cti:ha-probe'));
      } catch {
        return;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  await data.killRedis('a');
  writing = false;
  await writer;
  const next = await newCaller(rig);
  const [promotedAt, readyAt] = await Promise.all([
    waitFor(async () => ((await data.redisMaster()) === 'b' ? Date.now() : undefined), 30_000, 'a Sentinel majority naming B as the master', 50),
    untilAccepted(() => rig.a.seatReady(rig.seat!), 30_000, 'the seat made ready through the API'),
  ]);
  probe.disconnect();
  // a fresh client: the Sentinels name B now
  const reader = connectRedis(data.redisUrl, { maxRetriesPerRequest: 1 });
  reader.on('error', () => { /* retried by waitFor */ });
  const stored = Number(await waitFor(async () => {
    try {
      return (await reader.get('cti:ha-probe')) ?? '0';
    } catch {
      return undefined;
    }
  }, 15_000, 'the probe key read from the new master', 100));
  reader.disconnect();
  const o = await outcome(rig, queued, next, order, t0);
  const pr = pausedAndResumed(rig, leaderBefore === 'b' ? 'b' : 'a');
  return {
    ...(await commonFigures(rig, o, { t0, promotedAt, writeAt: readyAt, n, leaderBefore, pidsBefore })),
    redis_writes_lost: Math.max(0, acked - stored),
    redis_writes_acked: acked,
    answered_offers_max: await answeredOffersMax(rig, order),
    leader_paused: pr.paused,
    leader_resumed: pr.resumed,
  };
}

async function facts(sql: postgres.Sql): Promise<{ calls: string[]; call_offers: string[]; audit_log: string[] }> {
  const [c, o, a] = await Promise.all([
    sql<{ id: string }[]>`SELECT id::text FROM calls`,
    sql<{ id: string }[]>`SELECT id::text FROM call_offers`,
    sql<{ id: string }[]>`SELECT id::text FROM audit_log`,
  ]);
  return { calls: c.map((r) => r.id), call_offers: o.map((r) => r.id), audit_log: a.map((r) => r.id) };
}

/** A fresh connection through the clients' multi-host URL that can write (a writable primary answers it). */
async function writes(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => { await tx`CREATE TEMP TABLE ha_probe (x int) ON COMMIT DROP`; });
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

export async function pgPrimaryKilled(rig: FailoverRig, n = 4): Promise<PgFailoverFigures> {
  const data = rig.pair.replicated!;
  if ((await data.pgPrimary()) !== 'a') throw new Error('the PostgreSQL primary is not on A before the test');
  // each caller talks ~5 s and the seat takes them one after the other: 60 s is ample for 4, and bounds a stuck seat
  const { queued, order } = await queue(rig, n, 60);
  // calls flowing: the seat takes them one after the other; the first is being answered when the primary dies
  await rig.a.seatReady(rig.seat!);
  await waitFor(async () => queuedRows(await rig.a.calls()).some((c) => c.answered_at), 20_000, 'the first queued call answered', 100);
  const leaderBefore = await leader(rig);
  const pidsBefore = controlPids(rig);
  const before = await facts(rig.sql);
  const t0 = Date.now();
  await data.killPostgres('a');
  const next = await newCaller(rig);
  const [promotedAt, writeAt] = await Promise.all([
    waitFor(async () => ((await data.pgPrimary()) === 'b' ? Date.now() : undefined), 60_000, 'the monitor naming B the writable primary', 50),
    waitFor(async () => ((await writes(data.postgresUrl)) ? Date.now() : undefined), 60_000, 'a write through the multi-host URL', 20),
  ]);
  const o = await outcome(rig, queued, next, order, t0);
  const after = await facts(rig.sql);
  const missing = (['calls', 'call_offers', 'audit_log'] as const)
    .reduce((m, k) => m + before[k].filter((id) => !new Set(after[k]).has(id)).length, 0);
  const reg = await runSipp({
    scenario: 'uac-register-expect-200.xml', remote: rig.pair.sipRemote, netns: rig.pair.net.ns.car, localIp: rig.pair.net.addr.car,
    localPort: REREGISTER_PORT, mediaPort: REREGISTER_MEDIA, service: rig.seat!.sipUser,
    auth: { username: rig.seat!.sipUser, password: rig.seat!.password }, vars: { expires: '60' }, timeoutS: 15,
  });
  return {
    ...(await commonFigures(rig, o, { t0, promotedAt, writeAt: writeAt, n, leaderBefore, pidsBefore })),
    facts_before: { calls: before.calls.length, call_offers: before.call_offers.length, audit_log: before.audit_log.length },
    facts_missing: missing,
    register_after_ok: reg.ok,
  };
}
