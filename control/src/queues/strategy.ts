/**
 * How a queue picks the seat for its head call. The ACD implements them in acd/selector.ts;
 * the names are the stored values of queues.strategy (CHECK constraint in the migrations).
 *   longest_idle  the seat idle longest (default; the tender's "evenly by seat state")
 *   fewest_calls  the seat with the fewest calls today
 *   round_robin   the next seat after the one offered last
 *   ring_all      every ready member at once; the first to answer takes the call
 *   tiers         members in tiers (settings.tiers); a tier is tried only when the one before has no ready seat
 */
export const QUEUE_STRATEGIES = ['longest_idle', 'fewest_calls', 'round_robin', 'ring_all', 'tiers'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

export function isQueueStrategy(v: unknown): v is QueueStrategy {
  return typeof v === 'string' && (QUEUE_STRATEGIES as readonly string[]).includes(v);
}
