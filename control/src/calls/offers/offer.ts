/**
 * Offering a queued call to one seat: the seat is reserved (ready -> reserved), the call leaves the queue
 * and is offering, and Kamailio relays the suspended INVITE to the seat (evapi `offer`). The facts (the
 * call_offers row, call.offering.v1) are written in the call's chain, so Kamailio's answer is handled after
 * them; the answer or the failure comes back through the flow.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import { dequeue } from '../../acd/queue.ts';
import type { SeatCandidate } from '../../acd/selector.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { assertCallTransition } from '../machine.ts';
import { getLiveCall, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

/** False when the seat was not ready any more (nothing was sent). */
export async function offerToSeat(
  deps: AppDeps, control: CallControl, serial: PerKeySerializer, call: LiveCall, seat: SeatCandidate, ringTimeoutS: number,
): Promise<boolean> {
  assertCallTransition(call.id, call.state, 'offering');
  const reserved = await transitionSeat(deps, seat.seatId, 'reserved', { from: ['ready'], reason: null, set: { call: call.sipCallId }, factsInBackground: true });
  if (!reserved.ok) return false;
  await dequeue(deps.redis, call.queueId, call.sipCallId);
  const attempt = call.attempt + 1;
  const now = new Date();
  await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, state: 'offering', attempt, seatId: seat.seatId, offeredMs: now.getTime() });
  // the facts go into the call's chain before the offer leaves, so Kamailio's answer is handled after them
  const facts = serial.run(call.sipCallId, async () => {
    await writeFacts(deps, call.id, fact`INSERT INTO call_offers (call_id, attempt, seat_id, offered_at) VALUES (${call.id}, ${attempt}, ${seat.seatId}, ${now})`);
    const current = await getLiveCall(deps.redis, call.sipCallId);
    if (current?.state !== 'offering' || current.attempt !== attempt) return; // the caller left meanwhile: that is recorded instead
    await transitionCall(deps, call, 'offering', attempt === 1 ? { first_offered_at: now } : {},
      { type: 'call.offering.v1', data: { call_id: call.id, seat_id: seat.seatId, attempt, queue_ms: now.getTime() - call.queuedMs } }, now, { liveAlreadySet: true });
  });
  control.offer(call, seat.sipUser, ringTimeoutS * 1000, attempt);
  // not awaited: the pass goes on to the next call while this one's facts are written in its own chain (waiting
  // here made every decision wait for the previous call's PostgreSQL writes: stack-cps, bench/README.md)
  void facts.catch((err) => deps.log.error({ err: String(err), call: call.sipCallId }, 'offer facts not recorded'));
  return true;
}
