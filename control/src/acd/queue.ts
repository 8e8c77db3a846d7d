import type { Redis } from 'ioredis';
import { queueScore } from './selector.ts';

/** Waiting calls per queue: a Redis sorted set of SIP Call-IDs scored by (priority, arrival). */
export const queueKey = (queueId: string): string => `cti:queue:${queueId}`;
export const QUEUES_SET = 'cti:queues:active';

export async function enqueue(redis: Redis, queueId: string, sipCallId: string, priority: number, arrivedMs: number): Promise<void> {
  await redis.multi()
    .zadd(queueKey(queueId), queueScore(priority, arrivedMs), sipCallId)
    .sadd(QUEUES_SET, queueId)
    .exec();
}

export async function dequeue(redis: Redis, queueId: string, sipCallId: string): Promise<boolean> {
  return (await redis.zrem(queueKey(queueId), sipCallId)) === 1;
}

export async function head(redis: Redis, queueId: string, n = 1): Promise<string[]> {
  return redis.zrange(queueKey(queueId), '0', String(n - 1));
}

export async function waiting(redis: Redis, queueId: string): Promise<number> {
  return redis.zcard(queueKey(queueId));
}

export async function activeQueues(redis: Redis): Promise<string[]> {
  return redis.smembers(QUEUES_SET);
}
