/**
 * Failover of a pair (docs/ha.md): node A dies at once (every process SIGKILLed, its link cut) and a new 120 call
 * arrives via the floating address at that moment. The peer in the same run is the same call answered through A
 * before the failure (`baseline`). Figures per scenario: answered_after_ms (from the failure, or from the call's
 * arrival for the baseline, to answered_at in PostgreSQL), vip_moved_ms, leader_ms, registration_replicated.
 * Second scenario: 3 callers queued on A at the failure (their INVITE transactions in A's Kamailio): calls_lost,
 * whether they got any final response, and when B's control plane put them on the abandoned list. Third scenario
 * (node_a_killed_in_conversation): 10 calls in conversation through A at the failure (rtpengine keyspace replication,
 * dialogs over DMQ): media_gap_ms (the longest silence of any of their 20 RTP streams, captured on the receiving side),
 * calls_lost (conversations that did not end normally), streams_not_resumed (flowed through A, not back through B),
 * streams_silent_before_failure (no audio through A already; phone_streams_before_failure tells whose silence).
 * Fourth scenario (node_a_killed_browser_seats): two browser seats (Chromium in the carrier namespace), one talking with a
 * trunk caller: seats_reregistered_ms (the slower seat's new binding on B), the page's own count, the browser call's
 * media gap across its ICE-restart re-INVITE, and a new call answered by the other browser seat via B.
 * Fifth scenario (queued_takeover): 20 callers queued on A, re-injected into B's Kamailio and answered one by one by a
 * single seat via B: calls_lost, two_answers, when they were re-injected and answered. (In the second scenario B now
 * takes the 3 queued callers over too, so its new call is answered after them.)
 * Data tier (bench/support/data-failover.ts): redis_master_killed and pg_primary_killed, each on a pair with the
 * replicated data tier (calls_lost, answered_after_ms, promote_ms, first_write_ms, ...).
 * Last scenario (node_a_killed_all_at_once, test/integration/support/all-at-once.ts): one pair, 8 SIPp and 2 browser
 * conversations and 20 callers queued on A, a new call at the kill: calls lost of each kind, both media gaps, the
 * queued callers' takeover and order, the new call's answer, the browser seats' re-registration.
 *
 *   npm run bench -- failover      (root: network namespaces; BENCH_REPEATS, default 1)
 *   BENCH_FAILOVER_ONLY=all_at_once,queued_takeover npm run bench -- failover   (only these scenarios: a scenario's
 *   name or its end after node_a_killed_; `data` for the two data-tier scenarios)
 */
import { envInt, type Benchmark } from './support/benchmark.ts';
import { dataScenarios, onPair, worst as worstOf } from './support/data-failover.ts';
import { allAtOnce, ANSWERING, QUEUED as ALL_QUEUED, TALKING_BROWSER, TALKING_SIPP, type AllAtOnceFigures } from '../test/integration/support/all-at-once.ts';
import { killNodeAAndCall, prepareFailover, queueCallsOnA, queuedOutcome, startFailoverRig, type QueuedFigures } from '../test/integration/support/failover.ts';
import { conversationOutcome, mediaGaps, startConversations, type ConversationFigures } from '../test/integration/support/conversations.ts';
import { benchBrowserSeats } from '../test/integration/support/browser-seats-failover.ts';
import { queuedCallersTakenOver, type TakeoverFigures } from '../test/integration/support/takeover.ts';

const QUEUED = 3;
const TALKING = 10;
/** queued_takeover: callers queued on A that B takes over (docs/ha.md), answered one by one by a single seat. */
const TAKEOVER_QUEUED = 20;

