/**
 * A call.new whose handling failed on a Redis connection error (Redis restarting, a Sentinel promotion: 2.4-4 s on a
 * pair) is handled again after a short pause, for a bounded time, before it is failed open. Kamailio holds the INVITE
 * suspended and the caller hears ringing meanwhile, as any queued caller does. Failing it open at once (ioredis gives a
 * command up after 3 reconnection attempts, ~0.3-1 s) rang the ring-all group while the control plane had no record
 * of the call: the seat that answered it was busy without the control plane knowing, was made ready and offered the
 * queued callers while it talked, and they were lost (issue 13, pair-redis-master-killed). Pure.
 */
import { isRedisConnectionError } from '../../ha/data/redis-trouble.ts';

/** How long after its first failure a call.new is still tried again (longer than a Sentinel promotion). */
export const ARRIVAL_RETRY_FOR_MS = 6000;
/** The pause between two tries (each try itself waits for ioredis's reconnection attempts). */
export const ARRIVAL_RETRY_EVERY_MS = 200;

/** The pause before the next try, or undefined: fail the call open now (not a Redis connection error, or too late). */
export function arrivalRetryIn(err: unknown, firstFailedMs: number, nowMs: number, forMs = ARRIVAL_RETRY_FOR_MS): number | undefined {
  if (!isRedisConnectionError(err)) return undefined;
  if (nowMs - firstFailedMs >= forMs) return undefined;
  return ARRIVAL_RETRY_EVERY_MS;
}
