/**
 * The node-death scenario on a pair (scripts/stack/pair.ts), shared by the integration test and
 * `npm run bench -- failover`: a SIPp seat in the carrier namespace registers via the floating address, a
 * SIPp trunk caller there calls 120 via the floating address and is answered through node A; then every
 * process of A is SIGKILLed and its link cut, and a new 120 call is sent at once; the figures are when B
 * held the floating address, when B's control plane took the lead, and when the new call was answered.
 */
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import { connectRedis } from '../../../control/src/ha/data/redis-connection.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { startPair, type Pair, type PairOptions } from '../../../scripts/stack/pair.ts';
import { runSipp, startSipp, waitForUdpListenerIn, type SippHandle, type SippOptions, type SippResult } from '../../support/sipp.ts';
import { ADMIN_PASSWORD, CallCentre, waitFor, type CallRow, type Seat } from './callcentre.ts';

const SEAT_PORT = 5070;
const SEAT_MEDIA = 16000;
const TRUNK_PORT = 5080;
const CALLER_MEDIA = 16100;
const QUEUED_PORT = 5082;
const QUEUED_MEDIA = 16200;
export const QUEUED_PREFIX = '1390000';

export interface FailoverFigures {
  /** From the kill until B held the floating address. */
  vip_moved_ms: number;
  /** From the kill until B held the floating media address (its own, unfenced VRRP instance). */
  media_vip_moved_ms: number;
  /** From the kill until B's control plane was active (its /health). */
  leader_ms: number;
  /** From the kill until the new 120 call was answered (answered_at in PostgreSQL, written by B's control plane). */
  answered_after_ms: number;
  /** Whether the seat's registration reached B through DMQ before the kill. */
  registration_replicated: boolean;
}

export interface FailoverRig {
  readonly pair: Pair;
  readonly sql: Sql;
  readonly redis: Redis;
  /** The API of node A, then of node B after the kill. */
  readonly a: CallCentre;
  readonly b: CallCentre;
  seat?: Seat;
  seatPhone?: SippHandle;
  readonly callers: SippHandle[];
  close(): Promise<void>;
}

export async function startFailoverRig(name: string, pairOpts: Pick<PairOptions, 'replicatedData' | 'fence' | 'leaseMs'> = {}): Promise<FailoverRig> {
  const pair = await startPair({ name: `${name}-${process.pid}`, env: { CTI_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD }, ...pairOpts });
  const sql = postgres(pair.dataUrls.postgres, { max: 4, onnotice: () => {} });
  const redis = connectRedis(pair.dataUrls.redis, { maxRetriesPerRequest: 3 });
  redis.on('error', () => { /* reconnects by itself (a data failover); a failing command says why */ });
  const callers: SippHandle[] = [];
  const rig: FailoverRig = {
    pair, sql, redis, callers,
    a: new CallCentre(pair.nodes.a, sql, redis),
    b: new CallCentre(pair.nodes.b, sql, redis),
    async close() {
      await Promise.allSettled([rig.seatPhone?.stop(), ...callers.map((c) => c.stop())]);
      await sql.end({ timeout: 2 }).catch(() => undefined);
      redis.disconnect();
      await pair.stop();
    },
  };
  try {
    await rig.a.login();
  } catch (e) {
    await rig.close();
    throw e;
  }
  return rig;
}

/** Whether one node's Kamailio has a contact for an AoR user (JSON-RPC ul.dump). */
async function hasContact(rpcUrl: string, user: string): Promise<boolean> {
  return (await new KamailioRpc({ url: rpcUrl }).ulDump()).some((c) => c.aor === user && c.expires > 0);
}

export function caller(rig: FailoverRig, number: string): Promise<SippHandle> {
  return callerOn(rig, number);
}

/** A trunk caller in the carrier namespace calling 120 via the floating address (a trunk must exist for `port`). */
export function callerOn(rig: FailoverRig, number: string, port = TRUNK_PORT, media = CALLER_MEDIA, timeoutS = 40): Promise<SippHandle> {
  return startSipp({
    scenario: 'uac-120-expect-answer-audio.xml', remote: rig.pair.sipRemote, netns: rig.pair.net.ns.car,
    localIp: rig.pair.net.addr.car, localPort: port, mediaPort: media,
    injection: [{ caller: number, display: 'failover caller' }], timeoutS,
  }).then((h) => {
    rig.callers.push(h);
    return h;
  });
}

