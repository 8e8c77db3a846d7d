/**
 * tiers: tier 1 first; a higher tier opens when the head call has waited its `afterMs`
 * (e.g. [{tier: 1, afterMs: 0}, {tier: 2, afterMs: 15000}]: tier 2 after 15 s). Among the open tiers
 * the lowest with an eligible seat is used, and within it the seat idle longest.
 *
 * A tier not listed opens with the nearest listed tier below it (none: at once), so a higher tier never
 * opens before a lower one whatever the list says.
 */
import { byLongestIdle, eligibleFor, first, tierOf } from './eligibility.ts';
import type { Strategy, TierStep } from './types.ts';

/** The wait after which `tier` is open: the largest afterMs listed for it or any tier below it (0 if none). */
export function tierOpensAfterMs(tier: number, escalation: readonly TierStep[] = []): number {
  let after = 0;
  for (const step of escalation) if (step.tier <= tier && step.afterMs > after) after = step.afterMs;
  return after;
}

export function tierOpen(tier: number, waitedMs: number, escalation: readonly TierStep[] = []): boolean {
  return waitedMs >= tierOpensAfterMs(tier, escalation);
}

export const tiers: Strategy = (candidates, ctx) => {
  const open = candidates.filter((s) => eligibleFor(s, ctx) && tierOpen(tierOf(s), ctx.waitedMs, ctx.tierEscalation));
  const pick = first(open, (a, b) => tierOf(a) - tierOf(b) || byLongestIdle(a, b));
  return pick ? [pick] : [];
};

/** The next wait (ms) at which a tier or the skills waiver opens for a call that has waited `waitedMs`; undefined if none. */
export function nextOpeningMs(waitedMs: number, escalation: readonly TierStep[] = [], skillsWaivedAfterMs?: number | null): number | undefined {
  const later = [...escalation.map((s) => s.afterMs), skillsWaivedAfterMs ?? -1].filter((ms) => ms > waitedMs);
  return later.length === 0 ? undefined : Math.min(...later);
}
