/**
 * What screening adds to call set-up: INVITE->200 at the caller through the 120 queue path on two call centres
 * started in the same run, one screening every call against 10,000 list entries (the caller's number is on the
 * watch list, so each decision matches and marks), the other with screening off (CTI_SCREENING=off), in
 * alternating batches (ABBA), one call at a time. Same SIPp seat scenario, same machine, same load.
 *
 *   npm run bench -- screening-overhead     (BENCH_CALLS per side, BENCH_BATCH, BENCH_RATE calls per second)
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallCentre, type CallCentre, type Seat, type Trunk } from '../test/integration/support/callcentre.ts';
import { runSipp } from '../test/support/sipp.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { callTimings } from './support/sipp-timing.ts';
import { round3, summarise } from './support/stats.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sipp');
const SEAT_UAS = join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml');
const QUEUE_CALLER = join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml');
const CALLER = '13800138000';
const LIST_ENTRIES = 10_000;

type Side = 'screening_on' | 'screening_off';
interface Rig { cc: CallCentre; seat: Seat; trunk: Trunk; answerMs: number[]; failed: number }

async function rig(name: string, env: Record<string, string>): Promise<Rig> {
  const cc = await startCallCentre(name, { queue: { wrapup_s: 0 }, env });
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, SEAT_UAS, { timeoutS: 3600 });
  await cc.loginReady(seat!);
  return { cc, seat: seat!, trunk: await cc.createTrunkPort(), answerMs: [], failed: 0 };
}

async function fillLists(r: Rig): Promise<void> {
  await r.cc.sql`
    INSERT INTO screening_entries (centre_id, list, match, number, reason, author_name)
    SELECT 'city', CASE WHEN g % 3 = 0 THEN 'block' ELSE 'watch' END, CASE WHEN g % 10 = 0 THEN 'prefix' ELSE 'exact' END,
           (15000000000 + g * 7919)::text, 'benchmark entry', 'bench'
    FROM generate_series(1, ${LIST_ENTRIES - 1}) g`;
  // one entry through the API: it rebuilds the Redis mirror with everything above, and matches the benchmark's caller
  await r.cc.apiOk('POST', '/v1/screening/entries', { list: 'watch', number: CALLER, reason: '基准测试：观察名单' });
}

async function batch(r: Rig, calls: number, rate: number): Promise<void> {
  await r.cc.waitForSeatState(r.seat, 'ready', 10_000);
  const result = await runSipp({
    scenario: QUEUE_CALLER, remote: r.cc.sipRemote, localPort: r.trunk.port, calls, rate, concurrent: 1,
    timeoutS: Math.ceil(calls / rate) + 30, keepTraces: true, vars: { talk_ms: '0' }, injection: [{ caller: CALLER, display: 'bench' }],
  });
  const timings = callTimings(readFileSync(join(result.traceDir, 'messages.log'), 'utf8'));
  if (result.ok) rmSync(result.traceDir, { recursive: true, force: true });
  r.failed += result.failed + Math.max(0, calls - result.successful - result.failed);
  for (const t of timings) if (t.answerMs !== undefined) r.answerMs.push(t.answerMs);
}

const benchmark: Benchmark = {
  description: 'call setup (INVITE->200) through the 120 queue with screening against 10,000 list entries vs screening off, same run',
  async run(log) {
    const perSide = envInt('BENCH_CALLS', 200);
    const batchSize = envInt('BENCH_BATCH', 50);
    const rate = envInt('BENCH_RATE', 10);
    const on = await rig('bench-screen-on', {});
    const off = await rig('bench-screen-off', { CTI_SCREENING: 'off' }).catch(async (e) => { await on.cc.close(); throw e; });
    try {
      await fillLists(on);
      log(`screening-overhead: ${perSide} calls per side, batches of ${batchSize}, ${rate} calls/s; ${LIST_ENTRIES} list entries on the screening side`);
      await batch(on, 20, rate);
      await batch(off, 20, rate);
      on.answerMs = [];
      off.answerMs = [];
      const rounds = Math.ceil(perSide / batchSize);
      for (let i = 0; i < rounds; i++) {
        const n = Math.min(batchSize, perSide - i * batchSize);
        const order: Rig[] = i % 2 === 0 ? [on, off] : [off, on];
        for (const r of order) await batch(r, n, rate);
        log(`round ${i + 1}/${rounds}: on median ${summarise(on.answerMs).median} ms, off median ${summarise(off.answerMs).median} ms`);
      }
      const [screened] = await on.cc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM screening_decisions WHERE list = 'watch'`;
      const a = summarise(on.answerMs);
      const b = summarise(off.answerMs);
      const sides: Record<Side, unknown> = {
        screening_on: { calls: a.n, failed: on.failed, invite_200_ms: { median: a.median, p90: a.p90, p99: a.p99, max: a.max }, decisions_logged: screened!.n },
        screening_off: { calls: b.n, failed: off.failed, invite_200_ms: { median: b.median, p90: b.p90, p99: b.p99, max: b.max } },
      };
      log(`INVITE->200 median: screening on ${a.median} ms, off ${b.median} ms; p99 on ${a.p99} ms, off ${b.p99} ms`);
      return {
        benchmark: 'screening-overhead', list_entries: LIST_ENTRIES, calls_per_side: perSide, batch: batchSize, rate_cps: rate, ...sides,
        ratio_median_invite_200: round3(a.median / b.median), added_median_ms: round3(a.median - b.median), added_p99_ms: round3(a.p99 - b.p99),
      };
    } finally {
      await on.cc.close();
      await off.cc.close();
    }
  },
};

export default benchmark;
