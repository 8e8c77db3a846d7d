/**
 * Takeover counts (docs/ha.md "Rejoining"): each time a control plane takes the lead it writes the next count to
 * PostgreSQL (ha_failovers.epoch), then to Redis (cti:ha:epoch). A node whose Redis or database shows a lower count
 * than the other has an old copy (a restored snapshot, a replica that missed a failover) and must not lead.
 */
export type StaleData = { stale: 'redis' | 'database'; redis: number; database: number };

/** Pure: which side is behind, or undefined when both agree. */
export function staleData(redisEpoch: number, databaseEpoch: number): StaleData | undefined {
  if (redisEpoch < databaseEpoch) return { stale: 'redis', redis: redisEpoch, database: databaseEpoch };
  if (databaseEpoch < redisEpoch) return { stale: 'database', redis: redisEpoch, database: databaseEpoch };
  return undefined;
}

/** The kind of a takeover from what the standby saw before it took the lease. */
export function takeoverKind(previousNode: string | undefined, switchoverTo: string | undefined, node: string): 'start' | 'switchover' | 'failover' {
  if (switchoverTo === node) return 'switchover';
  if (!previousNode || previousNode === node) return 'start';
  return 'failover';
}
