/**
 * The once-per-period let-through of a held-back number: the first call of a number in a period reaches a seat
 * as routed (marked); later calls in the same period get the list's policy. The period starts at the call that
 * was let through. Live state in Redis with the period as TTL (SET NX PX: atomic across processes).
 */
import type { Redis } from 'ioredis';

export interface LetThrough {
  /** True if this call is the number's let-through (no other one in the last `periodMs`); claims the period. */
  claim(centre: string, number: string, periodMs: number, nowMs: number): Promise<boolean>;
}

export const letThroughKey = (centre: string, number: string): string => `cti:screening:${centre}:let:${number}`;

export function redisLetThrough(redis: Redis): LetThrough {
  return {
    async claim(centre, number, periodMs, nowMs) {
      if (periodMs <= 0) return false;
      return (await redis.set(letThroughKey(centre, number), String(nowMs), 'PX', periodMs, 'NX')) === 'OK';
    },
  };
}
