/**
 * Failover of a pair (docs/ha.md): node A dies at once (every process SIGKILLed, its link cut) and a new 120 call
 * arrives via the floating address at that moment. The peer in the same run is the same call answered through A
 * before the failure (`baseline`). Figures per scenario: answered_after_ms (from the failure, or from the call's
 * arrival for the baseline, to answered_at in PostgreSQL), vip_moved_ms, leader_ms, registration_replicated.
 * Second scenario: 3 callers queued on A at the failure (their INVITE transactions in A's Kamailio): calls_lost,
 * whether they got any final response, and when B's control plane put them on the abandoned list. Calls in
 * conversation at the failure are the next phase's (rtpengine redundancy), so media_gap_ms is not measured yet.
 * Data tier (bench/support/data-failover.ts): redis_master_killed and pg_primary_killed, each on a pair with the
 * replicated data tier (calls_lost, answered_after_ms, promote_ms, first_write_ms, ...).
 *
 *   npm run bench -- failover      (root: network namespaces; BENCH_REPEATS, default 1)
 */
import { envInt, type Benchmark } from './support/benchmark.ts';
import { dataScenarios } from './support/data-failover.ts';
import { killNodeAAndCall, prepareFailover, queueCallsOnA, queuedOutcome, startFailoverRig, type QueuedFigures } from '../test/integration/support/failover.ts';

const QUEUED = 3;

const bench: Benchmark = {
  description: 'pair: node A SIGKILLed, time until a new 120 call is answered via node B (baseline: answered via A)',
  async run(log) {
    const repeats = envInt('BENCH_REPEATS', 1);
    const runs: Array<Record<string, number | boolean>> = [];
    const baseline: number[] = [];
    const queuedRuns: Array<QueuedFigures & { answered_after_ms: number }> = [];
    for (let i = 0; i < repeats; i++) {
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
    // --- the data tier's scenarios (bench/support/data-failover.ts) ---
    const data = await dataScenarios(repeats, log);
    // --- end data tier ---
    const worst = (k: keyof QueuedFigures | 'answered_after_ms') => Math.max(...queuedRuns.map((r) => Number(r[k])));
    const max = (k: string) => Math.max(...runs.map((r) => Number(r[k])));
    return {
      scenarios: {
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
        baseline: { answered_after_ms: Math.max(...baseline), repeats },
        ...data,
      },
    };
  },
};

export default bench;
