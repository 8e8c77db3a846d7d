import type { AppDeps } from '../app/deps.ts';
import type { CallControl, SuspendedRef } from '../engine/kamailio/call-control.ts';
import { allSeatsLive, transitionSeat } from '../seats/state/store.ts';
import type { CallState } from './machine.ts';
import { findEndedCall, getLiveCall, retireLiveCall, type LiveCall } from './store.ts';

const isOver = (state: CallState): boolean => state === 'abandoned' || state === 'ended';

/**
 * A call the control plane has already ended (the caller's CANCEL, a decision, a restart's reconciliation) that
 * Kamailio still holds, re-sent after a reconnect (`call.new` with sync) or back from an offer (`offer.failed`): it is
 * ended in Kamailio too (`end`: 487 to the caller, queue entry cleared, never failed open), never queued again, never
 * counted twice. Returns whether it was such a call.
 */
export async function endInEngineIfEnded(deps: AppDeps, control: CallControl, ref: SuspendedRef, live?: LiveCall): Promise<boolean> {
  // a retired call's hash stays in Redis for an hour with its final state; without it, PostgreSQL has the record
  const ended = live ? (isOver(live.state) ? { id: live.id, state: live.state } : undefined) : await findEndedCall(deps, ref.sipCallId);
  if (!ended) return false;
  deps.log.warn({ call: ref.sipCallId, id: ended.id, state: ended.state }, 'Kamailio still holds a call that has ended: ending it there');
  control.end(ref);
  return true;
}

/**
 * Kamailio answered the caller's INVITE itself (`invite.ended`): the call is over there, whatever raced it. An offer
 * the control plane made meanwhile never left (Kamailio refuses to relay an ended transaction), so a seat still
 * reserved for this call is freed at once, not after the stale-reservation tick; a call already recorded as ended
 * leaves the live set again (an offer written over it re-adds it). Idempotent: every path may report it.
 */
export async function onInviteEnded(deps: AppDeps, control: CallControl, sipCallId: string): Promise<void> {
  control.confirmed(sipCallId);
  const call = await getLiveCall(deps.redis, sipCallId);
  if (!call) return;
  for (const seat of await allSeatsLive(deps.redis)) {
    if (seat.state !== 'reserved' || seat.call !== sipCallId) continue;
    deps.log.warn({ call: sipCallId, seat: seat.seatId }, 'seat reserved for a call Kamailio has ended: released');
    await transitionSeat(deps, seat.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
  }
  if (await findEndedCall(deps, sipCallId)) await retireLiveCall(deps.redis, sipCallId);
}
