/**
 * Repeat callers: a number that called a short while ago (any outcome: answered, abandoned, failed open)
 * is likely the same emergency, so its new call queues more urgently. The fast path keeps one Redis key
 * per caller number holding its last arrival time (SET ... GET: one round trip that records this arrival
 * and returns the previous one); no PostgreSQL query per call.
 *
 * Screening wins: a call whose screening decision sets a priority (a held-back nuisance number, at the
 * lowest priority) is never raised.
 */
import type { Redis } from 'ioredis';
import { REPEAT_WITHIN_MAX_MIN, type RepeatCallerSettings } from '../queues/acd-settings.ts';

export const lastArrivalKey = (number: string): string => `cti:caller:last:${number}`;

/** Kept as long as the longest window a queue may set, so every queue's window can be judged. */
const KEEP_MS = REPEAT_WITHIN_MAX_MIN * 60_000;

/** Records this arrival of `number` and returns the previous one (ms since the epoch), or null (first call, anonymous). */
export async function noteArrival(redis: Redis, number: string, arrivedMs: number): Promise<number | null> {
  if (!number) return null;
  const previous = (await redis.call('SET', lastArrivalKey(number), String(arrivedMs), 'PX', String(KEEP_MS), 'GET')) as string | null;
  const ms = previous === null ? NaN : Number(previous);
  return Number.isFinite(ms) ? ms : null;
}

export type PriorityReason = 'repeat_caller' | 'screened';

export interface QueuePriority {
  /** 0 most urgent ... 9 least (acd/selector.ts queueScore: lower first). */
  priority: number;
  /** Why it differs from the route's priority; null when it does not. */
  reason: PriorityReason | null;
}

/**
 * The priority a new call queues at. A screening priority (nuisance numbers: the lowest) is taken as is;
 * otherwise a caller whose previous call arrived within the window is raised by `raiseBy` steps (never past 0).
 */
export function queuePriority(
  routed: number, screeningPriority: number | null | undefined, previousArrivalMs: number | null, arrivedMs: number, rule: RepeatCallerSettings,
): QueuePriority {
  if (screeningPriority != null) return { priority: screeningPriority, reason: screeningPriority === routed ? null : 'screened' };
  if (!rule.enabled || previousArrivalMs === null) return { priority: routed, reason: null };
  const since = arrivedMs - previousArrivalMs;
  if (since < 0 || since > rule.withinMs) return { priority: routed, reason: null };
  const raised = Math.max(0, routed - rule.raiseBy);
  return raised === routed ? { priority: routed, reason: null } : { priority: raised, reason: 'repeat_caller' };
}
