/**
 * ACD decision latency: the product's Distributor (control/src/calls/distribution/distributor.ts) offering a backlog of
 * waiting calls to ready seats, with the queue's strategy (longest_idle by default) against the same
 * Distributor with a no-op selector (the first eligible seat, no ordering), in the same run, over a real
 * PostgreSQL and Redis. A decision ends when the Distributor calls `offer` on its CallControl, which here
 * records the time and sends nothing (support/acd/offer-recorder.ts).
 *
 *   npm run bench -- acd-decision      (BENCH_CALLS waiting per path (1000), BENCH_SEATS (200), BENCH_STRATEGY)
 *
 * Method: each path has its own queue holding BENCH_CALLS callers; the seats are members of both. A round
 * is one distribution pass (kick) over one path's queue: it offers one call to every ready seat, which
 * leaves every seat reserved; then the seats go back to ready (as on no answer) and the other path has its
 * round. Rounds alternate A B B A ..., until both queues are empty. Both Distributors get the selection function
 * of support/acd/switchable-select.ts (the product's selectSeats or the no-op, with timing marks) through the
 * Distributor's `select` constructor parameter.
 */
import { performance } from 'node:perf_hooks';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { round3, summarise, type Summary } from './support/stats.ts';
import { OfferRecorder, type OfferMark } from './support/acd/offer-recorder.ts';
import { createQueues, readySeats, releaseSeats, startRig, waitingCalls, type Rig } from './support/acd/rig.ts';
import { waiting } from '../control/src/acd/queue.ts';
import { PerKeySerializer } from '../control/src/app/serial.ts';
import { Distributor } from '../control/src/calls/distribution/distributor.ts';
import * as switchable from './support/acd/switchable-select.ts';

type Path = 'product' | 'first_eligible';

interface Tally {
  /** Per decision: the previous offer of the pass (or the kick, for the first) -> this offer, ms. */
  decisionMs: number[];
  firstOfPassMs: number[];
  nextInPassMs: number[];
  /** Time inside selectSeats per call, ms (a pass's last call finds no seat left). */
  selectMs: number[];
  /** Per decision: the previous offer (or the kick) -> selectSeats entered: the previous offer's awaited facts, head, live call. */
  beforeSelectMs: number[];
  /** Per decision: selectSeats returned -> offer: reserve the seat (Redis), dequeue, live call to offering. */
  afterSelectMs: number[];
  passMs: number;
  decisions: number;
  offeredCalls: Set<string>;
  duplicateOffers: number;
  ringAlls: number;
  notReleased: number;
}

interface Lane {
  path: Path;
  queueId: string;
  recorder: OfferRecorder;
  kick(queueId: string): Promise<void>;
}

interface Shim {
  useSelector(s: Path): void;
  takeSelectMarks(): { atMs: number; spentMs: number; picked: boolean }[];
}


function scratch(): Tally {
  return { decisionMs: [], firstOfPassMs: [], nextInPassMs: [], selectMs: [], beforeSelectMs: [], afterSelectMs: [], passMs: 0, decisions: 0, offeredCalls: new Set(), duplicateOffers: 0, ringAlls: 0, notReleased: 0 };
}

async function round(rig: Rig, shim: Shim, lane: Lane, queueId: string, tally: Tally): Promise<number> {
  shim.useSelector(lane.path);
  lane.recorder.take();
  shim.takeSelectMarks();
  const ringAllsBefore = lane.recorder.ringAlls.length;
  const t0 = performance.now();
  await lane.kick(queueId);
  const t1 = performance.now();
  const offers: OfferMark[] = lane.recorder.take();
  const selects = shim.takeSelectMarks();
  if (selects.length === 0) throw new Error('the Distributor did not call the switchable selectSeats');
  let prev = t0;
  offers.forEach((o, i) => {
    const ms = o.atMs - prev;
    prev = o.atMs;
    tally.decisionMs.push(ms);
    (i === 0 ? tally.firstOfPassMs : tally.nextInPassMs).push(ms);
    if (tally.offeredCalls.has(o.sipCallId)) tally.duplicateOffers++;
    tally.offeredCalls.add(o.sipCallId);
  });
  tally.selectMs.push(...selects.map((m) => m.spentMs));
  // every pick here is offered (all seats ready, nothing refused), so the i-th pick belongs to the i-th offer
  const picks = selects.filter((m) => m.picked);
  if (picks.length === offers.length) {
    let before = t0;
    picks.forEach((m, i) => {
      tally.beforeSelectMs.push(m.atMs - before);
      tally.afterSelectMs.push(offers[i]!.atMs - (m.atMs + m.spentMs));
      before = offers[i]!.atMs;
    });
  }
  tally.passMs += t1 - t0;
  tally.decisions += offers.length;
  tally.ringAlls += lane.recorder.ringAlls.length - ringAllsBefore;
  const released = await releaseSeats(rig);
  tally.notReleased += Math.abs(released - offers.length);
  return offers.length;
}

function pick(s: Summary): Record<string, number> {
  return { median: s.median, p99: s.p99, p90: s.p90, max: s.max, n: s.n };
}

