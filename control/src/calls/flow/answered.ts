/**
 * A seat answered (one seat, a ring_all fork, or the ring-all group after a fail-open): the seat is talking,
 * the offer row and the seat's leg are written, the call is talking.
 */
import { seatIdForSipUser, seatKey, transitionSeat } from '../../seats/state/store.ts';
import { getLiveCall, saveLiveCall, transitionCall } from '../store.ts';
import { answeringSeat } from './answering-seat.ts';
import type { FlowContext } from './context.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

export async function onAnswered(f: FlowContext, callId: string, seatUser: string, contact: string, attempt: number, at = new Date()): Promise<void> {
  const call = await getLiveCall(f.deps.redis, callId);
  // abandoned: the caller's CANCEL crossed this 200 (RFC 3261 9.1); the caller's BYE follows, the seat stays free
  if (!call || call.state === 'talking' || call.state === 'abandoned' || call.state === 'ended') return;
  await f.media?.end(call, true); // Kamailio stopped the prompts at the 200 already; this ends the program
  const now = at; // the time Kamailio kept when the answer came while we were away (sync.ts)
  let named = call.seatId;
  if (seatUser === 'ringall' || !named) {
    const user = seatUser !== 'ringall' ? seatUser : await f.registrations.sipUserByContact(contact);
    named = user ? (await seatIdForSipUser(f.deps, user)) ?? null : null;
  }
  // a call offered to one seat that the sync records by its dialog: that offer's seat and row (flow/answering-seat.ts)
  const { seatId, attempt: offerAttempt } = answeringSeat(call, seatUser, named, attempt);
  attempt = offerAttempt;
  if (seatId) {
    await transitionSeat(f.deps, seatId, 'talking', { reason: null, set: { call: callId } });
    await f.deps.redis.multi().hincrby(seatKey(seatId), 'calls_today', 1).hset(seatKey(seatId), 'calls_day', now.toISOString().slice(0, 10), 'missed', '0').exec();
  }
  const offered = call.offeredMs || now.getTime();
  if (attempt > 0) {
    await writeFacts(f.deps, call.id, fact`UPDATE call_offers SET answered_at = ${now}, ended_at = ${now}, outcome = 'answered', sip_status = 200
      WHERE call_id = ${call.id} AND attempt = ${attempt} AND (${seatId}::text IS NULL OR seat_id = ${seatId})`);
  }
  if (seatId) await writeFacts(f.deps, call.id, fact`INSERT INTO call_legs (call_id, kind, party, started_at) VALUES (${call.id}, 'seat', ${seatId}, ${now})`);
  await saveLiveCall(f.deps.redis, { sipCallId: callId, answeredSeatId: seatId, answeredMs: now.getTime() });
  await transitionCall(f.deps, call, 'talking', { answered_at: now, answered_seat_id: seatId },
    { type: 'call.answered.v1', data: { call_id: call.id, seat_id: seatId ?? 'unknown', attempt, queue_ms: now.getTime() - call.queuedMs, ring_ms: now.getTime() - offered, answer_ms: now.getTime() - call.arrivedMs } }, now);
}
