/**
 * The INVITE transaction's branch budget (engine cfg: max_branches=30). The suspension adds one blind
 * branch; an offer adds one branch per contact it rings and its re-suspension one more; an overflow to
 * another centre one plus one. The fail-open to the ring-all group needs branches too, so a call whose
 * next step would leave fewer than FAILOPEN_RESERVE fails open instead (the Distributor does that).
 */
export const MAX_BRANCHES = 30;
export const FAILOPEN_RESERVE = 5;
/** At most this many seats ring at once for one ring_all offer (each costs a branch per registered contact). */
export const MAX_RING_ALL_SEATS = 10;

/** Branches a call has used: its suspension, two per offer so far, and the extras of multi-seat offers and overflows. */
export function branchesUsed(attempts: number, extraBranches: number): number {
  return 1 + 2 * attempts + extraBranches;
}

/** Branches left for the next step before the fail-open reserve. */
export function branchesLeft(attempts: number, extraBranches: number): number {
  return MAX_BRANCHES - FAILOPEN_RESERVE - branchesUsed(attempts, extraBranches);
}

/**
 * The seats a ring_all offer may ring, in order, within the cap and the budget: each seat costs its
 * contacts (at least one), and the re-suspension after a miss one more. Empty: not even one fits.
 */
export function seatsWithinBudget<T>(seats: readonly T[], contactsOf: (s: T) => number, left: number, cap = MAX_RING_ALL_SEATS): T[] {
  const out: T[] = [];
  let cost = 1; // the re-suspension
  for (const s of seats) {
    if (out.length >= cap) break;
    const c = Math.max(1, contactsOf(s));
    if (cost + c > left) break;
    cost += c;
    out.push(s);
  }
  return out;
}
