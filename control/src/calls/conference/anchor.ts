/**
 * Three-way calls (docs/mixer.md "Three-way calls"): a dispatcher on a talking 120 call brings 110/119/122 or a
 * doctor onto the line. The caller's gateway is never re-INVITEd and keeps its rtpengine address and port:
 *
 * 1. `startThreeWay` (API): the call talking and the person's, the destination on the linkage directory (an
 *    outside number or a centre, with the trunk it goes out on), the mixer up, no three-way in flight; then the
 *    call's room, the anchor (requested) and a one-time anchor token in Kamailio (htable an, 120 s). The answer
 *    carries the token: the seat's phone sends a re-INVITE in its dialog with `X-CTI-Anchor: <token>`.
 * 2. `onAnchorInvite` (conf.anchor, that re-INVITE suspended in Kamailio): the seat's side of the call's own
 *    rtpengine call is paired with a Janus leg (an offer from the seat's tag to the new tag `conf-<participant id>`,
 *    Janus's answer); its port, ICE and DTLS-SRTP session stay, so a browser seat keeps its transport (Chromium
 *    refuses a new DTLS association on it: docs/mixer.md "A browser seat in the room"). Kamailio answers the
 *    re-INVITE itself (anchor_answer), the ACK is absorbed. requested -> seat_in_room.
 * 3. The caller: a re-offer from the caller's tag, with the caller's SDP, to a Janus leg of its own
 *    (`conf-<participant id>`, the anchor's `room_tag`), and Janus's answer, both with `port-latching` (rtpengine
 *    keeps its port towards the caller; the gateway is never re-INVITEd). seat_in_room -> anchored.
 * 4. The destination is dialled into the room (dial.ts). Dropping it (DELETE the participant) leaves caller and
 *    seat talking in the room: a two-party call again.
 * A failure before the caller is in the room leaves the call as it was (the seat's re-INVITE refused, the caller
 * never touched); the call ending closes the room (`onCallEnded`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { getTakeoverIdentity } from '../../ha/takeover/identity.ts';
import { listDestinations } from '../../linkage/directory.ts';
import { resolveDial, type DialRequest } from '../../linkage/resolve.ts';
import { getTrunk } from '../../trunks/service.ts';
import { assertMayControl, talkingCall } from '../media/session.ts';
import { getLiveCall } from '../store.ts';
import { anchorTransition, mayStartAnchor } from './anchor-machine.ts';
import { participantTransition } from './machine.ts';
import { dialOut } from './dial.ts';
import { holdCallerInRoom } from './caller-hold.ts';
import { dialIntoAnchoredRoom } from './dial-another.ts';
import { FROM_BROWSER, PLAIN, TO_BROWSER, b64, closeRoom, joinMixer, joined, keepHandle, leave, type LegEnv } from './legs.ts';
import { destroyRoom, openRoom, openRoomOrThrow } from './rooms.ts';
import { audioTarget, janusAnswer } from './sdp.ts';
import type { Anchor, Participant, Room } from './store.ts';
import { roomMixLabel } from '../../../../recordings/src/room-ports.ts';

/** Kamailio's table of anchor tokens (engine/kamailio/kamailio.cfg.tpl, route ANCHOR_SEAT). */
const ANCHOR_TOKENS = 'an';
export const ANCHOR_HEADER = 'X-CTI-Anchor';
const TOKEN_TTL_S = 120;
const KEEP_PORTS = ['port-latching'];

export interface ThreeWayRequest { destination: DialRequest }

export interface StartedThreeWay {
  call_id: string;
  room_id: string;
  state: Anchor['state'];
  destination: { destination_id: string; name: string; number: string };
  /** The seat's phone sends a re-INVITE in the call's dialog with this header (one use, `expires_s`); null: caller and seat are in the room already. */
  anchor: { header: string; token: string; expires_s: number } | null;
}

