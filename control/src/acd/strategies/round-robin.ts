/**
 * round_robin: seats in id order, the first eligible one after the seat offered last (the cursor),
 * wrapping round. The cursor need not be eligible or even exist any more: order is by id, not position.
 */
import { byId, eligibleFor } from './eligibility.ts';
import type { Strategy } from './types.ts';

export const roundRobin: Strategy = (candidates, ctx) => {
  const ready = candidates.filter((s) => eligibleFor(s, ctx)).sort(byId);
  if (ready.length === 0) return [];
  const cursor = ctx.lastOfferedSeatId;
  const next = cursor == null ? undefined : ready.find((s) => s.seatId > cursor);
  return [next ?? ready[0]];
};
