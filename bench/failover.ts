/**
 * Failover of a pair (docs/ha.md): node A dies at once (every process SIGKILLed, its link cut) and a new 120 call
 * arrives via the floating address at that moment. The peer in the same run is the same call answered through A
 * before the failure (`baseline`). Figures per scenario: answered_after_ms (from the failure, or from the call's
 * arrival for the baseline, to answered_at in PostgreSQL), vip_moved_ms, leader_ms, registration_replicated.
 * This phase has no call in progress at the failure, so calls_lost is not measured yet (docs/ha.md, next phase).
 *
 *   npm run bench -- failover      (root: network namespaces; BENCH_REPEATS, default 1)
 */
import { envInt, type Benchmark } from './support/benchmark.ts';
import { killNodeAAndCall, prepareFailover, startFailoverRig } from '../test/integration/support/failover.ts';

const bench: Benchmark = {
  description: 'pair: node A SIGKILLed, time until a new 120 call is answered via node B (baseline: answered via A)',
  async run(log) {
    const repeats = envInt('BENCH_REPEATS', 1);
    const runs: Array<Record<string, number | boolean>> = [];
    const baseline: number[] = [];
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
    }
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
        baseline: { answered_after_ms: Math.max(...baseline), repeats },
      },
    };
  },
};

export default bench;