export async function startThreeWay(env: LegEnv, change: Change, callId: string, req: ThreeWayRequest, opts: { consult?: boolean } = {}): Promise<StartedThreeWay> {
  const { deps } = env;
  const [call, entries] = await Promise.all([talkingCall(deps, callId), listDestinations(deps.sql, { centre_id: change.actor.centre_id })]);
  await assertMayControl(deps, change.actor, call);
  const target = resolveDial(entries, change.actor.roles, req.destination);
  if (target.kind !== 'number' && target.kind !== 'centre') throw new CtiError('CTI_CONFERENCE_TARGET_UNSUPPORTED', { kind: target.kind, destination_id: target.destination_id });
  const live = await getLiveCall(deps.redis, call.sipCallId);
  // the call stays talking through a three-way: only a talking call (not one being transferred) is anchored
  if (!live || live.state !== 'talking') throw new CtiError('CTI_CALL_NOT_TALKING', { call_id: callId, state: live?.state ?? 'gone' });
  const current = await env.store.anchor(call.sipCallId);
  // caller and seat already in the room (dial-another.ts) or no anchor live; else one is being set up or the seat left
  if (current?.state !== 'anchored' && !mayStartAnchor(current?.state)) throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { call_id: callId, entity: 'anchor', from: current!.state, to: 'requested' });
  const dial = {
    number: target.kind === 'number' ? target.number : target.sip_uri.replace(/^sips?:([^@]+)@.*$/, '$1'),
    gateway_uri: await gatewayOf(env, target.trunk_id, target.kind === 'centre' ? target.sip_uri : null),
    presented: (target.kind === 'number' ? target.presented_number : null) ?? '120',
    name: target.name, destination_id: target.destination_id,
  };
  if (!env.janus.up) throw env.janus.unavailable();
  if (current?.state === 'anchored') return dialIntoAnchoredRoom(env, change, current, dial, opts);
  if (current) await env.store.dropAnchor(call.sipCallId); // a failed one before: replaced
  const token = randomBytes(18).toString('base64url');
  const anchor: Anchor = {
    call_id: call.id, sip_call_id: call.sipCallId, room_id: '', state: 'requested', caller_tag: call.callerTag, token, dial, requested_by: change.actor.id,
    ...(opts.consult ? { consult: true } : {}),
  };
  if (!(await env.store.putNewAnchor(anchor))) throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { call_id: callId, entity: 'anchor', from: 'requested', to: 'requested' });
  let room: Room | undefined;
  try {
    room = await openRoom(env, call.id);
    anchor.room_id = room.room_id;
    await env.store.putAnchor(anchor);
    await env.rpc.call('htable.setxs', [ANCHOR_TOKENS, call.sipCallId, token, TOKEN_TTL_S]);
  } catch (err) {
    await env.store.dropAnchor(call.sipCallId);
    if (room) await destroyRoom(env, room);
    throw err;
  }
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: opts.consult ? 'call.consultation_started' : 'call.three_way_started', target_type: 'call', target_id: call.id,
    before: { state: 'talking' }, after: { room_id: room.room_id, destination_id: dial.destination_id, number: dial.number },
  });
  // no re-INVITE from the seat in time: the room goes, the call is untouched
  setTimeout(() => void expire(env, call.sipCallId, token), TOKEN_TTL_S * 1000).unref();
  return {
    call_id: call.id, room_id: room.room_id, state: anchor.state, destination: { destination_id: dial.destination_id, name: dial.name, number: dial.number },
    anchor: { header: ANCHOR_HEADER, token, expires_s: TOKEN_TTL_S },
  };
}

/** The trunk's gateway (its gateway_uri, else its address and port), or a centre's own SIP URI host. */
async function gatewayOf(env: LegEnv, trunkId: string | null, centreUri: string | null): Promise<string> {
  if (trunkId) {
    const t = await getTrunk(env.deps, trunkId);
    if (t.gateway_uri) return t.gateway_uri;
    return `sip:${t.ip_addr}${t.port ? `:${t.port}` : ''}`;
  }
  if (centreUri) return `sip:${centreUri.replace(/^sips?:(?:[^@]+@)?/, '')}`;
  throw new CtiError('CTI_CONFERENCE_TARGET_UNSUPPORTED', { reason: 'the destination names no trunk to go out on' });
}

