/**
 * A three-way call's anchoring (docs/mixer.md "Three-way calls"): a talking call's caller and seat moved into the
 * call's conference room so that a third party can be dialled in, as a transition table; `anchorTransition()`
 * refuses an illegal move with CTI_CONFERENCE_ILLEGAL_TRANSITION before anything is sent to rtpengine, Janus or
 * Kamailio.
 *
 *   requested --seat_joined--> seat_in_room --caller_joined--> anchored --call_ended--> ended
 *   requested | seat_in_room --failed--> failed        requested --expired (no re-INVITE from the seat)--> failed
 *   anchored --seat_left (the dispatcher left; the caller talks on with the others: seat-leaves.ts)--> seat_left --call_ended--> ended
 */
import { CtiError } from '../../errors/catalogue.ts';

export type AnchorState = 'requested' | 'seat_in_room' | 'anchored' | 'seat_left' | 'failed' | 'ended';

const ANCHOR_MOVES: Record<AnchorState, readonly AnchorState[]> = {
  requested: ['seat_in_room', 'failed'],
  seat_in_room: ['anchored', 'failed'],
  anchored: ['seat_left', 'ended'],
  seat_left: ['ended'],
  failed: [],
  ended: [],
};

export function anchorTransition(from: AnchorState, to: AnchorState, callId: string): AnchorState {
  if (!ANCHOR_MOVES[from].includes(to)) throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { call_id: callId, entity: 'anchor', from, to });
  return to;
}

/** A call may be anchored once at a time: a new three-way only when none is in flight or live. */
export function mayStartAnchor(current: AnchorState | undefined): boolean {
  return current === undefined || current === 'failed' || current === 'ended';
}
