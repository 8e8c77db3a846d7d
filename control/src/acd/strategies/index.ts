/**
 * Seat selection per queue strategy (queues/strategy.ts names them). `selectSeats` returns the seats to
 * offer the head call of a queue to: at most one, except ring_all, which returns every eligible seat.
 * An empty list means no seat can take the call now; the head keeps its place and waits.
 */
import { fewestCalls } from './fewest-calls.ts';
import { longestIdle } from './longest-idle.ts';
import { ringAll } from './ring-all.ts';
import { roundRobin } from './round-robin.ts';
import { tiers } from './tiers.ts';
import type { QueueStrategy, Strategy, StrategyCandidate, StrategyContext } from './types.ts';

export const STRATEGIES: Readonly<Record<QueueStrategy, Strategy>> = Object.freeze({
  longest_idle: longestIdle,
  fewest_calls: fewestCalls,
  round_robin: roundRobin,
  ring_all: ringAll,
  tiers,
});

/** An unknown strategy name (a stored value newer than this code) selects as longest_idle, the default. */
export function selectSeats(strategy: QueueStrategy | string, candidates: readonly StrategyCandidate[], ctx: StrategyContext): StrategyCandidate[] {
  const run = (STRATEGIES as Record<string, Strategy>)[strategy] ?? longestIdle;
  return run(candidates, ctx);
}

export { eligibleFor, hasSkills, skillsRequired, tierOf } from './eligibility.ts';
export { nextOpeningMs, tierOpen, tierOpensAfterMs } from './tiers.ts';
export type { QueueStrategy, Strategy, StrategyCandidate, StrategyContext, TierStep } from './types.ts';
