/**
 * A seat reserved for a call that is already connected to another seat (or to none) or over: no outcome of an offer to
 * it will ever come, so it is released at the next tick instead of at the 150 s limit (seats/state/ticker.ts), which
 * kept a whole queue waiting behind one seat (issue 13: the sync recorded an offered call as a ring-all answer with no
 * seat, its offer's own answer was then ignored, the seat stayed reserved). Only calls whose live record says so: a
 * reservation for a call not (or no longer) in Redis is left to the 150 s limit and to the sync.
 */
import type { AppDeps } from '../../app/deps.ts';
import { allSeatsLive, transitionSeat, type SeatLive } from '../../seats/state/store.ts';
import { getLiveCall, type LiveCall } from '../store.ts';

/** A reservation younger than this is left alone (an offer being made writes the seat first, the call after). */
export const OUTLIVED_GRACE_MS = 5000;

/** Whether `seat`'s reservation can no longer get an outcome, given its call's live record. Pure. */
export function reservationOutlived(seat: Pick<SeatLive, 'seatId' | 'state' | 'sinceMs' | 'call'>, call: Pick<LiveCall, 'state' | 'answeredSeatId' | 'roomWait'> | undefined, nowMs: number): boolean {
  if (seat.state !== 'reserved' || !seat.call || !call || nowMs - seat.sinceMs < OUTLIVED_GRACE_MS) return false;
  if (call.roomWait) return false; // a talking call whose caller waits in a room: the seat is being dialled into it (calls/conference/caller-requeue.ts)
  return (call.state === 'talking' || call.state === 'ended' || call.state === 'abandoned') && call.answeredSeatId !== seat.seatId;
}

/** Releases every reservation that outlived its call's offer; how many. */
export async function releaseOutlivedReservations(deps: AppDeps, nowMs = Date.now()): Promise<number> {
  let n = 0;
  for (const seat of await allSeatsLive(deps.redis)) {
    if (seat.state !== 'reserved' || !seat.call) continue;
    const call = await getLiveCall(deps.redis, seat.call);
    if (!reservationOutlived(seat, call, nowMs)) continue;
    deps.log.warn({ seat: seat.seatId, call: seat.call, call_state: call?.state, answered_seat: call?.answeredSeatId }, 'seat reserved for a call already connected elsewhere or over: released');
    const r = await transitionSeat(deps, seat.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '', idle_since: nowMs } });
    if (r.ok) n += 1;
  }
  return n;
}
