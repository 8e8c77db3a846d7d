import type { AppDeps } from '../app/deps.ts';

/**
 * Queue settings the call flow and distribution need, and the inbound routes that pick a new call's queue,
 * cached briefly (supervisors' changes apply within a second: changes.ts invalidates the cache).
 */
export interface QueueSettings {
  id: string;
  centreId: string;
  ringTimeoutS: number;
  wrapupS: number;
  basePriority: number;
  strategy: string;
  /** The queue's settings document (strategy rules such as tiers and skills, alarm thresholds). */
  settings: Record<string, unknown>;
}

const TTL_MS = 1000;
let cache: { at: number; queues: Map<string, QueueSettings>; routes: { called: string; trunk: string | null; queue: string; priority: number | null }[] } | undefined;

let refreshing: Promise<NonNullable<typeof cache>> | undefined;

/**
 * The cached settings; past the TTL the cached copy is still answered at once while one refresh runs behind it,
 * so a call is never held by PostgreSQL (away, failing over: docs/ha.md "PostgreSQL away"). Only the first load
 * and the one after an invalidation (a supervisor's change) wait for PostgreSQL.
 */
async function load(deps: AppDeps): Promise<NonNullable<typeof cache>> {
  if (cache && Date.now() - cache.at < TTL_MS) return cache;
  refreshing ??= fetchSettings(deps).finally(() => { refreshing = undefined; });
  if (!cache) return refreshing;
  refreshing.catch((err) => deps.log.warn({ err: String(err) }, 'queue settings not refreshed from PostgreSQL: the cached ones apply'));
  return cache;
}

async function fetchSettings(deps: AppDeps): Promise<NonNullable<typeof cache>> {
  const qs = await deps.sql<{ id: string; centre_id: string; ring_timeout_s: number; wrapup_s: number; base_priority: number; strategy: string; settings: Record<string, unknown> }[]>`
    SELECT id, centre_id, ring_timeout_s, wrapup_s, base_priority, strategy, settings FROM queues`;
  const rs = await deps.sql<{ called_number: string; trunk_id: string | null; queue_id: string; priority: number | null }[]>`
    SELECT called_number, trunk_id, queue_id, priority FROM inbound_routes`;
  cache = {
    at: Date.now(),
    queues: new Map(qs.map((q) => [q.id, { id: q.id, centreId: q.centre_id, ringTimeoutS: q.ring_timeout_s, wrapupS: q.wrapup_s, basePriority: q.base_priority, strategy: q.strategy, settings: q.settings ?? {} }])),
    routes: rs.map((r) => ({ called: r.called_number, trunk: r.trunk_id, queue: r.queue_id, priority: r.priority })),
  };
  return cache;
}

export async function queueSettings(deps: AppDeps, queueId: string): Promise<QueueSettings> {
  const c = await load(deps);
  return c.queues.get(queueId) ?? { id: queueId, centreId: deps.config.centreId, ringTimeoutS: 10, wrapupS: 5, basePriority: 5, strategy: 'longest_idle', settings: {} };
}

/**
 * The queue for a new call: the inbound route for (called number, trunk), else for the called number,
 * else the first queue of the centre. Never fails: an emergency call always lands in a queue.
 */
export async function routeCall(deps: AppDeps, calledNumber: string, trunkId: string): Promise<{ queue: QueueSettings; priority: number }> {
  const c = await load(deps);
  const route = c.routes.find((r) => r.called === calledNumber && r.trunk === trunkId)
    ?? c.routes.find((r) => r.called === calledNumber && r.trunk === null)
    ?? c.routes.find((r) => r.called === '120');
  const fallback = [...c.queues.values()].find((q) => q.centreId === deps.config.centreId) ?? [...c.queues.values()][0];
  const queue = (route && c.queues.get(route.queue)) ?? fallback ?? (await queueSettings(deps, `${deps.config.centreId}-main`));
  return { queue, priority: route?.priority ?? queue.basePriority };
}

export function invalidateRoutingCache(): void {
  cache = undefined;
  refreshing = undefined;
}