async function expire(env: LegEnv, sipCallId: string, token: string): Promise<void> {
  const a = await env.store.anchor(sipCallId);
  if (!a || a.token !== token || a.state !== 'requested') return;
  await fail(env, a, 'the seat sent no re-INVITE in time');
}

async function fail(env: LegEnv, a: Anchor, reason: string): Promise<void> {
  a.state = anchorTransition(a.state, 'failed', a.call_id);
  a.failure = reason;
  await env.store.putAnchor(a);
  const room = await env.store.room(a.room_id);
  if (room) await closeRoom(env, room, 'room_closed');
  env.deps.log.warn({ call_id: a.call_id, room_id: a.room_id, reason }, 'three-way not set up; the call is as it was');
}

/** conf.anchor: the seat's re-INVITE with the anchor token, suspended in Kamailio. */
export interface AnchorInvite { callid: string; ftag: string; ttag: string; sdp: string; ws: boolean; tindex: number; tlabel: number }

export async function onAnchorInvite(env: LegEnv, inv: AnchorInvite): Promise<void> {
  const a = await env.store.anchor(inv.callid);
  let room: Room | undefined;
  try {
    if (!a || a.state !== 'requested') throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { sip_call_id: inv.callid, entity: 'anchor', from: a?.state ?? 'none', to: 'seat_in_room' });
    if (inv.ttag !== a.caller_tag) throw new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: a.call_id, reason: 'the re-INVITE is not from the seat\'s side of the call' });
    room = await openRoomOrThrow(env, a.room_id);
    const answered = await seatIntoRoom(env, a, room, inv);
    a.state = anchorTransition(a.state, 'seat_in_room', a.call_id);
    await env.store.putAnchor(a);
    env.evapi.send({ action: 'anchor_answer', tindex: inv.tindex, tlabel: inv.tlabel, callid: b64(inv.callid), sdp: b64(answered) });
  } catch (err) {
    const code = isCtiError(err) && err.sip ? err.sip : 500;
    env.deps.log.warn({ err: String(err), code, sip_call_id: inv.callid }, 'anchor re-INVITE refused; the call is as it was');
    env.evapi.send({ action: 'conf_reject', tindex: inv.tindex, tlabel: inv.tlabel, callid: b64(inv.callid), code, reason: code === 503 ? 'Mixer Unavailable' : 'Not Anchored' });
    if (a && a.state === 'requested') await fail(env, a, String(err)).catch(() => undefined);
    return;
  }
  try {
    await callerIntoRoom(env, a, room, inv.sdp);
    a.state = anchorTransition(a.state, 'anchored', a.call_id);
    await env.store.putAnchor(a);
    // a consultation: the caller hears the hold audio before the destination is dialled (caller-hold.ts)
    if (a.consult) await holdCallerInRoom(env, a).catch((err: unknown) => env.deps.log.error({ err: String(err), call_id: a.call_id }, 'consultation: holding the caller failed'));
  } catch (err) {
    // the seat is in the room and the caller is not: caller and seat paired again in rtpengine (the seat's answer
    // kept its own port: nothing to tell its phone), the room closed; the call talks on as before
    env.deps.log.error({ err: String(err), call_id: a.call_id }, 'three-way: the caller could not be moved into the room; undone');
    await pairAgain(env, a, inv);
    await fail(env, a, String(err)).catch(() => undefined);
    return;
  }
  try {
    const dialled = await dialOut(env, a, room);
    const now = await env.store.anchor(a.sip_call_id);
    if (now) await env.store.putAnchor({ ...now, dialled_pid: dialled.participant_id });
  } catch (err) {
    env.deps.log.error({ err: String(err), call_id: a.call_id }, 'three-way: dialling the party failed');
    const now = await env.store.anchor(a.sip_call_id);
    if (now) await env.store.putAnchor({ ...now, dial_error: String(err) });
  }
}

