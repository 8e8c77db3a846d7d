/**
 * Crash safety: 20 SIPp callers arrive over 2 s while 4 SIPp seats answer (each caller talks 1.5 s, wrap-up 1 s);
 * at a random moment of each repeat the control plane is killed with SIGKILL and a new one started at once
 * (scenario `control_kill`), or Redis is restarted with its AOF (scenario `redis_restart`). The peer in the same
 * run is the same load with no disruption (`baseline`). Per scenario: every caller answered (by a seat through
 * the queue, or failed open by Kamailio's ring-all), none lost (SIPp's successful calls), the queue's order
 * within a priority (offers in arrival order), seats consistent afterwards (none stuck reserved/talking/wrap-up,
 * registered as Kamailio's usrloc says), with the log lines of each repeat as evidence.
 *
 *   npm run bench -- crash-safety [--repeats 10]      (BENCH_REPEATS, BENCH_CALLS, BENCH_SEATS, BENCH_SEED)
 */
import { startCallCentre } from '../test/integration/support/callcentre.ts';
import { rng as prng } from '../test/support/prng.ts'; // seeded, so a run's disruption moments replay (BENCH_SEED)
import { envInt, type Benchmark } from './support/benchmark.ts';
import { mergeCounts } from './support/crash/logs.ts';
import { lostCalls, runRepeat, startRig, type Disruption, type RepeatOutcome } from './support/crash/rig.ts';
import { summarise } from './support/stats.ts';

const RATE_CPS = 10;
const TALK_MS = 1500;
const WRAPUP_S = 1;
const BASELINE_REPEATS = 2;
const LOG_SAMPLES = 6;