function figures(t: Tally): Record<string, unknown> {
  return {
    decisions: t.decisions,
    calls_offered: t.offeredCalls.size,
    duplicate_offers: t.duplicateOffers,
    ring_all: t.ringAlls,
    decision_ms: pick(summarise(t.decisionMs)),
    first_of_pass_ms: pick(summarise(t.firstOfPassMs)),
    next_in_pass_ms: pick(summarise(t.nextInPassMs)),
    select_us: pick(summarise(t.selectMs.map((ms) => ms * 1000))),
    offer_to_select_ms: pick(summarise(t.beforeSelectMs)),
    select_to_offer_ms: pick(summarise(t.afterSelectMs)),
    pass_ms_total: round3(t.passMs),
    decisions_per_s: t.passMs > 0 ? round3((t.decisions * 1000) / t.passMs) : null,
    seats_not_released: t.notReleased,
  };
}

const benchmark: Benchmark = {
  description: 'ACD decision latency (waiting call -> offer) of the Distributor with the queue strategy vs a no-op selector, 1,000 waiting over 200 seats',
  async run(log) {
    const calls = envInt('BENCH_CALLS', 1000);
    const seats = envInt('BENCH_SEATS', 200);
    const strategy = process.env.BENCH_STRATEGY || 'longest_idle';
    const shim: Shim = switchable;

    log(`acd-decision: ${calls} calls waiting per path, ${seats} seats, strategy ${strategy} vs first eligible seat`);
    const rig = await startRig('bench-acd-decision');
    try {
      const queues = { product: 'bench-product', first_eligible: 'bench-first-eligible' } as const;
      const warm = { product: 'bench-warm-product', first_eligible: 'bench-warm-first-eligible' } as const;
      await createQueues(rig, [...Object.values(queues), ...Object.values(warm)], strategy);
      await readySeats(rig, seats, [...Object.values(queues), ...Object.values(warm)]);
      for (const p of ['product', 'first_eligible'] as const) {
        await waitingCalls(rig, queues[p], calls, `bench-${p}`);
        await waitingCalls(rig, warm[p], seats, `bench-warm-${p}`);
      }
      log(`${seats} seats registered and ready; ${calls} calls queued per path (+ ${seats} per path for a warm-up round)`);

      const lanes: Record<Path, Lane> = {} as Record<Path, Lane>;
      for (const p of ['product', 'first_eligible'] as const) {
        const recorder = new OfferRecorder();
        const d = new Distributor(rig.deps, recorder.asCallControl(), new PerKeySerializer(), switchable.selectSeats);
        d.active = true;
        lanes[p] = { path: p, queueId: queues[p], recorder, kick: (q) => d.kick([q]) };
      }

      log('warm-up: one round per path (not counted)');
      for (const p of ['product', 'first_eligible'] as const) await round(rig, shim, lanes[p], warm[p], scratch());

      const tally: Record<Path, Tally> = { product: scratch(), first_eligible: scratch() };
      const rounds = Math.ceil(calls / seats);
      for (let r = 0; r < rounds; r++) {
        const order: Path[] = r % 2 === 0 ? ['product', 'first_eligible'] : ['first_eligible', 'product'];
        const done: string[] = [];
        for (const p of order) {
          const before = tally[p].passMs;
          const n = await round(rig, shim, lanes[p], queues[p], tally[p]);
          done.push(`${p} ${n} offers in ${round3(tally[p].passMs - before)} ms`);
        }
        log(`round ${r + 1}/${rounds}: ${done.join(', ')}`);
      }

      const left = { product: await waiting(rig.deps.redis, queues.product), first_eligible: await waiting(rig.deps.redis, queues.first_eligible) };
      const [offersRow] = await rig.deps.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM call_offers o JOIN calls c ON c.id = o.call_id WHERE c.queue_id IN ${rig.deps.sql([queues.product, queues.first_eligible])}`;
      const a = figures(tally.product);
      const b = figures(tally.first_eligible);
      const ad = a.decision_ms as Record<string, number>;
      const bd = b.decision_ms as Record<string, number>;
      const an = a.next_in_pass_ms as Record<string, number>;
      const bn = b.next_in_pass_ms as Record<string, number>;
      const as = a.select_us as Record<string, number>;
      const bs = b.select_us as Record<string, number>;
      log(`product (${strategy}): decision median ${ad.median} p99 ${ad.p99} ms; selectSeats median ${as.median} p99 ${as.p99} µs; ${a.decisions_per_s} decisions/s`);
      log(`first eligible:        decision median ${bd.median} p99 ${bd.p99} ms; selectSeats median ${bs.median} p99 ${bs.p99} µs; ${b.decisions_per_s} decisions/s`);
      log(`left in the queues: ${left.product} / ${left.first_eligible}; call_offers rows: ${offersRow!.n}; control-plane warnings/errors: ${rig.problems.length}`);
      for (const p of rig.problems.slice(0, 5)) log(`  ${p.level}: ${p.msg ?? ''} ${JSON.stringify(p.obj)}`);
      return {
        benchmark: 'acd-decision',
        calls_per_path: calls,
        seats,
        strategy,
        rounds,
        product: a,
        first_eligible: b,
        ratio_median_decision: round3(ad.median / bd.median),
        ratio_p99_decision: round3(ad.p99 / bd.p99),
        added_median_ms: round3(ad.median - bd.median),
        added_p99_ms: round3(ad.p99 - bd.p99),
        ratio_median_next_in_pass: round3(an.median / bn.median),
        select_share_of_decision_median: round3(as.median / 1000 / ad.median),
        ratio_decisions_per_s: round3((a.decisions_per_s as number) / (b.decisions_per_s as number)),
        queue_left: left,
        call_offers_rows: offersRow!.n,
        control_warnings_errors: rig.problems.length,
      };
    } finally {
      await rig.close();
    }
  },
};

export default benchmark;
