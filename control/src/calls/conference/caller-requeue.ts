/**
 * No caller left alone on hold for ever (issue 14 "Bad input and faults"; docs/mixer.md "Back to the queue"): the
 * caller of an answered call alone in its room (the dispatcher left, the last other party hung up: caller-alone.ts)
 * waits again in the call's original queue, at the place its priority and its first arrival give it (the score it
 * had when it arrived), hearing the hold audio meanwhile (caller-hold.ts). The distributor offers it like any waiting
 * call (calls/distribution/distributor.ts), but an answered call has no suspended INVITE to relay: the offer is the
 * chosen seat dialled into the room (dial.ts: Kamailio's INVITE to the seat's registered contact, the caller's number
 * presented), ringing for the queue's ring timeout.
 * - The seat answers: the caller is released (hold audio stopped, the room unblocked and unmuted) and talks with it;
 *   the seat is talking, the call's answering seat is the new one (its wrap-up follows the call's end as usual).
 * - It refuses or does not answer: the seat judged as for any missed offer (seats/state/missed-offers.ts: ready again,
 *   or not ready), the caller back at its place, the next pass offers again.
 * - The seat dialled in hangs up: the call ends as if a seat hung up a two-party call (Kamailio's dialog module sends
 *   the caller its BYE; the call flow ends the record and the seat goes to wrap-up).
 * Audited (`call.room_requeued`, `call.room_offered`, `call.room_answered`, actor system); the seat's joining and
 * leaving are `call.party_joined.v1` / `call.party_left.v1` on the call's timeline.
 */
import { dequeue, enqueue } from '../../acd/queue.ts';
import type { SeatCandidate } from '../../acd/selector.ts';
import { recordAudit } from '../../audit/record.ts';
import { acdSettingsOf } from '../../queues/acd-settings.ts';
import { queueSettings } from '../../queues/routing.ts';
import { seatMissedOffer } from '../../seats/state/missed-offers.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { offerFailReason } from '../machine.ts';
import { getLiveCall, saveLiveCall, setAnsweringSeat, type LiveCall } from '../store.ts';
import { releaseCallerInRoom } from './caller-hold.ts';
import { dialParty } from './dial.ts';
import type { LegEnv } from './legs.ts';
import type { Anchor, Participant } from './store.ts';

const SYSTEM = { id: null, username: 'system' };
/** Kamailio's table of calls whose seat left their three-way (seat-leaves.ts, route SEAT_LEFT). */
const SEAT_LEFT = 'asl';

async function audit(env: LegEnv, callId: string, action: string, after: Record<string, unknown>): Promise<void> {
  await recordAudit(env.deps.sql, { actor: SYSTEM, ip: null, action, target_type: 'call', target_id: callId, before: null, after });
}

/** The caller waits in the queue again, at its old place (same priority, same arrival time); false: no live call. */
export async function requeueRoomCaller(env: LegEnv, a: Anchor): Promise<boolean> {
  const live = await getLiveCall(env.deps.redis, a.sip_call_id);
  if (!live || live.state !== 'talking') return false;
  await saveLiveCall(env.deps.redis, { sipCallId: a.sip_call_id, roomWait: a.room_id, seatId: null });
  await enqueue(env.deps.redis, live.queueId, a.sip_call_id, live.priority, live.arrivedMs);
  await audit(env, a.call_id, 'call.room_requeued', {
    room_id: a.room_id, queue_id: live.queueId, priority: live.priority, arrived_at: new Date(live.arrivedMs).toISOString(),
  });
  env.deps.log.warn({ call_id: a.call_id, room_id: a.room_id, queue: live.queueId }, 'the caller alone in the room waits in the queue again, at its old place');
  env.kick?.();
  return true;
}

/** A seat's registered bindings as usrloc has them now: the contact URI and the source it registered from. */
export async function seatBindings(env: LegEnv, sipUser: string): Promise<{ uri: string; received: string }[]> {
  const r = await env.rpc.call<{ Contacts?: { Contact?: { Address?: string; Received?: string } }[] }>('ul.lookup', ['location', sipUser]).catch(() => undefined);
  return (r?.Contacts ?? []).map((c) => ({ uri: c.Contact?.Address ?? '', received: c.Contact?.Received ?? '' })).filter((b) => b.uri !== '');
}

/** A seat's registered contacts as usrloc has them now (none: its phone or its page is gone). */
export async function seatContacts(env: LegEnv, sipUser: string): Promise<string[]> {
  return (await seatBindings(env, sipUser)).map((b) => b.uri);
}

/** host:port of a SIP URI (the INVITE's next hop; its BYE's too). */
const hostPort = (uri: string) => uri.replace(/^sips?:([^@]*@)?/, '').split(/[;?>]/)[0]!;

/**
 * The contact a seat is dialled at: a desk phone's UDP contact. Undefined for a browser: Kamailio 5.6's tm ACKs the
 * 2xx of its own INVITE with the INVITE's Via branch, which SIP.js 0.21 discards ("out of dialog ACK"), so the page
 * would wait for an ACK, hold back its BYE and end the call after 64*T1 (tried: docs/consoles.md "Page closed
 * mid-call"). The distributor then picks another seat (distributor.ts, offerInRoom).
 */
async function seatContact(env: LegEnv, sipUser: string): Promise<string | undefined> {
  return (await seatContacts(env, sipUser)).find((uri) => /^sip:/.test(uri) && !/transport=(ws|wss|tcp|tls)/i.test(uri));
}

