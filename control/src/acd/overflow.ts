/**
 * Which waiting calls of a queue overflow now (pure). A call is due when no member seat of the queue is
 * logged in and the queue says `when_no_seat`, or when it has waited `after_s` in this queue. A call never
 * goes to a target it has already tried (a centre that failed it, a queue it has been in): it stays.
 * calls/actions/overflow.ts carries the decision out.
 */
import type { OverflowReason } from '../events/schema.ts';
import { targetKey, type OverflowSettings } from '../queues/overflow.ts';

export interface WaitingCall {
  sipCallId: string;
  /** When the call entered this queue (ms). */
  enteredMs: number;
  /** targetKey()s the call must not go to again. */
  tried: readonly string[];
}

export interface DueOverflow {
  sipCallId: string;
  reason: OverflowReason;
  waitedMs: number;
}

export function dueForOverflow(o: OverflowSettings, calls: readonly WaitingCall[], staffedSeats: number, nowMs: number): DueOverflow[] {
  const key = targetKey(o.target);
  const out: DueOverflow[] = [];
  for (const c of calls) {
    if (c.tried.includes(key)) continue;
    const waitedMs = Math.max(0, nowMs - c.enteredMs);
    if (o.whenNoSeat && staffedSeats === 0) out.push({ sipCallId: c.sipCallId, reason: 'no_seat', waitedMs });
    else if (o.afterMs !== null && waitedMs >= o.afterMs) out.push({ sipCallId: c.sipCallId, reason: 'wait', waitedMs });
  }
  return out;
}

/** Member seats of the queue that are logged in (any state but logged_out). */
export function staffedSeats(seats: readonly { state: string; queues: readonly string[] }[], queueId: string): number {
  return seats.filter((s) => s.state !== 'logged_out' && s.queues.includes(queueId)).length;
}

/** The X-CTI-* values sent with a call relayed to another centre: tokens only, so nothing can break a header. */
export function overflowHeaderValues(call: { id: string; callerNumber: string; queuedMs: number; centreId: string; priority: number }, nowMs: number): Record<string, string> {
  const token = (s: string) => s.replace(/[^0-9A-Za-z+*#._-]/g, '').slice(0, 64);
  return {
    call_id: token(call.id),
    original_caller: token(call.callerNumber) || 'anonymous',
    queue_ms: String(Math.max(0, Math.round(nowMs - call.queuedMs))),
    origin_centre: token(call.centreId) || 'unknown',
    priority: String(call.priority),
  };
}
