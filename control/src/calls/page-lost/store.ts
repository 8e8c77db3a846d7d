/** The lost-page watches (machine.ts), one per call in Redis: rebuilt by a restarted control plane (watch.ts resume). */
import type { Redis } from 'ioredis';
import type { PageLostState } from './machine.ts';

export interface PageLostWatch {
  call_id: string;
  sip_call_id: string;
  seat_id: string;
  sip_user: string;
  /** Where the closed WebSocket came from (ip:port): its usrloc binding is the dead one. */
  source: string;
  state: PageLostState;
  since_ms: number;
  deadline_ms: number;
  /** The hold audio the watch started (and the seat tags it blocked), stopped if the page comes back. */
  hold: 'two_party' | 'room' | 'none';
  blocked: string[];
}

const key = (sipCallId: string) => `cti:pagelost:${sipCallId}`;
const OPEN = 'cti:pagelost:open';
const TTL_S = 24 * 3600;

/** A new watch; false when the call has one in grace already (a second close of the same page). */
export async function putNewWatch(redis: Redis, w: PageLostWatch): Promise<boolean> {
  if ((await getWatch(redis, w.sip_call_id))?.state === 'grace') return false;
  await putWatch(redis, w);
  return true;
}

export async function putWatch(redis: Redis, w: PageLostWatch): Promise<void> {
  await redis.set(key(w.sip_call_id), JSON.stringify(w), 'EX', TTL_S);
  if (w.state === 'grace') await redis.sadd(OPEN, w.sip_call_id);
  else await redis.srem(OPEN, w.sip_call_id);
}

export async function getWatch(redis: Redis, sipCallId: string): Promise<PageLostWatch | undefined> {
  const raw = await redis.get(key(sipCallId));
  return raw ? (JSON.parse(raw) as PageLostWatch) : undefined;
}

/** Watches still in grace (a restarted control plane re-arms them). */
export async function openWatches(redis: Redis): Promise<PageLostWatch[]> {
  const ids = await redis.smembers(OPEN);
  const out: PageLostWatch[] = [];
  for (const id of ids) {
    const w = await getWatch(redis, id);
    if (w?.state === 'grace') out.push(w);
    else await redis.srem(OPEN, id);
  }
  return out;
}
