/** longest_idle (the default; the tender's "evenly by seat state"): the seat idle longest. */
import { byLongestIdle, eligibleFor, first } from './eligibility.ts';
import type { Strategy } from './types.ts';

export const longestIdle: Strategy = (candidates, ctx) => {
  const pick = first(candidates.filter((s) => eligibleFor(s, ctx)), byLongestIdle);
  return pick ? [pick] : [];
};