/**
 * The seat's re-INVITE offer -> Janus, in the call's own rtpengine call: an offer from the seat's tag to a new tag
 * (`conf-<participant id>`, the room's side of the seat) and the answer from it with Janus's address. The seat's own
 * side (its rtpengine port, ICE credentials and, for a browser, its DTLS-SRTP session) is the one the call set up, so
 * the answer Kamailio gives the seat changes nothing but where its media goes: Chromium keeps its DTLS transport and
 * accepts it (a new rtpengine call took the DTLS client role it had, or never handshook: docs/mixer.md "A browser
 * seat in the room").
 */
async function seatIntoRoom(env: LegEnv, a: Anchor, room: Room, inv: AnchorInvite): Promise<string> {
  const p = anchoredParticipant(a, room, 'seat', a.sip_call_id, inv.ftag);
  const roomSide = `conf-${p.participant_id}`;
  await env.store.putParticipant(p);
  try {
    const offered = await env.ng.offer({
      callId: a.sip_call_id, fromTag: inv.ftag, sdp: inv.sdp,
      options: { ...(inv.ws ? FROM_BROWSER : PLAIN), 'to-tag': roomSide, label: roomMixLabel('seat') }, // the recording's converter tells this port by it
    });
    const peer = audioTarget(offered.sdp);
    const mixed = await joinMixer(env, room, peer, 'seat');
    keepHandle(p.participant_id, mixed.handle);
    p.feed = mixed.feed;
    p.handle = mixed.handle.id;
    const answered = await env.ng.answer({
      callId: a.sip_call_id, fromTag: inv.ftag, toTag: roomSide, sdp: janusAnswer(mixed.rtp.ip, mixed.rtp.port, peer.payloadType, String(mixed.feed)),
      options: inv.ws ? TO_BROWSER : PLAIN,
    });
    await joined(env, room, p, inv.ftag);
    a.seat_tag = inv.ftag;
    a.seat_pid = p.participant_id;
    return answered.sdp;
  } catch (err) {
    await pairAgain(env, a, inv); // the offer may have paired the seat's side with the room already
    await leave(env, p, 'failed').catch(() => env.store.dropParticipant(p)); // its Janus handle detached: out of the room
    throw err;
  }
}

/**
 * Undo (the seat's or the caller's move failed): the caller's and the seat's sides of the call's rtpengine call
 * paired again as the call set them up, ports kept; the seat's SDP never changed, so its phone notices nothing and
 * the gateway is never told. A failure here is logged: caller and seat may then not hear each other.
 */
async function pairAgain(env: LegEnv, a: Anchor, inv: AnchorInvite): Promise<void> {
  try {
    const sdp = await callerSdp(env, a, inv.sdp);
    await env.ng.offer({ callId: a.sip_call_id, fromTag: a.caller_tag, sdp, flags: KEEP_PORTS, options: { ...(inv.ws ? TO_BROWSER : PLAIN), 'to-tag': inv.ftag } });
    await env.ng.answer({ callId: a.sip_call_id, fromTag: a.caller_tag, toTag: inv.ftag, sdp: inv.sdp, flags: KEEP_PORTS, options: inv.ws ? FROM_BROWSER : PLAIN });
  } catch (err) {
    env.deps.log.error({ err: String(err), call_id: a.call_id }, 'three-way undone: pairing caller and seat again in rtpengine failed; they may not hear each other');
  }
}

/**
 * The caller's stream re-paired in the call's own rtpengine call (nothing reaches its gateway) with a Janus leg of
 * its own (tag `conf-<participant id>`), both steps with `port-latching`: rtpengine keeps its port towards the caller.
 */
