/**
 * Sustained calls per second of the whole stack: the 120 queue path (trunk -> Kamailio suspends the INVITE ->
 * evapi -> control plane records, queues, picks a seat, resumes -> seat) against Kamailio routing the same kind
 * of call without the control plane (a seat calls another seat's user: auth, lookup, relay), same stack, same
 * run, same answering SIPp. The rate ramps in steps; a step is sustained when fewer than 0.1 % of its calls
 * failed (with fewer than 1,000 calls in a step that means none), the stack kept up (INVITE->200 p99 at most
 * 1 s and the step's calls all ended within 2 s of its end: with 30 seats free and no talk time a call never
 * waits for a seat, so setup time that grows means work piling up), and, on the queue path, no call had to fail
 * open. A step not sustained is run once more (the machine is shared: one blip from someone else's load should
 * not end a ramp); a path stops when both tries of a step fail. Reported: the highest rate sustained per path,
 * their ratio, every try with the machine's 1-minute load average when it ended.
 *
 *   npm run bench -- stack-cps      (BENCH_RATES "10,20,40,..." calls/s, BENCH_STEP_S seconds per step, BENCH_SEATS)
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallCentre, waitFor, type CallCentre, type Seat, type Trunk } from '../test/integration/support/callcentre.ts';
import { freeUdpPort, startSipp, waitForUdpListener, type SippHandle, type SippResult } from '../test/support/sipp.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { cpuMs } from './support/cpu.ts';
import { callTimings } from './support/sipp-timing.ts';
import { round3, summarise } from './support/stats.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sipp');
const SEAT_UAS = join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml');
const QUEUE_CALLER = join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml');
const DIRECT_CALLER = join(SIPP_DIR, 'uac-seat-call-seat-expect-answer-no-media.xml');
const DEFAULT_RATES = [10, 20, 30, 40, 50, 60, 80, 100, 130, 160, 200];
const FAIL_SHARE = 0.001;
/** A step's calls must all have ended within its length plus this (else calls pile up: not sustained). */
const GRACE_S = 2;
/** ... and their INVITE->200 p99 stay within this. */
const P99_LIMIT_MS = 1000;
const SETTLE_MS = 1500;
/**
 * Kamailio's pike allows 300 requests per 2 s from one address that is not a trunk; a direct call is 5 requests
 * (INVITE, 407's ACK, INVITE with credentials, ACK, BYE), so one source address carries at most 30 calls/s.
 * The direct path spreads its calls over loopback addresses (127.0.0.2, .3, ...) at most this many calls/s each.
 */
const DIRECT_CPS_PER_ADDRESS = 20;

type Path = 'queue' | 'direct';

interface StepResult {
  path: Path;
  rate: number;
  calls: number;
  failed: number;
  failed_open: number;
  wall_s: number;
  sustained: boolean;
  invite_200_ms: { median: number; p99: number };
  control_cpu_share: number;
  try: number;
  loadavg_1m: number;
  /** Queue path only: where the time went inside the stack (p90 over the step's calls, ms, from the calls table). */
  queue_steps_p90_ms?: { arrived_to_queued: number; queued_to_offered: number; offered_to_answered: number };
}

interface Rig {
  cc: CallCentre;
  seats: Seat[];
  caller: Seat;
  trunk: Trunk;
  stepS: number;
}

