/**
 * The data-tier scenarios of `npm run bench -- failover` (docs/ha.md, "The data tier of a pair"), each on its own
 * pair with the replicated data tier: `redis_master_killed` (10 callers queued on A, the Redis master SIGKILLed) and
 * `pg_primary_killed` (calls flowing, the PostgreSQL primary SIGKILLed). Worst figure over the repeats.
 */
import { pgPrimaryKilled, redisMasterKilled } from '../../test/integration/support/data-failover.ts';
import { startFailoverRig, type FailoverRig } from '../../test/integration/support/failover.ts';

/** `fn` on a pair of its own (the replicated data tier unless told otherwise), stopped afterwards. */
export async function onPair<T>(name: string, fn: (rig: FailoverRig) => Promise<T>, opts: Parameters<typeof startFailoverRig>[1] = { replicatedData: true }): Promise<T> {
  const rig = await startFailoverRig(name, opts);
  try {
    return await fn(rig);
  } finally {
    await rig.close();
  }
}

/** The worst of each figure over the repeats: the largest number (-1, not measured, wins for a time `*_ms`), a
 *  boolean only if true in every run. */
export function worst<T extends object>(runs: T[], repeats: number): Record<string, unknown> {
  const out: Record<string, unknown> = { repeats };
  for (const k of Object.keys(runs[0]!) as Array<keyof T>) {
    const vals = runs.map((r) => r[k]);
    if (vals.every((v) => typeof v === 'number')) {
      out[k as string] = String(k).endsWith('_ms') && vals.some((v) => (v as number) < 0)
        ? -1 : Math.max(...(vals as number[]));
    } else if (vals.every((v) => typeof v === 'boolean')) out[k as string] = vals.every(Boolean);
    else out[k as string] = vals.length === 1 ? vals[0] : vals;
  }
  return out;
}

export async function dataScenarios(repeats: number, log: (line: string) => void): Promise<Record<string, Record<string, unknown>>> {
  const redis = [];
  const pg = [];
  for (let i = 0; i < repeats; i++) {
    const r = await onPair(`bench-redis-${i}`, (rig) => redisMasterKilled(rig, 10));
    log(`repeat ${i + 1}: redis_master_killed ${JSON.stringify(r)}`);
    redis.push(r);
    const p = await onPair(`bench-pg-${i}`, (rig) => pgPrimaryKilled(rig));
    log(`repeat ${i + 1}: pg_primary_killed ${JSON.stringify(p)}`);
    pg.push(p);
  }
  return { redis_master_killed: worst(redis, repeats), pg_primary_killed: worst(pg, repeats) };
}
