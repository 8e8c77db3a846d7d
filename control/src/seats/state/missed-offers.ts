/**
 * A seat that did not take an offered call (no answer, rejected, unreachable, failed). Its `missed` counter
 * (the seat's Redis hash; an answer resets it) counts misses in a row; the queue's `missed_offers_not_ready`
 * (queues/acd-settings.ts, default 1) is how many it may miss before it is made not ready:
 *
 *   missed < N, phone reachable  -> ready again (this call is offered to another seat first: acd/candidates.ts)
 *   missed < N, unreachable      -> not_ready 'unreachable' (its phone is gone; ringing it again is pointless)
 *   missed >= N, N = 1           -> not_ready with the offer's reason ('no_answer', 'rejected', ...), as before
 *   missed >= N, N > 1           -> not_ready 'missed_offers' and the warning alarm seat_missed_offers,
 *                                   cleared when the seat is made ready again (store.ts transitionSeat)
 */
import type { AppDeps } from '../../app/deps.ts';
import { SEAT_ALARMS } from '../../alarms/alarm.ts';
import { raiseAlarm } from '../../alarms/service.ts';
import type { OfferFailReason } from '../../events/schema.ts';
import { seatKey, transitionSeat } from './store.ts';

export interface MissedOfferOutcome {
  state: 'ready' | 'not_ready';
  reason: string | null;
  alarm: boolean;
}

/** What a miss does to the seat (pure). `missed` counts this miss too. */
export function missedOfferOutcome(missed: number, threshold: number, reason: OfferFailReason): MissedOfferOutcome {
  if (missed >= threshold) {
    if (threshold <= 1) return { state: 'not_ready', reason: reason === 'failed' ? 'offer_failed' : reason, alarm: false };
    return { state: 'not_ready', reason: 'missed_offers', alarm: true };
  }
  if (reason === 'unreachable') return { state: 'not_ready', reason: 'unreachable', alarm: false };
  return { state: 'ready', reason: null, alarm: false };
}

/** The hash field that says this seat's seat_missed_offers alarm is open (so making it ready clears it). */
export const MISSED_ALARM_FIELD = 'missed_alarm';

export async function seatMissedOffer(
  deps: AppDeps, seatId: string, call: { id: string; sipCallId: string; queueId: string }, reason: OfferFailReason, threshold: number,
): Promise<MissedOfferOutcome> {
  const missed = await deps.redis.hincrby(seatKey(seatId), 'missed', 1);
  const outcome = missedOfferOutcome(missed, threshold, reason);
  const set = { call: '', missed_call: call.sipCallId };
  const moved = await transitionSeat(deps, seatId, outcome.state, { from: ['reserved'], reason: outcome.reason, set });
  if (moved.ok && outcome.alarm) {
    await deps.redis.hset(seatKey(seatId), MISSED_ALARM_FIELD, '1');
    await raiseAlarm(deps, {
      type: SEAT_ALARMS.missedOffers, level: 'warning', subject: seatId,
      details: { missed_in_a_row: missed, threshold, queue_id: call.queueId, last_call_id: call.id, last_reason: reason },
    }).catch((err) => deps.log.error({ err: String(err), seat_id: seatId }, 'seat_missed_offers alarm not raised'));
  }
  return outcome;
}