/**
 * The distributor's offer of a caller waiting in a room: the seat reserved, the call out of the queue, the seat
 * dialled into the room. False when the seat was not ready any more or cannot be dialled (nothing sent). A failure to dial puts the caller
 * back at its place and the seat back to ready.
 */
export async function offerRoomCaller(env: LegEnv, call: LiveCall, seat: SeatCandidate, ringTimeoutS: number): Promise<boolean> {
  const { deps } = env;
  // a seat we cannot dial (a browser: seatContact) is passed over before anything changes; another is picked
  const contact = await seatContact(env, seat.sipUser);
  if (!contact) {
    deps.log.info({ call_id: call.id, seat: seat.seatId }, 'waiting caller in a room: the seat has no desk-phone contact to dial; passed over');
    return false;
  }
  const reserved = await transitionSeat(deps, seat.seatId, 'reserved', { from: ['ready'], reason: null, set: { call: call.sipCallId } });
  if (!reserved.ok) return false;
  await dequeue(deps.redis, call.queueId, call.sipCallId);
  const room = call.roomWait ? await env.store.room(call.roomWait) : undefined;
  try {
    if (!room) throw new Error('the room is gone');
    await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, seatId: seat.seatId });
    const p = await dialParty(env, room, {
      target: contact, src: hostPort(contact), party: seat.sipUser, presented: call.callerNumber || 'anonymous', display: seat.sipUser,
      seat: { seat_id: seat.seatId, sip_call_id: call.sipCallId }, giveUpMs: ringTimeoutS * 1000,
    });
    await audit(env, call.id, 'call.room_offered', { room_id: room.room_id, seat_id: seat.seatId, participant_id: p.participant_id });
  } catch (err) {
    // judged as an offer that could not reach the seat (its page gone, its connection dead): not offered again at once
    deps.log.error({ err: String(err), call_id: call.id, seat: seat.seatId }, 'dialling a seat into the waiting caller\'s room failed');
    const { missedOffersNotReady } = acdSettingsOf((await queueSettings(deps, call.queueId)).settings);
    await seatMissedOffer(deps, seat.seatId, call, 'unreachable', missedOffersNotReady);
    await transitionSeat(deps, seat.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } }); // not judged above: freed
    if (room) await enqueue(deps.redis, call.queueId, call.sipCallId, call.priority, call.arrivedMs);
  }
  return true;
}

/** The seat dialled in answered (the caller released, they talk) or did not (the caller back at its place). */
export async function onRoomSeatSettled(env: LegEnv, p: Participant, code: number): Promise<void> {
  if (!p.seat) return;
  const { deps } = env;
  const { seat_id: seatId, sip_call_id: sipCallId } = p.seat;
  const live = await getLiveCall(deps.redis, sipCallId);
  const a = await env.store.anchor(sipCallId);
  if (code >= 300 && live) {
    const { missedOffersNotReady } = acdSettingsOf((await queueSettings(deps, live.queueId)).settings);
    await seatMissedOffer(deps, seatId, live, offerFailReason(code), missedOffersNotReady);
  }
  if (code >= 300 || !live || live.state !== 'talking' || !a) {
    await transitionSeat(deps, seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } }); // not judged above: freed
    if (live?.state === 'talking' && live.roomWait) {
      await saveLiveCall(deps.redis, { sipCallId, seatId: null });
      await enqueue(deps.redis, live.queueId, sipCallId, live.priority, live.arrivedMs);
    }
    env.kick?.();
    return;
  }
  await releaseCallerInRoom(env, a);
  await transitionSeat(deps, seatId, 'talking', { from: ['reserved'], reason: null, set: { call: sipCallId, missed: '0' } });
  // the new seat is the call's answering seat: the call's end (either side) puts it to wrap-up (flow/ended.ts)
  await saveLiveCall(deps.redis, { sipCallId, roomWait: '', seatId, answeredSeatId: seatId, seatLeft: false });
  await setAnsweringSeat(deps, live.id, seatId);
  await audit(env, live.id, 'call.room_answered', { room_id: a.room_id, seat_id: seatId, participant_id: p.participant_id });
  deps.log.info({ call_id: live.id, seat: seatId, room_id: a.room_id }, 'the waiting caller talks with a dispatcher again');
}

/**
 * The seat dialled in hung up: the call ends as a two-party call would. Kamailio's dialog module sends the caller its
 * BYE (the dialog's CSeq is Kamailio's to keep: RFC 3261 12.2.1.1), the Call-ID leaves the table asl, and the call
 * flow ends the record (the seat to wrap-up) and the room closes (endCall).
 */
export async function roomSeatHungUp(env: LegEnv, p: Participant): Promise<void> {
  if (!p.seat) return;
  const a = await env.store.anchor(p.seat.sip_call_id);
  if (a) {
    await env.rpc.call('dlg.terminate_dlg', [a.sip_call_id, a.caller_tag, a.seat_tag ?? ''])
      .catch((err: unknown) => env.deps.log.error({ err: String(err), call_id: a.call_id }, 'ending the caller\'s dialog failed'));
  }
  await env.rpc.call('htable.delete', [SEAT_LEFT, p.seat.sip_call_id]).catch(() => undefined);
  env.endCall?.(p.seat.sip_call_id);
}
