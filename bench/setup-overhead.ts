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

type Path = 'queue' | 'direct';

interface PathTally {
  timings: CallTiming[];
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

async function measuredBatch(rig: Rig, path: Path, calls: number, tally: PathTally, log: (l: string) => void): Promise<void> {
  await rig.cc.waitForSeatState(rig.answering, 'ready', 10_000);
  const pid = rig.cc.info.pids.control!;
  const cpu0 = cpuMs(pid);
  const t0 = Date.now();
  const { result, timings } = await batch(rig, path, calls);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  tally.cpuMs += cpuMs(pid) - cpu0;
  tally.wallMs += Date.now() - t0;
  tally.calls += result.successful;
  tally.failed += result.failed + Math.max(0, calls - result.successful - result.failed);
  tally.timings.push(...timings);
  const answered = timings.filter((t) => t.answerMs !== undefined).map((t) => t.answerMs!);
  log(`  ${path.padEnd(6)} ${result.successful}/${calls} ok, ${result.failed} failed; INVITE->200 median ${summarise(answered).median} ms`);
  if (!result.ok) log(`    SIPp exit ${result.exitCode}; traces kept in ${result.traceDir}\n${result.errorLog.slice(-1500)}`);
}

function figures(t: PathTally): Record<string, unknown> {
  const ring = summarise(t.timings.filter((x) => x.ringMs !== undefined).map((x) => x.ringMs!));
  const answer = summarise(t.timings.filter((x) => x.answerMs !== undefined).map((x) => x.answerMs!));
  return {
    calls: t.calls,
    failed: t.failed,
    invite_180_ms: { median: ring.median, p99: ring.p99, p90: ring.p90, max: ring.max, n: ring.n },
    invite_200_ms: { median: answer.median, p99: answer.p99, p90: answer.p90, max: answer.max, n: answer.n },
    control_cpu_ms_per_call: t.calls > 0 ? round3(t.cpuMs / t.calls) : null,
  };
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
      const rig: Rig = { cc, answering: answering!, calling: calling!, trunk, directPort: await freeUdpPort(), rate };

      log(`warm-up: ${WARMUP_CALLS} calls per path (not counted)`);
      const scratch = (): PathTally => ({ timings: [], calls: 0, failed: 0, cpuMs: 0, wallMs: 0 });
      await measuredBatch(rig, 'queue', WARMUP_CALLS, scratch(), log);
      await measuredBatch(rig, 'direct', WARMUP_CALLS, scratch(), log);

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
      const q = figures(tally.queue);
      const d = figures(tally.direct);
      const qa = q.invite_200_ms as { median: number; p99: number };
      const da = d.invite_200_ms as { median: number; p99: number };
      const qr = q.invite_180_ms as { median: number; p99: number };
      const dr = d.invite_180_ms as { median: number; p99: number };
      const qCpu = q.control_cpu_ms_per_call as number | null;
      const dCpu = d.control_cpu_ms_per_call as number | null;
      log(`queue  INVITE->180 median ${qr.median} p99 ${qr.p99} | INVITE->200 median ${qa.median} p99 ${qa.p99} ms`);
      log(`direct INVITE->180 median ${dr.median} p99 ${dr.p99} | INVITE->200 median ${da.median} p99 ${da.p99} ms`);
      log(`control plane CPU per call: queue ${qCpu} ms, direct (baseline) ${dCpu} ms; calls ended in PostgreSQL: ${ended[0]!.n}`);
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
        control_cpu_ms_per_call_net: qCpu !== null && dCpu !== null ? round3(qCpu - dCpu) : null,
        queue_calls_ended_in_db: ended[0]!.n,
      };
    } finally {
      await cc.close();
    }
  },
};

export default benchmark;
