/**
 * How long postgres.js waits before reconnecting after a failed connection (its `backoff` option, in seconds).
 * Its default, (0.5-1) x min(3^retries / 100, 20) s with `retries` counted across the pool, reaches 20 s after a few
 * seconds of outage: PostgreSQL was back and taking writes for 16 s before the outbox could write (measured, docs/ha.md
 * "PostgreSQL away"). Capped at 1 s here: a reconnect attempt a second costs nothing beside a call centre's traffic.
 */
export function pgBackoffS(retries: number): number {
  return Math.min(0.05 * 2 ** Math.max(0, retries), 1);
}
