/**
 * One crash-safety rig: a call centre with N SIPp seats that answer at once (no media) and a trunk; a repeat
 * sends `calls` SIPp callers (each talks `talkMs`, then hangs up), disrupts the stack at a random moment of the
 * run (kill -9 of the control plane and a start of a new one, or a restart of Redis), waits for every caller and
 * then checks the facts, the seats against Kamailio, and collects the log lines of the repeat as evidence.
 * Used by bench/crash-safety.ts (20 calls, 4 seats, 10 repeats) and test/integration/crash (a short version).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallCentre, Seat, Trunk } from '../../../test/integration/support/callcentre.ts';
import { sleep, waitFor } from '../../../test/integration/support/callcentre.ts';
import { checkSeats, settledCalls, tallyCalls, type CallTally, type SeatCheck } from './checks.ts';
import { markLogs, readSince, type LogExcerpt } from './logs.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sipp');
export const SEAT_UAS = join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml');
export const CALLER_UAC = join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml');
const LEADER_KEY = 'cti:leader';

export type Disruption = 'control-kill' | 'redis-restart' | 'none';

export interface Rig {
  cc: CallCentre;
  seats: Seat[];
  trunk: Trunk;
}

export async function startRig(cc: CallCentre, seatCount: number): Promise<Rig> {
  const seats = await cc.createSeats(seatCount);
  for (const seat of seats) {
    await cc.startSeatPhone(seat, SEAT_UAS, { timeoutS: 3600 });
    await cc.loginReady(seat);
  }
  return { cc, seats, trunk: await cc.createTrunkPort() };
}

export interface RepeatOptions {
  disruption: Disruption;
  /** Distinguishes the callers of this repeat from all others (part of their numbers). */
  tag: number;
  calls: number;
  rateCps: number;
  talkMs: number;
  /** When to disrupt, ms after the first caller starts. */
  disruptAtMs: number;
}

export interface RepeatOutcome {
  disruption: Disruption;
  disruptAtMs: number;
  /** Calls SIPp sent at the moment of the disruption, as the calls table shows them (by state). */
  statesAtDisruption: Record<string, number>;
  sipp: { successful: number; failed: number; exitCode: number | null; errorTail: string };
  calls: CallTally;
  seats: SeatCheck;
  /** kill -9 to a new process holding the leader lease (ms); undefined for a Redis restart. */
  takeoverMs?: number;
  /** Redis stop+start (ms). */
  redisRestartMs?: number;
  /** The control plane died during a Redis restart (it then had to be started again). */
  controlPlaneExited: boolean;
  logs: LogExcerpt;
}

export function callerNumbers(tag: number, calls: number): string[] {
  return Array.from({ length: calls }, (_, i) => `139${String(tag).padStart(5, '0')}${String(i).padStart(3, '0')}`);
}

async function leaderId(cc: CallCentre): Promise<string | null> {
  return cc.redis.get(LEADER_KEY);
}

async function statesNow(cc: CallCentre, callers: string[]): Promise<Record<string, number>> {
  const rows = await cc.sql<{ state: string; n: number }[]>`
    SELECT state, count(*)::int AS n FROM calls WHERE caller_number = ANY(${callers}) GROUP BY state ORDER BY state`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** kill -9, start a new process at once; the time until it holds the lease (the old lease must run out first). */
async function killAndRestartControl(cc: CallCentre): Promise<number> {
  const before = await leaderId(cc);
  const t0 = Date.now();
  await cc.stack.control.kill();
  await cc.stack.control.start();
  await waitFor(async () => {
    const now = await leaderId(cc);
    return now !== null && now !== before;
  }, 30_000, 'a new control plane holding the leader lease', 20);
  return Date.now() - t0;
}

async function restartRedis(cc: CallCentre): Promise<{ ms: number; controlPlaneExited: boolean }> {
  const t0 = Date.now();
  await cc.stack.redis.restart();
  const ms = Date.now() - t0;
  await sleep(2000); // a lease renewal or two against the restarted Redis
  const exited = !cc.stack.daemons.control?.running;
  if (exited) await cc.stack.control.start();
  return { ms, controlPlaneExited: exited };
}

export async function runRepeat(rig: Rig, o: RepeatOptions): Promise<RepeatOutcome> {
  const { cc } = rig;
  const callers = callerNumbers(o.tag, o.calls);
  const mark = markLogs(cc.info.logsDir);
  const arrivalS = o.calls / o.rateCps;
  const caller = await cc.startCaller(rig.trunk, {
    scenario: CALLER_UAC, calls: o.calls, rate: o.rateCps, concurrent: o.calls,
    timeoutS: Math.ceil(arrivalS + 90), vars: { talk_ms: String(o.talkMs) },
    injection: callers.map((n, i) => ({ caller: n, display: `crash ${o.tag} #${i + 1}` })),
  });
  await sleep(o.disruptAtMs);
  const statesAtDisruption = await statesNow(cc, callers);
  let takeoverMs: number | undefined;
  let redisRestartMs: number | undefined;
  let controlPlaneExited = false;
  if (o.disruption === 'control-kill') {
    takeoverMs = await killAndRestartControl(cc);
  } else if (o.disruption === 'redis-restart') {
    const r = await restartRedis(cc);
    redisRestartMs = r.ms;
    controlPlaneExited = r.controlPlaneExited;
  }
  const result = await caller.done;
  const rows = await settledCalls(cc, callers, 15_000);
  const seats = await checkSeats(cc, rig.seats, 10_000);
  // the next repeat starts from every seat ready: a seat left not ready is put back (and was reported)
  for (const s of seats.notReady) {
    const seat = rig.seats.find((x) => x.id === s.seat_id)!;
    if (s.state === 'logged_out') await cc.seatLogin(seat);
    await cc.seatReady(seat).catch(() => undefined);
  }
  return {
    disruption: o.disruption,
    disruptAtMs: o.disruptAtMs,
    statesAtDisruption,
    sipp: { successful: result.successful, failed: result.failed, exitCode: result.exitCode, errorTail: result.ok ? '' : result.errorLog.slice(-1500) },
    calls: tallyCalls(rows, callers),
    seats,
    takeoverMs,
    redisRestartMs,
    controlPlaneExited,
    logs: readSince(cc.info.logsDir, mark),
  };
}

/** Lost: callers SIPp did not complete (no 200, or the call broke). */
export function lostCalls(o: RepeatOutcome, calls: number): number {
  return Math.max(0, calls - o.sipp.successful);
}