export async function callerIntoRoom(env: LegEnv, a: Anchor, room: Room, seatSdp: string): Promise<void> {
  const sdp = await callerSdp(env, a, seatSdp);
  const p = anchoredParticipant(a, room, 'caller', a.sip_call_id, a.caller_tag);
  const roomSide = `conf-${p.participant_id}`;
  const reOffer = await env.ng.offer({
    callId: a.sip_call_id, fromTag: a.caller_tag, sdp, flags: KEEP_PORTS,
    options: { ...PLAIN, 'to-tag': roomSide, label: roomMixLabel('caller') }, // what the caller hears: the recording's seat channel
  });
  const peer = audioTarget(reOffer.sdp); // rtpengine's new port towards Janus for the caller
  // a consultation's caller joins muted: the room (the seat, then the target) never hears it, and the hold
  // (caller-hold.ts) finds it muted and asks Janus nothing
  const mixed = await joinMixer(env, room, peer, 'caller', a.consult === true);
  keepHandle(p.participant_id, mixed.handle);
  p.feed = mixed.feed;
  p.handle = mixed.handle.id;
  await env.ng.answer({
    callId: a.sip_call_id, fromTag: a.caller_tag, toTag: roomSide, sdp: janusAnswer(mixed.rtp.ip, mixed.rtp.port, peer.payloadType, String(mixed.feed)),
    flags: KEEP_PORTS, options: PLAIN,
  });
  await joined(env, room, p, a.caller_tag);
  if (a.consult) {
    p.state = participantTransition(p.state, 'muted', p.participant_id);
    await env.store.putParticipant(p);
  }
  a.caller_pid = p.participant_id;
  a.room_tag = roomSide;
}

/**
 * The caller's SDP for the re-offer: as its INVITE carried it when the call's identity is kept (a node of a pair),
 * else rebuilt from what rtpengine holds (the caller's advertised address and port, NG query) with the codec the
 * seat talks (its re-INVITE's first payload type: the one the call negotiated), so that nothing changes for rtpengine
 * but the other side's address.
 */
async function callerSdp(env: LegEnv, a: Anchor, seatSdp: string): Promise<string> {
  const identity = await getTakeoverIdentity(env.deps.redis, a.sip_call_id);
  const text = identity?.invite.toString('utf8') ?? '';
  const kept = text.includes('\r\n\r\n') ? text.slice(text.indexOf('\r\n\r\n') + 4) : '';
  if (kept.startsWith('v=0')) return kept;
  const q = await env.ng.query(a.sip_call_id);
  const tag = (q.tags ?? {})[a.caller_tag] as { medias?: { streams?: { 'advertised endpoint'?: { address: string; port: number } }[] }[] } | undefined;
  const ep = tag?.medias?.[0]?.streams?.[0]?.['advertised endpoint'];
  if (!ep) throw new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: a.call_id, reason: 'rtpengine holds no address for the caller' });
  const pt = audioTarget(seatSdp).payloadType;
  return ['v=0', `o=- ${ep.port} 2 IN IP4 ${ep.address}`, 's=-', `c=IN IP4 ${ep.address}`, 't=0 0', `m=audio ${ep.port} RTP/AVP ${pt}`,
    `a=rtpmap:${pt} ${pt === 8 ? 'PCMA' : 'PCMU'}/8000`, 'a=sendrecv', ''].join('\r\n');
}

function anchoredParticipant(a: Anchor, room: Room, who: 'caller' | 'seat', ngCallId: string, tag: string): Participant {
  return {
    participant_id: randomUUID(), room_id: room.room_id, call_id: a.call_id, state: 'joining', party: who, anchored: who,
    dialog: { call_id: ngCallId, remote: '', local: '', target: '', src: '', from_tag: tag },
  };
}

/** The call ended (either side's BYE): its room closes, a dialled party gets a BYE. */
export async function onCallEnded(env: LegEnv, sipCallId: string): Promise<void> {
  const a = await env.store.anchor(sipCallId);
  if (!a) return;
  await env.store.dropAnchor(sipCallId);
  const room = await env.store.room(a.room_id);
  if (room) await closeRoom(env, room, 'room_closed');
  // Kamailio's delete on the BYE removes the BYE's own branch (the caller's or the seat's side and its pairing);
  // since the anchoring the other side is paired with a Janus leg of the same call and would outlive it: the whole
  // call goes (after rtpengine's delete delay, as Kamailio's)
  if (a.seat_tag) {
    await env.ng.delete({ callId: sipCallId }).catch((err: unknown) => env.deps.log.warn({ err: String(err), sip_call_id: sipCallId }, 'deleting the anchored call in rtpengine failed'));
  }
}
