/**
 * What a strategy sees: the live seats (selector.ts's SeatCandidate, plus tier and skills from the
 * seat's template) and the head call of the queue. Strategies are pure: same input, same answer.
 */
import type { SeatCandidate } from '../selector.ts';
import type { QueueStrategy } from '../../queues/strategy.ts';
import type { TierStep } from '../../queues/strategy-settings.ts';

export type { QueueStrategy, TierStep };

export interface StrategyCandidate extends SeatCandidate {
  /** 1 is the first tier (the default); tier 2 is tried after tier 1 by the `tiers` strategy. */
  tier?: number;
  /** e.g. 'dialect-wu', 'english'; matched against StrategyContext.requiredSkills. */
  skills?: readonly string[];
}


export interface StrategyContext {
  queueId: string;
  /** How long the head call has waited since it arrived (not since its last offer). */
  waitedMs: number;
  /** The round-robin cursor: the seat offered a call of this queue last. */
  lastOfferedSeatId?: string | null;
  /** The `tiers` strategy only. Empty or absent: every tier is open at once, lower tiers preferred. */
  tierEscalation?: readonly TierStep[];
  /** A seat must have all of these, under every strategy, until `skillsWaivedAfterMs` (if given). */
  requiredSkills?: readonly string[];
  /** After this wait any seat will do, so a call needing a dialect is never stuck. Absent: never waived. */
  skillsWaivedAfterMs?: number | null;
  /** Seats already tried in this distribution pass. */
  exclude?: ReadonlySet<string>;
}

/** A strategy returns the seats to offer the head call to, best first: one seat, or all for ring_all. */
export type Strategy = (candidates: readonly StrategyCandidate[], ctx: StrategyContext) => StrategyCandidate[];
