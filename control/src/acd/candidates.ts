/**
 * The candidates a strategy chooses from for one waiting call: every live seat with its state, registration,
 * queues, idle time, tier and skills. Pure.
 *
 * A seat that just missed this very call (it did not answer and, below its queue's missed_offers_not_ready,
 * went back to ready) is left out while another seat of the queue is ready and registered, so the call moves
 * on to someone else; when it is the only one, it is offered again rather than leaving the caller waiting.
 */
import type { SeatLive } from '../seats/state/store.ts';
import { eligible } from './selector.ts';
import type { StrategyCandidate } from './strategies/types.ts';

export function candidatesFor(seats: readonly SeatLive[], registered: ReadonlySet<string>, call: { sipCallId: string; queueId: string }): StrategyCandidate[] {
  const all: StrategyCandidate[] = seats.map((s) => ({
    seatId: s.seatId, sipUser: s.sipUser, state: s.state, registered: registered.has(s.sipUser), queues: s.queues,
    idleSinceMs: s.idleSinceMs, callsToday: s.callsToday, tier: s.tier, skills: s.skills,
  }));
  const missedIt = new Set(seats.filter((s) => s.missedCall === call.sipCallId).map((s) => s.seatId));
  if (missedIt.size === 0) return all;
  const others = all.filter((c) => !missedIt.has(c.seatId));
  return others.some((c) => eligible(c, call.queueId)) ? others : all;
}