/** Seat, trunk and a first call answered through node A. Returns the first call's result. */
export async function prepareFailover(rig: FailoverRig): Promise<SippResult> {
  const { pair, a } = rig;
  const seat = await a.createSeat();
  rig.seat = seat;
  const reg = await runSipp({
    scenario: 'uac-register-expect-200.xml', remote: pair.sipRemote, netns: pair.net.ns.car, localIp: pair.net.addr.car,
    localPort: SEAT_PORT, mediaPort: SEAT_MEDIA, service: seat.sipUser, auth: { username: seat.sipUser, password: seat.password },
    vars: { expires: '3600' }, timeoutS: 15,
  });
  if (!reg.ok) throw new Error(`REGISTER via the floating address failed: exit ${reg.exitCode}\n${reg.errorLog}\n${reg.messageLog}`);
  rig.seatPhone = await startSipp({
    scenario: 'uas-seat-answer-audio.xml', netns: pair.net.ns.car, localIp: pair.net.addr.car,
    localPort: SEAT_PORT, mediaPort: SEAT_MEDIA, service: seat.sipUser, timeoutS: 300,
  });
  await waitForUdpListenerIn(pair.net.ns.car, pair.net.addr.car, SEAT_PORT);
  await waitFor(async () => (await a.seatState(seat)).registered === true, 15_000, 'the seat registered in the control plane', 200);
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier', name: '测试中继 运营商', ip_addr: pair.net.addr.car, port: TRUNK_PORT });
  await a.setQueue({ wrapup_s: 0 });
  await a.loginReady(seat);
  const first = await (await caller(rig, '13500000120')).done;
  await waitFor(async () => (await a.seatState(seat)).state === 'ready', 15_000, 'the seat ready again after the first call', 100);
  return first;
}

/**
 * `n` trunk calls queued on node A (the seat not ready; a second trunk port of the carrier): their INVITE
 * transactions are suspended in A's Kamailio. Resolves once PostgreSQL has them all queued.
 */
export async function queueCallsOnA(rig: FailoverRig, n: number, opts: Partial<Pick<SippOptions, 'scenario' | 'timeoutS' | 'keepTraces' | 'vars' | 'extraArgs'>> = {}): Promise<SippHandle> {
  const { pair, a } = rig;
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-2', name: '测试中继 运营商 2', ip_addr: pair.net.addr.car, port: QUEUED_PORT });
  await a.seatNotReady(rig.seat!);
  const h = await startSipp({
    scenario: 'uac-120-expect-answer-audio.xml', remote: pair.sipRemote, netns: pair.net.ns.car, localIp: pair.net.addr.car,
    localPort: QUEUED_PORT, mediaPort: QUEUED_MEDIA, calls: n, concurrent: n, rate: 10, timeoutS: 60, ...opts,
    injection: Array.from({ length: n }, (_, i) => ({ caller: `${QUEUED_PREFIX}${String(i).padStart(4, '0')}`, display: 'queued caller' })),
  });
  rig.callers.push(h);
  await a.waitForCalls(n, (c) => c.state === 'queued' && (c.caller_number ?? '').startsWith(QUEUED_PREFIX), 15_000, `${n} calls queued on A`);
  return h;
}

export interface QueuedFigures {
  queued: number;
  /** Queued callers who got no answer from a seat within `waitMs` of the failure. */
  calls_lost: number;
  /** Queued callers that got any final response (SIPp counts a non-2xx final response as a failed call at once). */
  final_responses: number;
  /** From the failure until every queued caller was in PostgreSQL as abandoned (the callback list). */
  abandoned_listed_after_ms: number;
  end_reasons: string[];
}

