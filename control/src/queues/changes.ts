/**
 * A queue change holds at once, nothing restarts: the call flow's routing cache is dropped (calls
 * already waiting are offered with the new ring timeout on their next offer), the live seat hashes
 * get their new membership, and the listener (main.ts: the distributor's kick) runs a pass over the
 * queues so a seat that just joined takes a waiting call now.
 */
import type { Redis } from 'ioredis';
import { invalidateRoutingCache } from './routing.ts';
import { seatKey } from '../seats/state/store.ts';

/** Called after every applied change with the queues it touched (main.ts passes the distributor's kick). */
export type QueueChangeListener = (queueIds: string[]) => void;

// Only a seat that is live in Redis (loaded, enabled) gets the field; loadSeats brings the others.
const SET_QUEUES_LUA = `
if redis.call('HEXISTS', KEYS[1], 'sip_user') == 1 then redis.call('HSET', KEYS[1], 'queues', ARGV[1]) return 1 end
return 0`;

export async function applyQueueChange(
  redis: Redis, queueIds: string[], onChange: QueueChangeListener | undefined, seats: { id: string; queues: string[] }[] = [],
): Promise<void> {
  invalidateRoutingCache();
  for (const s of seats) await redis.eval(SET_QUEUES_LUA, 1, seatKey(s.id), JSON.stringify(s.queues));
  onChange?.(queueIds);
}