/** BENCH_FAILOVER_ONLY: a comma-separated list of scenarios to run (all when unset). */
function selected(name: string): boolean {
  const only = (process.env.BENCH_FAILOVER_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return only.length === 0 || only.some((o) => name === o || name === `node_a_killed_${o}`);
}

const bench: Benchmark = {
  description: 'pair: node A SIGKILLed, time until a new 120 call is answered via node B (baseline: answered via A)',
  async run(log) {
    const repeats = envInt('BENCH_REPEATS', 1);
    const runs: Array<Record<string, number | boolean>> = [];
    const baseline: number[] = [];
    const queuedRuns: Array<QueuedFigures & { answered_after_ms: number }> = [];
    const talkRuns: Array<ConversationFigures & { answered_after_ms: number }> = [];
    const browserRuns: Array<Record<string, number | boolean>> = [];
    const takeoverRuns: TakeoverFigures[] = [];
    const allRuns: AllAtOnceFigures[] = [];
    for (let i = 0; i < repeats; i++) {
      if (selected('node_a_killed')) {
        const rig = await startFailoverRig(`bench-failover-${i}`);
        try {
          log(`repeat ${i + 1}/${repeats}: pair up, A holds ${rig.pair.sipRemote}`);
          const first = await prepareFailover(rig);
          if (!first.ok) throw new Error(`the baseline call was not answered: exit ${first.exitCode}`);
          const [call] = await rig.a.calls();
          baseline.push(call!.answered_at!.getTime() - call!.arrived_at.getTime());
          const { figures } = await killNodeAAndCall(rig, call!.id);
          log(`repeat ${i + 1}: ${JSON.stringify(figures)}`);
          runs.push({ ...figures });
        } finally {
          await rig.close();
        }
      }
      if (selected('node_a_killed_with_queued')) {
        const qrig = await startFailoverRig(`bench-failover-queued-${i}`);
        try {
          await prepareFailover(qrig);
          const held = await queueCallsOnA(qrig, QUEUED);
          const [call] = await qrig.a.calls();
          const { figures, t0 } = await killNodeAAndCall(qrig, call!.id, { readyAfterKill: true });
          const outcome = await queuedOutcome(qrig, held, QUEUED, t0, 20_000);
          log(`repeat ${i + 1} with ${QUEUED} queued on A: ${JSON.stringify({ ...figures, ...outcome })}`);
          queuedRuns.push({ ...figures, ...outcome });
        } finally {
          await qrig.close();
        }
      }
      if (selected('node_a_killed_in_conversation')) {
        const trig = await startFailoverRig(`bench-failover-talk-${i}`);
        try {
          const first = await prepareFailover(trig);
          if (!first.ok) throw new Error(`the first call was not answered: exit ${first.exitCode}`);
          const [call] = await trig.a.calls();
          const conv = await startConversations(trig, TALKING);
          const { figures, t0 } = await killNodeAAndCall(trig, call!.id, { readyAfterKill: true });
          const { figures: outcome } = await conversationOutcome(trig, conv, await mediaGaps(conv, t0));
          log(`repeat ${i + 1} with ${TALKING} in conversation through A: ${JSON.stringify({ ...figures, ...outcome })}`);
          talkRuns.push({ ...outcome, answered_after_ms: figures.answered_after_ms });
        } finally {
          await trig.close();
        }
      }
      if (selected('node_a_killed_browser_seats')) {
        const seats = await benchBrowserSeats(`bench-failover-seats-${i}`, (s) => log(`repeat ${i + 1} browser seats: ${s}`));
        log(`repeat ${i + 1} browser seats: ${JSON.stringify(seats)}`);
        browserRuns.push(seats);
      }
      if (selected('queued_takeover')) {
        const orig = await startFailoverRig(`bench-failover-takeover-${i}`);
        try {
          const { figures } = await queuedCallersTakenOver(orig, TAKEOVER_QUEUED, 120_000);
          log(`repeat ${i + 1} with ${TAKEOVER_QUEUED} queued on A, taken over by B: ${JSON.stringify(figures)}`);
          takeoverRuns.push(figures);
        } finally {
          await orig.close();
        }
      }
      if (selected('node_a_killed_all_at_once')) {
        const figures = await onPair(`bench-failover-all-${i}`, async (rig) => {
          const run = await allAtOnce(rig, (line) => log(`repeat ${i + 1} all at once: ${line}`));
          try {
            for (const e of run.errors) log(`repeat ${i + 1} all at once: a step failed: ${e}`);
            return run.figures;
          } finally {
            await run.close();
          }
        }, {});
        log(`repeat ${i + 1} all at once: ${JSON.stringify(figures)}`);
        allRuns.push(figures);
      }
    }
    const worstTalk = (k: 'media_gap_ms' | 'media_gap_median_ms' | 'calls_lost' | 'streams_not_resumed' | 'answered_after_ms'
      | 'streams_silent_before_failure') =>
      Math.max(...talkRuns.map((r) => r[k]));
    const worstSeats = (k: string) => Math.max(...browserRuns.map((r) => Number(r[k])));
    const worstT = (k: keyof TakeoverFigures) => Math.max(...takeoverRuns.map((r) => Number(r[k])));
    // --- the data tier's scenarios (bench/support/data-failover.ts) ---
    const data = selected('data') || selected('redis_master_killed') || selected('pg_primary_killed') ? await dataScenarios(repeats, log) : {};
    // --- end data tier ---
    const worst = (k: keyof QueuedFigures | 'answered_after_ms') => Math.max(...queuedRuns.map((r) => Number(r[k])));
    const max = (k: string) => Math.max(...runs.map((r) => Number(r[k])));
    const scenarios: Record<string, unknown> = {
      node_a_killed: {
        answered_after_ms: max('answered_after_ms'),
        vip_moved_ms: max('vip_moved_ms'),
        leader_ms: max('leader_ms'),
        registration_replicated: runs.every((r) => r.registration_replicated === true),
        repeats,
      },
      // the seat is made ready through B's API after the failure, so answered_after_ms includes that step
      node_a_killed_with_queued: {
        queued: QUEUED,
        calls_lost: worst('calls_lost'),
        final_responses_to_queued: Math.min(...queuedRuns.map((r) => r.final_responses)),
        abandoned_listed_after_ms: worst('abandoned_listed_after_ms'),
        answered_after_ms: worst('answered_after_ms'),
        end_reasons: [...new Set(queuedRuns.flatMap((r) => r.end_reasons))],
        repeats,
      },
      // the seat for the new call is made ready through B's API after the failure, as above
      node_a_killed_in_conversation: {
        talking: TALKING,
        calls_lost: worstTalk('calls_lost'),
        media_gap_ms: worstTalk('media_gap_ms'),
        media_gap_median_ms: worstTalk('media_gap_median_ms'),
        streams: Math.min(...talkRuns.map((r) => r.streams)),
        streams_not_resumed: worstTalk('streams_not_resumed'),
        streams_silent_before_failure: worstTalk('streams_silent_before_failure'),
        phone_streams_before_failure: Math.min(...talkRuns.map((r) => r.phone_streams_before_failure)),
        answered_after_ms: worstTalk('answered_after_ms'),
        end_reasons: [...new Set(talkRuns.flatMap((r) => r.end_reasons))],
        repeats,
      },
      node_a_killed_browser_seats: {
        seats_reregistered_ms: worstSeats('seats_reregistered_ms'),
        page_counted_ms: worstSeats('banner_took_ms'),
        stale_bindings: worstSeats('stale_bindings'),
        media_gap_ms: worstSeats('media_gap_ms'),
        calls_lost: worstSeats('calls_lost'),
        answered_after_ms: worstSeats('answered_after_ms'),
        repeats,
      },
      // every caller is answered by the one seat in turn: answered_after_ms is the first, last_answered_after_ms the last
      queued_takeover: {
        queued: TAKEOVER_QUEUED,
        calls_lost: worstT('calls_lost'),
        two_answers: worstT('two_answers'),
        reinjected_after_ms: worstT('reinjected_after_ms_max'),
        reinjected_after_ms_median: worstT('reinjected_after_ms_median'),
        answered_after_ms: worstT('first_answered_after_ms'),
        last_answered_after_ms: worstT('last_answered_after_ms'),
        order_kept: takeoverRuns.every((r) => r.order_kept),
        repeats,
      },
      baseline: { answered_after_ms: Math.max(...baseline), repeats },
      // the 20 queued callers and then the new call are answered by 5 dedicated seats made ready through B's API
      node_a_killed_all_at_once: {
        talking_sipp: TALKING_SIPP, talking_browser: TALKING_BROWSER, queued: ALL_QUEUED, answering_seats: ANSWERING,
        ...(allRuns.length ? worstOf(allRuns, repeats) : {}),
      },
    };
    const ran = Object.entries(scenarios).filter(([name]) => selected(name === 'baseline' ? 'node_a_killed' : name));
    return { scenarios: { ...Object.fromEntries(ran), ...data } };
  },
};

export default bench;
