/**
 * The seat's page is gone for good (machine.ts afterGrace): the caller of a two-party call (or one alone with that
 * seat in a room) goes back to its place in the queue, as a caller left alone in a room does
 * (conference/caller-requeue.ts): its side of the call's rtpengine call is paired with a room of its own (the same
 * re-offer as a three-way's anchoring, port kept, nothing sent to its gateway), the seat leaves the room
 * (conference/seat-leaves.ts: Kamailio answers the dead seat's dialog from now on, the seat's leg ends), the caller
 * hears the hold audio and waits at its original priority and arrival; the next ready seat is dialled into the room.
 */
import { closeRoom, type LegEnv } from '../conference/legs.ts';
import { callerIntoRoom } from '../conference/anchor.ts';
import { playHoldToCaller } from '../conference/caller-hold.ts';
import { requeueRoomCaller } from '../conference/caller-requeue.ts';
import { destroyRoom, openRoom } from '../conference/rooms.ts';
import { leaveRoom } from '../conference/seat-leaves.ts';
import type { Anchor, Room } from '../conference/store.ts';
import type { TalkingCall } from '../media/session.ts';

export const SYSTEM = { actor: { id: null, username: 'system' }, ip: null };
const NO_DIAL: Anchor['dial'] = { number: '', gateway_uri: '', presented: '', name: '', destination_id: '' };

/** The codec the caller's re-offer names (callerSdp takes it from the seat's SDP): A-law, the E1 gateways' codec. */
const SEAT_STAND_IN = ['v=0', 'o=- 0 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', ''].join('\r\n');

/** The caller alone in a room of its own (an anchor `anchored` with no seat participant); undone on failure. */
async function callerAloneInRoom(env: LegEnv, call: TalkingCall, seatTag: string | undefined): Promise<Anchor> {
  const current = await env.store.anchor(call.sipCallId);
  if (current?.state === 'anchored') return current; // caller and seat in the room already (after a three-way)
  if (current) { // a three-way or consultation being set up when the page went: given up
    await env.store.dropAnchor(call.sipCallId);
    const old = await env.store.room(current.room_id);
    if (old) await closeRoom(env, old, 'room_closed');
  }
  if (!env.janus.up) throw env.janus.unavailable();
  let room: Room | undefined;
  try {
    room = await openRoom(env, call.id);
    const a: Anchor = {
      call_id: call.id, sip_call_id: call.sipCallId, room_id: room.room_id, state: 'anchored', caller_tag: call.callerTag, token: '', dial: NO_DIAL,
      requested_by: 'system', ...(seatTag ? { seat_tag: seatTag } : {}),
    };
    await env.store.putAnchor(a);
    await callerIntoRoom(env, a, room, SEAT_STAND_IN);
    await env.store.putAnchor(a);
    return a;
  } catch (err) {
    await env.store.dropAnchor(call.sipCallId);
    if (room) await destroyRoom(env, room).catch(() => undefined);
    throw err;
  }
}

/** Throws (nothing of the seat's side changed) when the caller cannot be moved: the watch keeps the hold audio on. */
export async function callerBackToQueue(env: LegEnv, call: TalkingCall, seatTag: string | undefined): Promise<void> {
  const a = await callerAloneInRoom(env, call, seatTag);
  await leaveRoom(env, SYSTEM, call, { callerAlone: true });
  const left = (await env.store.anchor(call.sipCallId)) ?? a;
  // the hold audio again, now that the caller's side is paired with the room (the room's silence blocked)
  await env.ng.stopMedia?.({ callId: call.sipCallId, fromTag: call.callerTag }).catch(() => undefined);
  await playHoldToCaller(env, left).catch((err: unknown) => env.deps.log.error({ err: String(err), call_id: call.id }, 'hold audio for the requeued caller failed'));
  await requeueRoomCaller(env, left);
}