async function runStep(rig: Rig, path: Path, rate: number, log: (l: string) => void = () => {}): Promise<StepResult> {
  const calls = rate * rig.stepS;
  const timeoutS = rig.stepS + GRACE_S + 30;
  const common = { keepTraces: true, vars: { talk_ms: '0' }, timeoutS };
  const before = (await rig.cc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM calls WHERE failed_open`)[0]!.n;
  const pid = rig.cc.info.pids.control!;
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  let results: SippResult[];
  if (path === 'queue') {
    const h = await startSipp({ ...common, scenario: QUEUE_CALLER, remote: rig.cc.sipRemote, localPort: rig.trunk.port, calls, rate,
      concurrent: rate * 4 + 50, injection: [{ caller: '13800138000', display: 'cps trunk caller' }] });
    results = [await h.done];
  } else {
    // split over source addresses (pike counts per address): k SIPp callers of rate/k each
    const k = Math.ceil(rate / DIRECT_CPS_PER_ADDRESS);
    const handles = [];
    for (let i = 0; i < k; i++) {
      const share = Math.floor(rate / k) + (i < rate % k ? 1 : 0);
      const ip = `127.0.0.${2 + i}`;
      handles.push(await startSipp({ ...common, scenario: DIRECT_CALLER, remote: rig.cc.sipRemote, localIp: ip, localPort: await freeUdpPort(ip),
        calls: share * rig.stepS, rate: share, concurrent: share * 4 + 20,
        service: rig.seats[i % rig.seats.length]!.sipUser, auth: { username: rig.caller.sipUser, password: rig.caller.password },
        vars: { ...common.vars, caller: rig.caller.sipUser, domain: rig.cc.info.sip.domain } }));
    }
    results = await Promise.all(handles.map((h) => h.done));
  }
  const wallS = (Date.now() - t0) / 1000;
  const cpu = cpuMs(pid) - cpu0;
  const answers: number[] = [];
  for (const r of results) {
    for (const t of callTimings(readFileSync(join(r.traceDir, 'messages.log'), 'utf8'))) if (t.answerMs !== undefined) answers.push(t.answerMs);
    if (r.ok && r.failed === 0) rmSync(r.traceDir, { recursive: true, force: true });
  }
  // every call of the step that SIPp did not count successful failed (refused, timed out, or never placed)
  const failed = Math.max(0, calls - results.reduce((n, r) => n + r.successful, 0));
  const a = summarise(answers);
  const failedOpen = (await rig.cc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM calls WHERE failed_open`)[0]!.n - before;
  const p90 = (a: string, b: string) => rig.cc.sql.unsafe(
    `round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM ${b} - ${a}) * 1000)::numeric, 1)::float8`);
  const [inside] = path === 'queue' ? await rig.cc.sql<{ arrived_to_queued: number; queued_to_offered: number; offered_to_answered: number }[]>`
    SELECT ${p90('arrived_at', 'queued_at')} AS arrived_to_queued, ${p90('queued_at', 'first_offered_at')} AS queued_to_offered,
           ${p90('first_offered_at', 'answered_at')} AS offered_to_answered
      FROM calls WHERE arrived_at >= ${new Date(t0)}` : [];
  const sustained = failed / calls < FAIL_SHARE && failedOpen === 0 && wallS <= rig.stepS + GRACE_S && a.p99 <= P99_LIMIT_MS;
  if (failed > 0) for (const r of results) if (r.errorLog.trim()) log(`    SIPp errors (${path} ${rate} cps): ${r.errorLog.trim().slice(-600)}`);
  return {
    path, rate, calls, failed, failed_open: failedOpen, wall_s: round3(wallS), sustained,
    invite_200_ms: { median: a.median, p99: a.p99 }, control_cpu_share: round3(cpu / (wallS * 1000)), try: 1, loadavg_1m: round3(loadavg()[0]!),
    ...(inside ? { queue_steps_p90_ms: inside } : {}),
  };
}

/** Seats share one answering SIPp: all register the same contact (IP and port), then one UAS serves them all. */
async function answeringSeats(cc: CallCentre, n: number): Promise<{ seats: Seat[]; uas: SippHandle }> {
  const seats = await cc.createSeats(n);
  const port = await freeUdpPort();
  for (const s of seats) await cc.registerSeat(s, port, 3600);
  const uas = await startSipp({ scenario: SEAT_UAS, localPort: port, service: 'seat', timeoutS: 3600 });
  await waitForUdpListener(port);
  for (const s of seats) {
    await waitFor(async () => (await cc.seatState(s)).registered, 15_000, `seat ${s.id} registered`, 200);
    await cc.loginReady(s);
  }
  return { seats, uas };
}

function ratesFromEnv(): number[] {
  const raw = process.env.BENCH_RATES;
  if (!raw) return DEFAULT_RATES;
  const rates = raw.split(',').map((x) => Number(x.trim()));
  if (rates.some((r) => !Number.isInteger(r) || r <= 0)) throw new Error(`BENCH_RATES=${raw}: give positive integers, e.g. 10,20,40`);
  return rates.sort((x, y) => x - y);
}

