/**
 * Call-setup overhead of the control plane: INVITE->180 and INVITE->200 at the caller through the 120 queue
 * path (trunk INVITE, Kamailio suspends it, evapi to the control plane, the offer resumes it to the seat),
 * against the direct Kamailio route to the same seat (another seat calls its user: auth, lookup, relay),
 * in the same run, one call at a time, in alternating batches (ABBA). Both paths relay through rtpengine
 * (offer and answer) to the same SIPp seat, which answers at once with no media. Also the control plane's
 * CPU time per call (utime + stime over the queue batches, and over the direct batches as its baseline).
 *
 *   npm run bench -- setup-overhead        (BENCH_CALLS per path, BENCH_BATCH, BENCH_RATE calls per second)
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallCentre, type CallCentre, type Seat, type Trunk } from '../test/integration/support/callcentre.ts';
import { freeUdpPort, runSipp, type SippResult } from '../test/support/sipp.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { cpuMs } from './support/cpu.ts';
import { callTimings, type CallTiming } from './support/sipp-timing.ts';
import { round3, summarise } from './support/stats.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sipp');
const SEAT_UAS = join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml');
const QUEUE_CALLER = join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml');
const DIRECT_CALLER = join(SIPP_DIR, 'uac-seat-call-seat-expect-answer-no-media.xml');
const WARMUP_CALLS = 20;
const SETTLE_MS = 300;
const IDLE_SAMPLE_MS = 3000;
/** rtpengine's delete-delay in test stacks is 2 s: a call's recording reaches the control plane after that. */
const BEFORE_RECORDING_WORK_MS = 2000;

type Path = 'queue' | 'direct';

interface PathTally {
  timings: CallTiming[];
  /** INVITE->200 of calls made in the first 2 s of a batch, before any recording of that batch is converted. */
  earlyAnswerMs: number[];
  lateAnswerMs: number[];
  calls: number;
  failed: number;
  cpuMs: number;
  wallMs: number;
}

interface Rig {
  cc: CallCentre;
  answering: Seat;
  calling: Seat;
  trunk: Trunk;
  directPort: number;
  rate: number;
  /** Calls made so far on both paths (each leaves one recording to convert). */
  callsMade: number;
  recordingsPending: number;
}

async function batch(rig: Rig, path: Path, calls: number): Promise<{ result: SippResult; timings: CallTiming[] }> {
  const common = { calls, rate: rig.rate, concurrent: 1, timeoutS: Math.ceil(calls / rig.rate) + 30, keepTraces: true, vars: { talk_ms: '0' } };
  const result = path === 'queue'
    ? await runSipp({ ...common, scenario: QUEUE_CALLER, remote: rig.cc.sipRemote, localPort: rig.trunk.port,
      injection: [{ caller: '13800138000', display: 'bench trunk caller' }] })
    : await runSipp({ ...common, scenario: DIRECT_CALLER, remote: rig.cc.sipRemote, localPort: rig.directPort,
      service: rig.answering.sipUser, auth: { username: rig.calling.sipUser, password: rig.calling.password },
      vars: { ...common.vars, caller: rig.calling.sipUser, domain: rig.cc.info.sip.domain } });
  const timings = callTimings(readFileSync(join(result.traceDir, 'messages.log'), 'utf8'));
  if (result.ok) rmSync(result.traceDir, { recursive: true, force: true });
  return { result, timings };
}

/**
 * Both paths are recorded (record-call=on on every relay) and the control plane converts each recording
 * after rtpengine's delete-delay; waiting for them keeps a batch's conversion work inside its own CPU window.
 */
