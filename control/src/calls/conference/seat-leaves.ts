/**
 * The dispatcher leaves a three-way call (docs/mixer.md "The dispatcher leaves"): the caller and the other parties
 * (110, the doctor, the county centre) stay in the room and keep talking; the dispatcher's seat goes to wrap-up.
 *
 * Checked before anything is sent: the call talking and the person's, its anchor `anchored` (anchor-machine.ts:
 * anchored -> seat_left), another party than the caller in the room (else CTI_CONFERENCE_CALLER_ALONE: the caller
 * would be left with nobody). Then, in this order:
 * 1. Kamailio's htable asl gets the Call-ID (JSON-RPC; if Kamailio refuses, nothing has changed): from now on the
 *    seat's BYE and ACKs are answered by Kamailio and never reach the caller's gateway, and the caller's BYE is
 *    answered there and reported as the call's BYE (route SEAT_LEFT). The seat's phone hangs up (the page does it
 *    on this answer); a page that closed instead leaves a seat phone with a dead dialog, which no one hears.
 * 2. The seat's participant leaves the room (legs.ts leave, reason `left`: call.party_left.v1); its side of the
 *    call's rtpengine call stays until the call's end deletes it (it carries nothing once the phone hung up).
 * 3. The live call is marked `seatLeft` (its end later does not touch the seat), the seat's call leg ends, the seat
 *    goes to wrap-up (or ready), an audit row `call.three_way_left`.
 * The call record stays one: the caller's leg, the seat's leg (ended now), the room's legs.
 */
import { recordAudit, type AuditEntry, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { seatWrapUp } from '../flow/ended.ts';
import { assertMayControl, talkingCall, type TalkingCall } from '../media/session.ts';
import { getLiveCall, saveLiveCall } from '../store.ts';
import { anchorTransition } from './anchor-machine.ts';
import { leave, type LegEnv } from './legs.ts';
import { openRoomOrThrow } from './rooms.ts';
import type { Participant } from './store.ts';

/** Kamailio's table of calls whose seat left their three-way (engine/kamailio/kamailio.cfg.tpl, route SEAT_LEFT). */
const SEAT_LEFT = 'asl';

/** The parties other than the call's own caller and seat that are (or are being) in the room. */
export const outsideParties = (parts: Participant[]) => parts.filter((p) => !p.anchored && p.state !== 'left');
export const inRoom = (parts: Participant[]) => parts.filter((p) => p.state === 'joined' || p.state === 'muted');

export interface SeatLeft { call_id: string; room_id: string; state: 'seat_left'; parties: { participant_id: string; party: string | null }[] }

export async function seatLeaves(env: LegEnv, change: Change, callId: string): Promise<SeatLeft> {
  const call = await talkingCall(env.deps, callId);
  await assertMayControl(env.deps, change.actor, call);
  return leaveRoom(env, change, call);
}

/**
 * The same, the person's right to act already checked (or the control plane acting: a consultation's deadline).
 * `callerAlone`: the caller may stay with nobody (held, and waiting in the queue again: consult/requeue.ts).
 */
export async function leaveRoom(env: LegEnv, change: { actor: AuditEntry['actor']; ip: string | null }, call: TalkingCall, opts: { callerAlone?: boolean } = {}): Promise<SeatLeft> {
  const { deps } = env;
  const callId = call.id;
  const a = await env.store.anchor(call.sipCallId);
  if (!a) throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { call_id: callId, entity: 'anchor', from: 'none', to: 'seat_left' });
  anchorTransition(a.state, 'seat_left', a.call_id);
  const room = await openRoomOrThrow(env, a.room_id);
  const parts = await env.store.participants(room.room_id);
  const seat = parts.find((p) => p.anchored === 'seat');
  const others = inRoom(outsideParties(parts));
  if (others.length === 0 && !opts.callerAlone) throw new CtiError('CTI_CONFERENCE_CALLER_ALONE', { call_id: callId, room_id: room.room_id });
  const live = await getLiveCall(deps.redis, call.sipCallId);
  if (!live || live.state !== 'talking') throw new CtiError('CTI_CALL_NOT_TALKING', { call_id: callId, state: live?.state ?? 'gone' });

  await env.rpc.call('htable.sets', [SEAT_LEFT, call.sipCallId, '1']);
  a.state = 'seat_left';
  await env.store.putAnchor(a);
  await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, seatLeft: true });
  if (seat) await leave(env, seat, 'left');
  const now = new Date();
  await deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND kind = 'seat' AND ended_at IS NULL`;
  if (live.answeredSeatId) await seatWrapUp(deps, () => env.kick?.(), live.answeredSeatId, live.queueId, now);
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: 'call.three_way_left', target_type: 'call', target_id: call.id,
    before: { anchor: 'anchored', seat_id: live.answeredSeatId }, after: { anchor: 'seat_left', room_id: room.room_id, parties: others.map((p) => p.party) },
  });
  deps.log.info({ call_id: call.id, room_id: room.room_id, seat_id: live.answeredSeatId }, 'the dispatcher left the three-way; the caller talks on');
  return { call_id: call.id, room_id: room.room_id, state: 'seat_left', parties: others.map((p) => ({ participant_id: p.participant_id, party: p.party })) };
}
