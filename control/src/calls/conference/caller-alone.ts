/**
 * After a party left a three-way whose dispatcher had left (seat-leaves.ts): the room keeps going while two parties
 * are in it. The last one is never left with silence on an open line:
 * - the caller hung up: the call's BYE closes the room and the last party gets a BYE (anchor.ts onCallEnded);
 * - only the caller is left (110 or the doctor hung up): the caller hears the hold audio at once (rtpengine plays it
 *   on the caller's side of the call, as hold does; the room's silence is blocked), stays in the room, and waits in
 *   the call's original queue again at its old place (caller-requeue.ts): the next ready seat is dialled into the
 *   room. A dispatcher can also join them with an invitation (POST /v1/conferences/{room}/invitations);
 * - the seat dialled in for such a caller hung up: the call ends (caller-requeue.ts roomSeatHungUp).
 */
import { outsideParties } from './seat-leaves.ts';
import type { LegEnv } from './legs.ts';
import { playHoldToCaller } from './caller-hold.ts';
import { requeueRoomCaller, roomSeatHungUp } from './caller-requeue.ts';
import type { Participant } from './store.ts';

export async function afterPartyLeft(env: LegEnv, roomId: string, left?: Participant): Promise<void> {
  if (left?.seat) return roomSeatHungUp(env, left);
  const room = await env.store.room(roomId);
  if (!room) return;
  const parts = await env.store.participants(roomId);
  const caller = parts.find((p) => p.anchored === 'caller');
  if (!caller || outsideParties(parts).length > 0) return;
  const a = await env.store.anchor(caller.dialog.call_id);
  if (a?.state !== 'seat_left') return;
  env.deps.log.error({ call_id: a.call_id, room_id: roomId }, 'three-way: the caller is the last party left; they hear the hold audio and wait in the queue again');
  try {
    await playHoldToCaller(env, a);
  } catch (err) {
    env.deps.log.error({ err: String(err), call_id: a.call_id }, 'hold audio for the caller left alone failed');
  }
  await requeueRoomCaller(env, a);
}
