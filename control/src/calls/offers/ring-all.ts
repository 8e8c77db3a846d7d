/**
 * ring_all as one offer to several seats: every seat is reserved, one call_offers row per seat (same
 * attempt), and Kamailio forks the INVITE to all of them (evapi `offer_many`). The first to answer takes
 * the call, tm cancels the others; those go back to ready (a ring-all miss is not a seat's fault, so never
 * not_ready, and they keep their idle time). If nobody answers, the call is re-suspended and goes back to
 * its place; every reserved seat is released.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import { dequeue } from '../../acd/queue.ts';
import type { SeatCandidate } from '../../acd/selector.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import type { OfferFailReason } from '../../events/schema.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { getCallExtras, setCallExtras } from '../extras.ts';
import { assertCallTransition } from '../machine.ts';
import { getLiveCall, logCallEvent, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

/**
 * Reserves the seats that are still ready and offers the call to all of them. `contacts` is what the
 * fork costs in branches (one per registered contact). False when no seat could be reserved.
 */
export async function offerToMany(
  deps: AppDeps, control: CallControl, serial: PerKeySerializer, call: LiveCall, seats: readonly SeatCandidate[], contacts: number, ringTimeoutS: number,
): Promise<boolean> {
  assertCallTransition(call.id, call.state, 'offering');
  const reserved: SeatCandidate[] = [];
  for (const s of seats) {
    const r = await transitionSeat(deps, s.seatId, 'reserved', { from: ['ready'], reason: null, set: { call: call.sipCallId }, factsInBackground: true });
    if (r.ok) reserved.push(s);
  }
  if (reserved.length === 0) return false;
  await dequeue(deps.redis, call.queueId, call.sipCallId);
  const attempt = call.attempt + 1;
  const now = new Date();
  const ids = reserved.map((s) => s.seatId);
  const extras = await getCallExtras(deps.redis, call.sipCallId);
  await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, state: 'offering', attempt, seatId: null, offeredMs: now.getTime() });
  await setCallExtras(deps.redis, call.sipCallId, { ringSeats: ids, extraBranches: extras.extraBranches + Math.max(0, contacts - 1) });
  const facts = serial.run(call.sipCallId, async () => {
    const rows = ids.map((seatId) => ({ call_id: call.id, attempt, seat_id: seatId, offered_at: now }));
    await writeFacts(deps, call.id, fact`INSERT INTO call_offers ${fact.rows(rows, 'call_id', 'attempt', 'seat_id', 'offered_at')}`);
    const current = await getLiveCall(deps.redis, call.sipCallId);
    if (current?.state !== 'offering' || current.attempt !== attempt) return; // the caller left meanwhile: that is recorded instead
    await transitionCall(deps, call, 'offering', attempt === 1 ? { first_offered_at: now } : {},
      { type: 'call.offering.v1', data: { call_id: call.id, seat_id: ids[0], attempt, queue_ms: now.getTime() - call.queuedMs, seats: ids } }, now, { liveAlreadySet: true });
  });
  control.offerMany(call, reserved.map((s) => s.sipUser), ringTimeoutS * 1000, attempt);
  void facts.catch((err) => deps.log.error({ err: String(err), call: call.sipCallId }, 'ring-all offer facts not recorded')); // as offer.ts
  return true;
}

async function releaseSeats(deps: AppDeps, seatIds: readonly string[]): Promise<void> {
  for (const seatId of seatIds) {
    await transitionSeat(deps, seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
  }
}

/** One seat answered: the others' rows end as cancelled (tm CANCELs them, 487) and those seats are ready again. */
export async function ringAllAnswered(deps: AppDeps, call: LiveCall, winnerSeatId: string | null, attempt: number): Promise<void> {
  const { ringSeats } = await getCallExtras(deps.redis, call.sipCallId);
  const others = ringSeats.filter((s) => s !== winnerSeatId);
  if (others.length > 0) {
    await writeFacts(deps, call.id, fact`UPDATE call_offers SET ended_at = ${new Date()}, outcome = 'cancelled', sip_status = 487
      WHERE call_id = ${call.id} AND attempt = ${attempt} AND seat_id = ANY(${others}::text[]) AND ended_at IS NULL`);
  }
  await setCallExtras(deps.redis, call.sipCallId, { ringSeats: [] });
  await releaseSeats(deps, others);
}

/** Nobody answered (or the fork failed): an offer_failed event per seat, every seat ready again (the rows: the flow's offer failure). */
export async function ringAllMissed(deps: AppDeps, call: LiveCall, attempt: number, reason: OfferFailReason, sipStatus: number): Promise<void> {
  const { ringSeats } = await getCallExtras(deps.redis, call.sipCallId);
  for (const seatId of ringSeats) {
    await logCallEvent(deps, call.id, 'call.offer_failed.v1', { call_id: call.id, seat_id: seatId, attempt, reason, sip_status: sipStatus });
  }
  await setCallExtras(deps.redis, call.sipCallId, { ringSeats: [] });
  await releaseSeats(deps, ringSeats);
}

/** The call left while the seats rang (caller hung up, or it failed open): rows end as `outcome`, seats ready. */
export async function ringAllAborted(deps: AppDeps, call: LiveCall, outcome: 'cancelled' | 'failed', sipStatus: number | null): Promise<void> {
  const { ringSeats } = await getCallExtras(deps.redis, call.sipCallId);
  if (ringSeats.length === 0) return;
  await writeFacts(deps, call.id, fact`UPDATE call_offers SET ended_at = ${new Date()}, outcome = ${outcome}, sip_status = ${sipStatus}
    WHERE call_id = ${call.id} AND attempt = ${call.attempt} AND ended_at IS NULL`);
  await setCallExtras(deps.redis, call.sipCallId, { ringSeats: [] });
  await releaseSeats(deps, ringSeats);
}

/** Whether `seatId` is one of the seats the call's ring_all offer is ringing (so it is not an orphan). */
export async function isRinging(deps: Pick<AppDeps, 'redis'>, sipCallId: string, seatId: string): Promise<boolean> {
  return (await getCallExtras(deps.redis, sipCallId)).ringSeats.includes(seatId);
}