async function waitForRecordings(rig: Rig): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [row] = await rig.cc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM recordings`;
    rig.recordingsPending = Math.max(0, rig.callsMade - row!.n);
    if (rig.recordingsPending === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measuredBatch(rig: Rig, path: Path, calls: number, tally: PathTally, log: (l: string) => void): Promise<void> {
  await rig.cc.waitForSeatState(rig.answering, 'ready', 10_000);
  const pid = rig.cc.info.pids.control!;
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  const { result, timings } = await batch(rig, path, calls);
  rig.callsMade += result.successful;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await waitForRecordings(rig);
  tally.cpuMs += cpuMs(pid) - cpu0;
  tally.wallMs += Date.now() - t0;
  tally.calls += result.successful;
  tally.failed += result.failed + Math.max(0, calls - result.successful - result.failed);
  tally.timings.push(...timings);
  const early = Math.floor((rig.rate * BEFORE_RECORDING_WORK_MS) / 1000);
  timings.forEach((t, i) => {
    if (t.answerMs !== undefined) (i < early ? tally.earlyAnswerMs : tally.lateAnswerMs).push(t.answerMs);
  });
  const answered = timings.filter((t) => t.answerMs !== undefined).map((t) => t.answerMs!);
  log(`  ${path.padEnd(6)} ${result.successful}/${calls} ok, ${result.failed} failed; INVITE->200 median ${summarise(answered).median} ms`);
  if (!result.ok) log(`    SIPp exit ${result.exitCode}; traces kept in ${result.traceDir}\n${result.errorLog.slice(-1500)}`);
}

function figures(t: PathTally, idleCpuMsPerS: number): Record<string, unknown> {
  const ring = summarise(t.timings.filter((x) => x.ringMs !== undefined).map((x) => x.ringMs!));
  const answer = summarise(t.timings.filter((x) => x.answerMs !== undefined).map((x) => x.answerMs!));
  return {
    calls: t.calls,
    failed: t.failed,
    invite_180_ms: { median: ring.median, p99: ring.p99, p90: ring.p90, max: ring.max, n: ring.n },
    invite_200_ms: { median: answer.median, p99: answer.p99, p90: answer.p90, max: answer.max, n: answer.n },
    control_cpu_ms_per_call: t.calls > 0 ? round3(t.cpuMs / t.calls) : null,
    control_cpu_ms_per_call_above_idle: t.calls > 0 ? round3((t.cpuMs - (idleCpuMsPerS * t.wallMs) / 1000) / t.calls) : null,
    invite_200_ms_first_2s_of_batches: pick(summarise(t.earlyAnswerMs)),
    invite_200_ms_rest_of_batches: pick(summarise(t.lateAnswerMs)),
  };
}

function pick(s: ReturnType<typeof summarise>): Record<string, number> {
  return { median: s.median, p99: s.p99, n: s.n };
}

const benchmark: Benchmark = {
  description: 'call setup (INVITE->180, INVITE->200) through the 120 queue and the control plane vs the direct Kamailio route to the same seat',
  async run(log) {
    const perPath = envInt('BENCH_CALLS', 300);
    const batchSize = envInt('BENCH_BATCH', 50);
    const rate = envInt('BENCH_RATE', 10);
    log(`setup-overhead: ${perPath} calls per path in batches of ${batchSize}, ${rate} calls/s, one at a time`);
    const cc = await startCallCentre('bench-setup', { queue: { wrapup_s: 0 } });
    try {
      const [answering, calling] = await cc.createSeats(2);
      await cc.startSeatPhone(answering!, SEAT_UAS, { timeoutS: 3600 });
      await cc.loginReady(answering!);
      const trunk = await cc.createTrunkPort();
      const rig: Rig = { cc, answering: answering!, calling: calling!, trunk, directPort: await freeUdpPort(), rate, callsMade: 0, recordingsPending: 0 };

      log(`warm-up: ${WARMUP_CALLS} calls per path (not counted)`);
      const scratch = (): PathTally => ({ timings: [], earlyAnswerMs: [], lateAnswerMs: [], calls: 0, failed: 0, cpuMs: 0, wallMs: 0 });
      await measuredBatch(rig, 'queue', WARMUP_CALLS, scratch(), log);
      await measuredBatch(rig, 'direct', WARMUP_CALLS, scratch(), log);
      const pid = cc.info.pids.control!;
      const idle0 = cpuMs(pid);
      await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
      const idleCpuMsPerS = round3(((cpuMs(pid) - idle0) * 1000) / IDLE_SAMPLE_MS);
      log(`control plane idle: ${idleCpuMsPerS} ms CPU per second`);

      const tally: Record<Path, PathTally> = { queue: scratch(), direct: scratch() };
      const rounds = Math.ceil(perPath / batchSize);
      for (let r = 0; r < rounds; r++) {
        const n = Math.min(batchSize, perPath - r * batchSize);
        const order: Path[] = r % 2 === 0 ? ['queue', 'direct'] : ['direct', 'queue'];
        log(`round ${r + 1}/${rounds}`);
        for (const path of order) await measuredBatch(rig, path, n, tally[path], log);
      }

      const ended = await cc.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM calls WHERE state = 'ended' AND answered_seat_id = ${rig.answering.id}`;
      const [steps] = await cc.sql<{ arrived_to_queued: number; queued_to_offered: number; offered_to_answered: number }[]>`
        SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM queued_at - arrived_at) * 1000)::numeric, 3)::float8 AS arrived_to_queued,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_offered_at - queued_at) * 1000)::numeric, 3)::float8 AS queued_to_offered,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - first_offered_at) * 1000)::numeric, 3)::float8 AS offered_to_answered
        FROM calls WHERE answered_seat_id = ${rig.answering.id}`;
      log(`queue path inside the control plane (medians from the calls table, warm-up included): arrival->queued ${steps!.arrived_to_queued} ms, `
        + `queued->offered ${steps!.queued_to_offered} ms, offered->answered ${steps!.offered_to_answered} ms`);
      const q = figures(tally.queue, idleCpuMsPerS);
      const d = figures(tally.direct, idleCpuMsPerS);
      const qa = q.invite_200_ms as { median: number; p99: number };
      const da = d.invite_200_ms as { median: number; p99: number };
      const qr = q.invite_180_ms as { median: number; p99: number };
      const dr = d.invite_180_ms as { median: number; p99: number };
      const qCpu = q.control_cpu_ms_per_call as number | null;
      const dCpu = d.control_cpu_ms_per_call as number | null;
      log(`queue  INVITE->180 median ${qr.median} p99 ${qr.p99} | INVITE->200 median ${qa.median} p99 ${qa.p99} ms`);
      log(`direct INVITE->180 median ${dr.median} p99 ${dr.p99} | INVITE->200 median ${da.median} p99 ${da.p99} ms`);
      log(`control plane CPU per call (recording conversion included): queue ${qCpu} ms, direct ${dCpu} ms; idle ${idleCpuMsPerS} ms/s`);
      log(`queue calls ended in PostgreSQL: ${ended[0]!.n}; recordings not converted in time: ${rig.recordingsPending}`);
      return {
        benchmark: 'setup-overhead',
        calls_per_path: perPath,
        batch: batchSize,
        rate_cps: rate,
        concurrency: 1,
        queue: q,
        direct: d,
        ratio_median_invite_200: round3(qa.median / da.median),
        added_median_ms: round3(qa.median - da.median),
        added_p99_ms: round3(qa.p99 - da.p99),
        ratio_median_invite_180: round3(qr.median / dr.median),
        added_p99_ms_invite_180: round3(qr.p99 - dr.p99),
        control_cpu_ms_per_call: qCpu,
        control_cpu_ms_per_call_added_by_queue: qCpu !== null && dCpu !== null ? round3(qCpu - dCpu) : null,
        control_idle_cpu_ms_per_s: idleCpuMsPerS,
        queue_calls_ended_in_db: ended[0]!.n,
        recordings_pending_at_end: rig.recordingsPending,
        queue_steps_median_ms: steps,
      };
    } finally {
      await cc.close();
    }
  },
};

export default benchmark;
