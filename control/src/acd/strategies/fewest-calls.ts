/** fewest_calls: the seat that has taken the fewest calls today; ties to the one idle longest. */
import { byFewestCalls, eligibleFor, first } from './eligibility.ts';
import type { Strategy } from './types.ts';

export const fewestCalls: Strategy = (candidates, ctx) => {
  const pick = first(candidates.filter((s) => eligibleFor(s, ctx)), byFewestCalls);
  return pick ? [pick] : [];
};
