/**
 * rtpengine redundancy on a pair (docs/ha.md, "Calls in conversation"): each node's rtpengine writes its calls to a
 * Redis database of its own and subscribes to the peer's database by keyspace notifications, so the backup holds
 * every call of the master as a "foreign" call with the same media ports on the floating address; the first packet
 * (or command) for such a call after the floating address moved makes it the backup's own (`active-switchover`).
 * The Redis is the data tier's (the same one the control planes use, given once in pair.ts's nodeOptions).
 */
import type { RtpengineRedundancy } from './rtpengine.ts';

export type PairNode = 'a' | 'b';

/** Databases of the data tier's Redis that rtpengine uses (the control plane uses database 0). */
export const RTPENGINE_REDIS_DB: Readonly<Record<PairNode, number>> = { a: 14, b: 15 };

/** host:port/db in rtpengine's syntax ([PW@]IP:PORT/INT) from a redis:// URL. */
export function rtpengineRedisAddress(redisUrl: string, db: number): string {
  const u = new URL(redisUrl);
  if (u.protocol !== 'redis:' || !u.hostname) throw new Error(`rtpengine needs a redis://host:port URL, not "${redisUrl}"`);
  const auth = u.password ? `${decodeURIComponent(u.password)}@` : '';
  return `${auth}${u.hostname}:${u.port || '6379'}/${db}`;
}

export function rtpengineRedundancy(redisUrl: string, node: PairNode): RtpengineRedundancy {
  const peer: PairNode = node === 'a' ? 'b' : 'a';
  return { write: rtpengineRedisAddress(redisUrl, RTPENGINE_REDIS_DB[node]), subscribe: RTPENGINE_REDIS_DB[peer] };
}
