/**
 * Which seat answered, and which offer gets the outcome, when the answer's seat is not named: the sync records a
 * confirmed dialog as 'ringall', by the dialog's Contact. A call the sync finds offered to one seat was answered by that
 * offer's branch, unless the Contact names another seat (Kamailio failed it open meanwhile). Taken for a ring-all answer
 * with no seat, that seat stayed reserved for 150 s and the queue behind it was blocked (issue 13: after a Redis
 * outage an offer crossed the sync; the offer's own offer.answered, a moment later, found the call talking already and
 * the offer's row never got its outcome). Pure.
 */
import type { LiveCall } from '../store.ts';

export function answeringSeat(
  call: Pick<LiveCall, 'state' | 'seatId' | 'attempt'>, seatUser: string, named: string | null, attempt: number,
): { seatId: string | null; attempt: number } {
  const offer = call.state === 'offering' && call.seatId ? { seatId: call.seatId, attempt: call.attempt } : undefined;
  const seatId = named ?? (seatUser === 'ringall' && offer ? offer.seatId : null);
  return { seatId, attempt: attempt === 0 && offer && offer.seatId === seatId ? offer.attempt : attempt };
}
