/**
 * Throttling of failed logins per (username, client address), counted in Redis over a fixed window,
 * so that a password cannot be guessed online and the count survives a restart or a second process.
 */
import type { Redis } from 'ioredis';

export const LOGIN_FAILURE_LIMIT = 10;
export const LOGIN_FAILURE_WINDOW_S = 300;

function key(username: string, ip: string): string {
  return `cti:auth:login-failures:${username.toLowerCase()}:${ip}`;
}

export interface LoginThrottle {
  throttled: boolean;
  failures: number;
  retry_after_s: number;
}

export async function loginThrottle(redis: Redis, username: string, ip: string): Promise<LoginThrottle> {
  const k = key(username, ip);
  const [count, ttl] = await Promise.all([redis.get(k), redis.ttl(k)]);
  const failures = count === null ? 0 : Number(count);
  return { throttled: failures >= LOGIN_FAILURE_LIMIT, failures, retry_after_s: ttl > 0 ? ttl : 0 };
}

/** Counts one failure; the window starts at the first failure. Returns the failures in the window. */
export async function recordLoginFailure(redis: Redis, username: string, ip: string): Promise<number> {
  const k = key(username, ip);
  const replies = await redis.multi().incr(k).expire(k, LOGIN_FAILURE_WINDOW_S, 'NX').exec();
  return Number(replies?.[0]?.[1] ?? 0);
}

export async function clearLoginFailures(redis: Redis, username: string, ip: string): Promise<void> {
  await redis.del(key(username, ip));
}