/** After the failure: what became of the callers queued on A (their calls in PostgreSQL, their SIPp). */
export async function queuedOutcome(rig: FailoverRig, queued: SippHandle, n: number, t0: number, waitMs: number): Promise<QueuedFigures> {
  const rows = await waitFor(async () => {
    const mine = (await rig.b.calls()).filter((c) => (c.caller_number ?? '').startsWith(QUEUED_PREFIX));
    return mine.length === n && mine.every((c) => c.ended_at || c.answered_at) ? mine : undefined;
  }, waitMs, `the ${n} queued calls ended or answered in PostgreSQL`, 200);
  const stats = await queued.stop();
  return {
    queued: n,
    calls_lost: n - stats.successful,
    final_responses: stats.successful + countFinal(stats),
    abandoned_listed_after_ms: Math.max(...rows.map((r) => (r.ended_at ? r.ended_at.getTime() - t0 : Number.NaN))),
    end_reasons: [...new Set(rows.map((r) => `${r.state}:${r.end_reason ?? ''}`))],
  };
}

/** Final non-2xx responses SIPp saw as unexpected messages (the scenario expects 200). */
function countFinal(r: SippResult): number {
  return Number(r.stats['FailedUnexpectedMessage(C)'] ?? 0);
}

/** Node A killed at t0 (every process SIGKILLed, its link cut); `moved` resolves with when B held the floating
 *  addresses and when B's control plane led (each 0 if not within `watchMs`). */
export interface NodeAKilled {
  t0: number;
  /** Whether the seat's registration reached B through DMQ before the kill. */
  replicated: boolean;
  moved: Promise<{ vipAt: number; mediaVipAt: number; leaderAt: number }>;
}

export async function killNodeA(rig: FailoverRig, watchMs = 20_000): Promise<NodeAKilled> {
  const { pair } = rig;
  const replicated = rig.seat ? await hasContact(pair.nodes.b.info.kamailio.rpcUrl, rig.seat.sipUser) : false;
  const t0 = Date.now();
  await pair.killNode('a');
  const moved = (async () => {
    const at = { vipAt: 0, mediaVipAt: 0, leaderAt: 0 };
    while ((!at.vipAt || !at.leaderAt || !at.mediaVipAt) && Date.now() < t0 + watchMs) {
      if (!at.vipAt && pair.holder() === 'b') at.vipAt = Date.now();
      if (!at.mediaVipAt && pair.mediaHolder() === 'b') at.mediaVipAt = Date.now();
      if (!at.leaderAt) {
        const h = await fetch(`${pair.nodes.b.info.api.url}/health`).then((r) => r.json() as Promise<{ checks?: { control_plane?: { detail?: string } } }>).catch(() => undefined);
        if (h?.checks?.control_plane?.detail === 'active') at.leaderAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return at;
  })();
  return { t0, replicated, moved };
}

/**
 * A new 120 call sent at once after the kill (`killed`), and `ready` seats made ready through B's API; measures until
 * it is answered via B (throws if it is not).
 */
export async function newCallViaB(rig: FailoverRig, killed: NodeAKilled, firstCallId?: string, ready: Seat[] = []):
Promise<{ figures: FailoverFigures; call: CallRow; result: SippResult; t0: number }> {
  const { b } = rig;
  const { t0 } = killed;
  const next = await caller(rig, '13500000121');
  if (ready.length) {
    await b.login();
    for (const seat of ready) await b.seatReady(seat);
  }
  const result = await next.done;
  const at = await killed.moved;
  if (!result.ok) throw new Error(`the call after the kill was not answered: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  await b.login();
  const call = await waitFor(async () => (await b.calls()).find((c) => c.id !== firstCallId && c.caller_number === '13500000121' && c.answered_at),
    10_000, 'the call after the kill, answered, in PostgreSQL');
  return {
    figures: {
      vip_moved_ms: at.vipAt ? at.vipAt - t0 : -1,
      media_vip_moved_ms: at.mediaVipAt ? at.mediaVipAt - t0 : -1,
      leader_ms: at.leaderAt ? at.leaderAt - t0 : -1,
      answered_after_ms: call.answered_at!.getTime() - t0,
      registration_replicated: killed.replicated,
    },
    call,
    result,
    t0,
  };
}

/** Kills node A at once and measures until a new call is answered via B. */
export async function killNodeAAndCall(rig: FailoverRig, firstCallId?: string, opts: { readyAfterKill?: boolean } = {}):
Promise<{ figures: FailoverFigures; call: CallRow; result: SippResult; t0: number }> {
  return newCallViaB(rig, await killNodeA(rig, 10_000), firstCallId, opts.readyAfterKill ? [rig.seat!] : []);
}
