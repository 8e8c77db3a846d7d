/**
 * After the Redis master changed (a Sentinel promotion) or Redis came back, the control plane re-syncs as it does
 * after a restart: seats from PostgreSQL, registrations and the calls Kamailio holds (the `sync` request), so what
 * the old master acknowledged but had not replicated yet (asynchronous replication; docs/ha.md "The data tier of a
 * pair") is rebuilt from Kamailio and PostgreSQL. The first `ready` (the start) is not a reconnection.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';

export function onRedisReconnected(redis: Redis, log: Logger, resync: () => void): () => void {
  let seenReady = false;
  let lost = false;
  const onClose = () => { if (seenReady) lost = true; };
  const onReady = () => {
    if (!seenReady) {
      seenReady = true;
      return;
    }
    if (!lost) return;
    lost = false;
    log.warn({}, 'redis connection back (a new master or a restart): re-syncing seats, registrations and calls');
    resync();
  };
  // a connection made before the listener: ready already
  if (redis.status === 'ready') seenReady = true;
  redis.on('close', onClose);
  redis.on('ready', onReady);
  return () => {
    redis.off('close', onClose);
    redis.off('ready', onReady);
  };
}
