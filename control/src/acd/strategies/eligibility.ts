/**
 * Which seats a strategy may choose from, and the orders they are chosen in. Every order ends with the
 * seat id, so ties are resolved the same way on every node and every run.
 */
import { eligible } from '../selector.ts';
import type { StrategyCandidate, StrategyContext } from './types.ts';

export function tierOf(seat: StrategyCandidate): number {
  return seat.tier ?? 1;
}

/** True while the head call still needs the required skills (none required: false). */
export function skillsRequired(ctx: StrategyContext): boolean {
  if (!ctx.requiredSkills || ctx.requiredSkills.length === 0) return false;
  return ctx.skillsWaivedAfterMs == null || ctx.waitedMs < ctx.skillsWaivedAfterMs;
}

export function hasSkills(seat: StrategyCandidate, required: readonly string[]): boolean {
  const own = seat.skills ?? [];
  return required.every((s) => own.includes(s));
}

/** Ready, registered, a member of the queue, not tried in this pass, and skilled while skills are required. */
export function eligibleFor(seat: StrategyCandidate, ctx: StrategyContext): boolean {
  if (!eligible(seat, ctx.queueId) || ctx.exclude?.has(seat.seatId)) return false;
  return !skillsRequired(ctx) || hasSkills(seat, ctx.requiredSkills ?? []);
}

export function byId(a: StrategyCandidate, b: StrategyCandidate): number {
  return a.seatId < b.seatId ? -1 : a.seatId > b.seatId ? 1 : 0;
}

/** Idle since earliest first; then fewest calls today; then id (as selector.ts's pickLongestIdle). */
export function byLongestIdle(a: StrategyCandidate, b: StrategyCandidate): number {
  return a.idleSinceMs - b.idleSinceMs || a.callsToday - b.callsToday || byId(a, b);
}

/** Fewest calls today first; then idle longest; then id. */
export function byFewestCalls(a: StrategyCandidate, b: StrategyCandidate): number {
  return a.callsToday - b.callsToday || a.idleSinceMs - b.idleSinceMs || byId(a, b);
}

export function first<T>(items: readonly T[], order: (a: T, b: T) => number): T | undefined {
  let best: T | undefined;
  for (const x of items) if (best === undefined || order(x, best) < 0) best = x;
  return best;
}
