/**
 * After a party left a three-way whose dispatcher had left (seat-leaves.ts): the room keeps going while two parties
 * are in it. The last one is never left with silence on an open line:
 * - the caller hung up: the call's BYE closes the room and the last party gets a BYE (anchor.ts onCallEnded);
 * - only the caller is left (110 or the doctor hung up): the caller hears the hold audio at once (rtpengine plays it
 *   on the caller's side of the call, as hold does; the room's silence is blocked) and stays in the room, where a
 *   dispatcher can join them with an invitation (POST /v1/conferences/{room}/invitations). Not built yet: putting
 *   the caller back at the head of the original queue (docs/mixer.md "Next"): an answered call has no suspended
 *   INVITE for the distributor to offer, so that needs the seat dialled into the room by the control plane.
 */
import { outsideParties } from './seat-leaves.ts';
import type { LegEnv } from './legs.ts';
import { playHoldToCaller } from './caller-hold.ts';

export async function afterPartyLeft(env: LegEnv, roomId: string): Promise<void> {
  const room = await env.store.room(roomId);
  if (!room) return;
  const parts = await env.store.participants(roomId);
  const caller = parts.find((p) => p.anchored === 'caller');
  if (!caller || outsideParties(parts).length > 0) return;
  const a = await env.store.anchor(caller.dialog.call_id);
  if (a?.state !== 'seat_left') return;
  env.deps.log.error({ call_id: a.call_id, room_id: roomId }, 'three-way: the caller is the last party left; they hear the hold audio until a dispatcher joins the room');
  try {
    await playHoldToCaller(env, a);
  } catch (err) {
    env.deps.log.error({ err: String(err), call_id: a.call_id }, 'hold audio for the caller left alone failed');
  }
}