function argInt(flag: string): number | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${flag} ${process.argv[i + 1]}: give a positive integer`);
  return v;
}

function scenarioFigures(outcomes: RepeatOutcome[], calls: number): Record<string, unknown> {
  const sum = (f: (o: RepeatOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
  const messages: Record<string, number> = {};
  for (const o of outcomes) mergeCounts(messages, o.logs.controlMessages);
  const takeovers = outcomes.flatMap((o) => (o.takeoverMs === undefined ? [] : [o.takeoverMs]));
  const redisMs = outcomes.flatMap((o) => (o.redisRestartMs === undefined ? [] : [o.redisRestartMs]));
  const t = summarise(takeovers);
  return {
    repeats: outcomes.length,
    calls: outcomes.length * calls,
    answered: sum((o) => o.calls.answered),
    failed_open: sum((o) => o.calls.failedOpenAnswered + o.calls.failedOpenUnanswered),
    failed_open_unanswered: sum((o) => o.calls.failedOpenUnanswered),
    lost: sum((o) => lostCalls(o, calls)),
    sipp_failed: sum((o) => o.sipp.failed),
    order_inversions: sum((o) => o.calls.offerInversions),
    answer_order_inversions: sum((o) => o.calls.answerInversions),
    stuck_seats: sum((o) => o.seats.stuck.length),
    records_not_answered: sum((o) => o.calls.notRecordedAnswered.length),
    records_not_closed: sum((o) => o.calls.notClosed.length),
    records_missing: sum((o) => o.calls.noRow.length),
    registration_mismatches: sum((o) => o.seats.registrationMismatch.length),
    seats_left_not_ready: sum((o) => o.seats.notReady.length),
    live_calls_left: sum((o) => o.seats.liveCallsLeft),
    queued_left: sum((o) => o.seats.queuedLeft),
    control_plane_exits: sum((o) => (o.controlPlaneExited ? 1 : 0)),
    disrupt_at_ms: outcomes.map((o) => o.disruptAtMs),
    ...(takeovers.length ? { takeover_ms: { median: t.median, max: t.max, min: t.min, n: t.n } } : {}),
    ...(redisMs.length ? { redis_restart_ms: { median: summarise(redisMs).median, max: summarise(redisMs).max } } : {}),
    control_log_warnings: messages,
  };
}

function report(log: (l: string) => void, label: string, i: number, o: RepeatOutcome, calls: number): void {
  const c = o.calls;
  log(`  ${label} ${i + 1}: disrupted at ${o.disruptAtMs} ms (calls then: ${JSON.stringify(o.statesAtDisruption)})`
    + `${o.takeoverMs !== undefined ? `, new leader after ${o.takeoverMs} ms` : ''}${o.redisRestartMs !== undefined ? `, Redis back after ${o.redisRestartMs} ms` : ''}`);
  log(`    SIPp ${o.sipp.successful}/${calls} ok, ${o.sipp.failed} failed | queue-answered ${c.answered}, failed open ${c.failedOpenAnswered}+${c.failedOpenUnanswered} unanswered`
    + ` | offer inversions ${c.offerInversions}, answer inversions ${c.answerInversions}`
    + ` | seats ${o.seats.states.map((s) => `${s.seat_id}:${s.state}${s.registered ? '' : '(unreg)'}`).join(' ')}`);
  const problems: string[] = [];
  if (c.notRecordedAnswered.length) problems.push(`records without an answer: ${JSON.stringify(c.notRecordedAnswered)}`);
  if (c.notClosed.length) problems.push(`records not closed: ${JSON.stringify(c.notClosed)}`);
  if (c.noRow.length) problems.push(`callers without a record: ${c.noRow.join(',')}`);
  if (o.seats.stuck.length) problems.push(`stuck seats: ${JSON.stringify(o.seats.stuck)}`);
  if (o.seats.registrationMismatch.length) problems.push(`registration mismatch: ${JSON.stringify(o.seats.registrationMismatch)}`);
  if (o.seats.notReady.length) problems.push(`seats left not ready: ${JSON.stringify(o.seats.notReady)}`);
  if (o.seats.liveCallsLeft || o.seats.queuedLeft) problems.push(`live calls left ${o.seats.liveCallsLeft}, queued left ${o.seats.queuedLeft}`);
  if (o.controlPlaneExited) problems.push('the control plane exited during the Redis restart');
  if (o.sipp.errorTail) problems.push(`SIPp: ${o.sipp.errorTail.split('\n').slice(-6).join(' | ')}`);
  for (const p of problems) log(`    !! ${p}`);
  if (problems.length || c.offerInversions) {
    for (const l of o.logs.controlWarnings.slice(0, LOG_SAMPLES)) log(`    control.log: ${l.slice(0, 400)}`);
    for (const l of o.logs.kamailioNotes.slice(0, LOG_SAMPLES)) log(`    kamailio.log: ${l.slice(0, 300)}`);
  }
}

const benchmark: Benchmark = {
  description: 'kill -9 of the control plane / Redis restart at a random moment with 20 callers and 4 seats: answered, lost, order, seat states vs an undisturbed baseline',
  async run(log) {
    const repeats = argInt('--repeats') ?? envInt('BENCH_REPEATS', 10);
    const calls = envInt('BENCH_CALLS', 20);
    const seatCount = envInt('BENCH_SEATS', 4);
    const seed = envInt('BENCH_SEED', Math.floor(Math.random() * 2 ** 31) + 1);
    const random = prng(seed);
    const arrivalMs = (calls / RATE_CPS) * 1000;
    // a moment from the first arrivals to when the queue is still draining (callers queued, offering, talking)
    const disruptWindow: [number, number] = [200, arrivalMs + 2 * TALK_MS + 1000];
    log(`crash-safety: ${repeats} repeats per scenario, ${calls} callers at ${RATE_CPS}/s, ${seatCount} seats, talk ${TALK_MS} ms, `
      + `wrap-up ${WRAPUP_S} s, disruption in [${disruptWindow.join(', ')}] ms, seed ${seed}`);
    const cc = await startCallCentre('bench-crash', { queue: { wrapup_s: WRAPUP_S } });
    let tag = 0;
    try {
      const rig = await startRig(cc, seatCount);
      const scenarios: Array<[string, Disruption, number]> = [
        ['baseline', 'none', Math.min(BASELINE_REPEATS, repeats)],
        ['control_kill', 'control-kill', repeats],
        ['redis_restart', 'redis-restart', repeats],
      ];
      const figures: Record<string, unknown> = {};
      for (const [label, disruption, n] of scenarios) {
        log(`${label}: ${n} repeats`);
        const outcomes: RepeatOutcome[] = [];
        for (let i = 0; i < n; i++) {
          const at = Math.round(disruptWindow[0] + random() * (disruptWindow[1] - disruptWindow[0]));
          const o = await runRepeat(rig, { disruption, tag: ++tag, calls, rateCps: RATE_CPS, talkMs: TALK_MS, disruptAtMs: at });
          report(log, label, i, o, calls);
          outcomes.push(o);
        }
        figures[label] = scenarioFigures(outcomes, calls);
      }
      log(`logs: ${cc.info.logsDir}`);
      return {
        benchmark: 'crash-safety',
        repeats, calls_per_repeat: calls, seats: seatCount, rate_cps: RATE_CPS, talk_ms: TALK_MS, wrapup_s: WRAPUP_S, seed,
        disrupt_window_ms: disruptWindow,
        ...figures,
      };
    } finally {
      await cc.close();
    }
  },
};

export default benchmark;
