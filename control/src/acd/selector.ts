/**
 * Seat selection, pure. A candidate is a seat that is ready, registered at Kamailio and a member of
 * the queue. Longest idle first (ARCHITECTURE.md; the tender's "evenly by seat state"): the seat whose
 * last call ended (or that became ready) longest ago; ties by fewest calls today, then by id.
 */
export interface SeatCandidate {
  seatId: string;
  sipUser: string;
  state: string;
  registered: boolean;
  queues: readonly string[];
  idleSinceMs: number;
  callsToday: number;
}

export function eligible(seat: SeatCandidate, queueId: string): boolean {
  return seat.state === 'ready' && seat.registered && seat.queues.includes(queueId);
}

export function pickLongestIdle(seats: readonly SeatCandidate[], queueId: string, exclude: ReadonlySet<string> = new Set()): SeatCandidate | undefined {
  let best: SeatCandidate | undefined;
  for (const s of seats) {
    if (!eligible(s, queueId) || exclude.has(s.seatId)) continue;
    if (!best || s.idleSinceMs < best.idleSinceMs
      || (s.idleSinceMs === best.idleSinceMs && (s.callsToday < best.callsToday
        || (s.callsToday === best.callsToday && s.seatId < best.seatId)))) {
      best = s;
    }
  }
  return best;
}

/** Queue order: lower priority number first (0 most urgent), then arrival time; a requeued call keeps its score. */
export function queueScore(priority: number, arrivedMs: number): number {
  return priority * 1e13 + arrivedMs;
}
