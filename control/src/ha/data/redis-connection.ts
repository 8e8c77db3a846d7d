/**
 * Where the control plane finds Redis (docs/ha.md, "The data tier of a pair"). CTI_REDIS_URL is either a plain
 * `redis://host:port` (a single node) or `redis-sentinel://h1:p1,h2:p2,h3:p3/<master name>` (a pair): then ioredis
 * asks the Sentinels for the master and checks its role on every (re)connect, so every connection made from it
 * (the lease, the event bus's reader, blocking and pub/sub connections made with `duplicate()`) follows a
 * promotion by itself: a killed master's connections close, a demoted one closes its clients (Redis does).
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface SentinelTarget {
  readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly name: string;
}

const SENTINEL_URL = /^redis-sentinel:\/\/([^/]+)\/([A-Za-z0-9._-]+)$/;

/** The Sentinels and master name of a `redis-sentinel://` URL; undefined for any other URL. Throws on a malformed one. */
export function parseSentinelUrl(url: string): SentinelTarget | undefined {
  if (!url.startsWith('redis-sentinel:')) return undefined;
  const m = SENTINEL_URL.exec(url);
  if (!m) throw new Error(`CTI_REDIS_URL "${url}" must be redis-sentinel://host:port[,host:port...]/<master name>`);
  const sentinels = m[1]!.split(',').map((hp) => {
    const hm = /^([^:,]+):(\d{1,5})$/.exec(hp);
    if (!hm || Number(hm[2]) < 1 || Number(hm[2]) > 65535) {
      throw new Error(`CTI_REDIS_URL: "${hp}" is not host:port (redis-sentinel://host:port[,host:port...]/<master name>)`);
    }
    return { host: hm[1]!, port: Number(hm[2]) };
  });
  return { sentinels, name: m[2]! };
}

/** The URL of `target` (the inverse of parseSentinelUrl). */
export function sentinelUrl(target: SentinelTarget): string {
  return `redis-sentinel://${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${target.name}`;
}

/** A Redis connection for `url` (either form) with `extra` options. */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  const target = parseSentinelUrl(url);
  if (!target) return new Redis(url, extra);
  return new Redis({
    sentinels: target.sentinels.map((s) => ({ ...s })),
    name: target.name,
    role: 'master',
    // not ioredis's FailoverDetector: in ioredis 6.0.0 its `+switch-master` handler disconnects the connector, and if
    // that lands while a reconnection is still asking the Sentinels (the master was killed: the usual case), the
    // connect loop throws "Connection is closed." and the client goes to `end` for good: every command fails until
    // the process restarts (CI: the leader paused, never reclaimed its lease, and its queued callers were lost).
    // Without it a killed master closes the connection, ioredis asks the Sentinels again until they name the
    // promoted replica, and checks the role on connect (`role: 'master'`); a demoted master closes its clients itself.
    failoverDetector: false,
    // ask again quickly while a promotion runs (the defaults back off to seconds)
    sentinelRetryStrategy: (times: number) => Math.min(times * 100, 1000),
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
    ...extra,
  });
}