const benchmark: Benchmark = {
  description: 'sustained calls per second (< 0.1 % failed) of the whole stack through the 120 queue vs Kamailio\'s direct seat-to-seat route, ramped in steps',
  async run(log) {
    const rates = ratesFromEnv();
    const stepS = envInt('BENCH_STEP_S', 6);
    const seatCount = envInt('BENCH_SEATS', 30);
    const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', mem_gb: round3(totalmem() / 2 ** 30), loadavg_1m_at_start: round3(loadavg()[0]!),
      note: 'shared machine: other engineers\' stacks and tests run on the same 2 cores; SIPp callers and seats run on it too' };
    log(`stack-cps: rates ${rates.join(', ')} calls/s, ${stepS} s per step per path, ${seatCount} seats on one answering SIPp; machine ${machine.cpus} cores, load ${machine.loadavg_1m_at_start}`);
    const cc = await startCallCentre('bench-stack-cps', { queue: { wrapup_s: 0, ring_timeout_s: 10 } });
    let uas: SippHandle | undefined;
    try {
      const answering = await answeringSeats(cc, seatCount);
      uas = answering.uas;
      const seats = answering.seats;
      const [caller] = await cc.createSeats(1);
      const rig: Rig = { cc, seats, caller: caller!, trunk: await cc.createTrunkPort(), stepS };
      log('warm-up: 2 s at 10 calls/s per path (not counted)');
      await runStep({ ...rig, stepS: 2 }, 'direct', 10);
      await runStep({ ...rig, stepS: 2 }, 'queue', 10);

      const steps: StepResult[] = [];
      const best: Record<Path, number> = { queue: 0, direct: 0 };
      const open: Record<Path, boolean> = { queue: true, direct: true };
      for (const [i, rate] of rates.entries()) {
        if (!open.queue && !open.direct) break;
        // alternate which path goes first, so neither always follows the other's leftovers
        const order: Path[] = i % 2 === 0 ? ['direct', 'queue'] : ['queue', 'direct'];
        for (const path of order) {
          if (!open[path]) continue;
          let s: StepResult | undefined;
          for (let attempt = 1; attempt <= 2 && !s?.sustained; attempt++) {
            await new Promise((r) => setTimeout(r, SETTLE_MS));
            s = { ...(await runStep(rig, path, rate, log)), try: attempt };
            steps.push(s);
            log(`  ${String(rate).padStart(4)} cps ${path.padEnd(6)} ${s.calls - s.failed}/${s.calls} ok, ${s.failed} failed, ${s.failed_open} failed open, `
              + `${s.wall_s} s, INVITE->200 median ${s.invite_200_ms.median} p99 ${s.invite_200_ms.p99} ms, control plane ${Math.round(s.control_cpu_share * 100)} % of a core, `
              + `load ${s.loadavg_1m}${s.queue_steps_p90_ms ? `; p90 arrival->queued ${s.queue_steps_p90_ms.arrived_to_queued}, queued->offered ${s.queue_steps_p90_ms.queued_to_offered}, offered->answered ${s.queue_steps_p90_ms.offered_to_answered} ms` : ''}${s.sustained ? '' : `  <- not sustained${attempt === 1 ? ', trying once more' : ''}`}`);
          }
          if (s!.sustained) best[path] = rate;
          else open[path] = false;
        }
      }
      const limitedByRamp = { queue: open.queue, direct: open.direct };
      const ratio = best.direct > 0 ? round3(best.queue / best.direct) : null;
      log(`highest rate sustained: queue ${best.queue} calls/s, direct ${best.direct} calls/s (ratio ${ratio})`
        + `${limitedByRamp.queue || limitedByRamp.direct ? `; still sustained at the top of the ramp: ${Object.entries(limitedByRamp).filter(([, v]) => v).map(([k]) => k).join(', ')}` : ''}`);
      return {
        benchmark: 'stack-cps',
        criterion: 'failed < 0.1 % of the step\'s calls, INVITE->200 p99 <= 1 s, all ended within step + 2 s, no call failed open',
        step_s: stepS,
        rates,
        seats: seatCount,
        queue_sustained_cps: best.queue,
        direct_sustained_cps: best.direct,
        ratio_queue_to_direct: ratio,
        top_of_ramp_still_sustained: limitedByRamp,
        steps,
        machine: { ...machine, loadavg_1m_at_end: round3(loadavg()[0]!) },
      };
    } finally {
      await uas?.stop();
      await cc.close();
    }
  },
};

export default benchmark;
