/**
 * What the ACD decides for the call at the head of a queue, beyond which seats the strategy picks
 * (strategies/): whether the call must fail open instead (too many offers, or no branch budget for
 * another), and which of the picked seats a ring_all offer rings (within the seat cap and the budget).
 * Pure: calls/distribution/distributor.ts reads the state and carries the decision out (calls/offers/).
 */
import { branchesLeft, seatsWithinBudget } from './branches.ts';

export const MAX_OFFERS = 12; // each offer costs the INVITE transaction two of its 30 branches (engine cfg)

/** The call has had its offers (or has no budget for another): it fails open to the ring-all group. */
export function offersExhausted(attempt: number, extraBranches: number): boolean {
  return attempt >= MAX_OFFERS || branchesLeft(attempt, extraBranches) < 2;
}

export interface RingAllPlan<T> {
  /** The seats to ring; empty: not even one fits, the call fails open. */
  seats: T[];
  /** What the fork costs in branches (one per registered contact, at least one per seat). */
  contacts: number;
}

export function ringAllPlan<T>(picks: readonly T[], contactsOf: (p: T) => number, attempt: number, extraBranches: number): RingAllPlan<T> {
  const seats = seatsWithinBudget(picks, contactsOf, branchesLeft(attempt, extraBranches));
  return { seats, contacts: seats.reduce((n, p) => n + Math.max(1, contactsOf(p)), 0) };
}
