/**
 * The selection function bench/acd-decision.ts gives the Distributor (its `select` constructor parameter):
 * the product's selectSeats or the no-op peer, with a switch between them.
 *
 *   product         the product's selectSeats (the queue's strategy: filter the eligible seats, order them)
 *   first_eligible  the no-op peer: the first eligible seat in the order allSeatsLive returned them, no ordering
 *
 * Both use the product's eligibleFor (ready, registered, member of the queue, not tried in this pass), so the
 * difference between the two paths is the ordering the strategy does, nothing else. When selectSeats is
 * entered and the time spent inside it are recorded per call (performance.now(), the same on both paths).
 */
import { performance } from 'node:perf_hooks';
import { eligibleFor, selectSeats as productSelectSeats } from '../../../control/src/acd/strategies/index.ts';
import type { QueueStrategy, StrategyCandidate, StrategyContext } from '../../../control/src/acd/strategies/index.ts';

export * from '../../../control/src/acd/strategies/index.ts';

export type Selector = 'product' | 'first_eligible';

let selector: Selector = 'product';
export interface SelectMark {
  /** performance.now() when selectSeats was entered. */
  atMs: number;
  spentMs: number;
  picked: boolean;
}

const marks: SelectMark[] = [];

export function useSelector(s: Selector): void {
  selector = s;
}

/** The selectSeats calls since the last take, and resets them. */
export function takeSelectMarks(): SelectMark[] {
  return marks.splice(0, marks.length);
}

export function selectSeats(strategy: QueueStrategy | string, candidates: readonly StrategyCandidate[], ctx: StrategyContext): StrategyCandidate[] {
  const t0 = performance.now();
  let picked: StrategyCandidate[];
  if (selector === 'product') {
    picked = productSelectSeats(strategy, candidates, ctx);
  } else {
    const first = candidates.find((s) => eligibleFor(s, ctx));
    picked = first ? [first] : [];
  }
  marks.push({ atMs: t0, spentMs: performance.now() - t0, picked: picked.length > 0 });
  return picked;
}
