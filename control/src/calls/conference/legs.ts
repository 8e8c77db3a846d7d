/**
 * Conference legs over SIP (docs/mixer.md): Kamailio answers INVITEs to a room's one-time address as UAS and hands
 * them here (`conf.invite`, suspended). This module anchors the leg's media in rtpengine (NG offer: the party's SDP;
 * rtpengine's side becomes the plain-RTP peer Janus sends to), joins the room, answers rtpengine with Janus's RTP
 * address, and resumes Kamailio with the SDP for the party (`conf_answer`). A party's BYE (`conf.bye`) makes it
 * leave; a party dropped by the dispatcher, or lost with the mixer, gets a BYE from Kamailio (tm.t_uac_start).
 * rtpengine in the path keeps browsers working (DTLS-SRTP <-> plain RTP to Janus).
 */
import { randomUUID } from 'node:crypto';
import type { NgClient } from '../../engine/rtpengine/ng-client.ts';
import type { MediaEngine } from '../media/session.ts';
import type { EvapiClient } from '../../engine/evapi/client.ts';
import type { AudioBridgeHandle } from '../../engine/janus/types.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { logCallEvent } from '../store.ts';
import { incidentOf } from '../transfer/store.ts';
import { participantTransition, assertJoinable } from './machine.ts';
import { audioTarget, janusAnswer } from './sdp.ts';
import { destroyRoom, mixerError, openRoomOrThrow, type ConferenceEnv } from './rooms.ts';
import type { Participant, Room } from './store.ts';

export interface LegEnv extends ConferenceEnv {
  ng: Pick<NgClient, 'offer' | 'answer' | 'delete' | 'query'> & Partial<Pick<MediaEngine, 'playMedia' | 'stopMedia' | 'blockMedia' | 'unblockMedia'>>;
  evapi: Pick<EvapiClient, 'send'>;
  /** The distributor's wake-up (a seat that left a three-way may be ready at once). */
  kick?: () => void;
  /** The hold file (calls/actions/hold.ts): what a caller hears while nobody talks with them. */
  holdAudio?: string;
  /** A dialled party's final answer (dial.ts; 408: never answered): a seat dialled for a waiting caller goes on (caller-requeue.ts). */
  onDialSettled?: (p: Participant, code: number) => Promise<void>;
  /** The call flow's end of a call whose dialog Kamailio ended (caller-requeue.ts: the seat dialled in hung up). */
  endCall?: (sipCallId: string) => void;
}

/** `conf.invite` as Kamailio reports it (strings from SIP base64-decoded by decodeConferenceEvent). */
export interface ConferenceInvite {
  callid: string;
  ftag: string;
  from: string;
  to: string;
  contact: string;
  room: string;
  src: string;
  ws: boolean;
  sdp: string;
  tindex: number;
  tlabel: number;
}

export type LeaveReason = 'hung_up' | 'dropped' | 'left' | 'mixer_lost' | 'room_closed' | 'failed';

/** Each party's own AudioBridge handle, kept only to detach it; a restarted process kicks by feed instead. */
const handles = new Map<string, AudioBridgeHandle>();

export const PLAIN = { replace: ['origin', 'session-connection'], ICE: 'remove' };
export const TO_BROWSER = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', replace: ['origin', 'session-connection'], ICE: 'force', 'rtcp-mux': ['require'], SDES: ['off'] };
export const FROM_BROWSER = { 'transport-protocol': 'RTP/AVP', replace: ['origin', 'session-connection'], ICE: 'remove', 'rtcp-mux': ['demux'], DTLS: 'off', SDES: ['off'] };

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** The URI of a Contact header value (`"name" <sip:...>;params` or a bare URI; RFC 3261 20.10). */
export const contactUri = (contact: string) => /<([^>]+)>/.exec(contact)?.[1] ?? contact.split(';')[0]!.trim();
const partyOf = (from: string) => /sips?:([^@;>]+)@/.exec(from)?.[1] ?? null;

export async function onInvite(env: LegEnv, inv: ConferenceInvite): Promise<void> {
  try {
    await join(env, inv);
  } catch (err) {
    const code = isCtiError(err) && err.sip ? err.sip : 500;
    env.deps.log.warn({ err: String(err), code, room_id: inv.room, sip_call_id: inv.callid }, 'conference leg refused');
    env.evapi.send({ action: 'conf_reject', tindex: inv.tindex, tlabel: inv.tlabel, callid: b64(inv.callid), code, reason: code === 503 ? 'Mixer Unavailable' : 'Not Joined' });
  }
}

async function join(env: LegEnv, inv: ConferenceInvite): Promise<void> {
  const room = await openRoomOrThrow(env, inv.room);
  assertJoinable(room.state, room.room_id);
  if (!env.janus.up) throw env.janus.unavailable();
  const p: Participant = {
    participant_id: randomUUID(), room_id: room.room_id, call_id: room.call_id, state: 'joining', party: partyOf(inv.from),
    dialog: { call_id: inv.callid, remote: inv.from, local: inv.to, target: contactUri(inv.contact), src: inv.src, from_tag: inv.ftag },
  };
  await env.store.putParticipant(p);
  let handle: AudioBridgeHandle | undefined;
  try {
    const offered = await env.ng.offer({ callId: inv.callid, fromTag: inv.ftag, sdp: inv.sdp, options: inv.ws ? FROM_BROWSER : PLAIN });
    const peer = audioTarget(offered.sdp);
    const mixed = await joinMixer(env, room, peer, p.party ?? 'party');
    handle = mixed.handle;
    const answered = await env.ng.answer({
      callId: inv.callid, fromTag: inv.ftag, toTag: `conf-${p.participant_id}`,
      sdp: janusAnswer(mixed.rtp.ip, mixed.rtp.port, peer.payloadType, String(mixed.feed)), options: inv.ws ? TO_BROWSER : PLAIN,
    });
    p.feed = mixed.feed;
    p.handle = mixed.handle.id;
    keepHandle(p.participant_id, mixed.handle);
    await joined(env, room, p, inv.ftag);
    env.evapi.send({ action: 'conf_answer', tindex: inv.tindex, tlabel: inv.tlabel, callid: b64(inv.callid), sdp: b64(answered.sdp), room: room.room_id });
  } catch (err) {
    if (handle) await handle.detach().catch(() => undefined);
    await env.ng.delete({ callId: inv.callid, fromTag: inv.ftag }).catch(() => undefined);
    await env.store.dropParticipant(p);
    throw err;
  }
}

export interface Mixed { handle: AudioBridgeHandle; feed: number; rtp: { ip: string; port: number } }

/** A plain-RTP participant in the room whose peer (where Janus sends) is `peer` (muted: the room does not hear it); Janus's own RTP address back. */
export async function joinMixer(env: LegEnv, room: Room, peer: { ip: string; port: number; payloadType: 0 | 8 }, display: string, muted = false): Promise<Mixed> {
  const handle = await env.janus.attachParticipant();
  try {
    const j = await handle.join({
      room: Number(room.room_id), display, muted, codec: peer.payloadType === 8 ? 'pcma' : 'pcmu',
      rtp_participant: { ip: peer.ip, port: peer.port, payload_type: peer.payloadType },
    }).catch((err: unknown) => { throw mixerError(env, err, 'join'); });
    if (!j.rtp) throw new CtiError('CTI_MIXER_UNAVAILABLE', { request: 'join', reason: 'Janus returned no RTP address for the participant' });
    return { handle, feed: j.feed, rtp: { ip: j.rtp.ip, port: j.rtp.port } };
  } catch (err) {
    await handle.detach().catch(() => undefined);
    throw err;
  }
}

/** The party's `call_legs` row (kind external, to_tag conf-<participant id>). */
export async function insertLeg(env: LegEnv, room: Room, p: Participant, fromTag: string): Promise<string> {
  const [leg] = await env.deps.sql<{ id: string }[]>`
    INSERT INTO call_legs (call_id, kind, party, from_tag, to_tag) VALUES (${room.call_id}, 'external', ${p.party}, ${fromTag}, ${`conf-${p.participant_id}`})
    RETURNING id::text AS id`;
  return leg!.id;
}

/** Keeps a participant's AudioBridge handle so that its leaving detaches it (joined() does it for a joined one). */
export function keepHandle(participantId: string, handle: AudioBridgeHandle): void {
  handles.set(participantId, handle);
}

/** The participant (its feed and handle set) is in the room: its leg row, its state, call.party_joined.v1. */
export async function joined(env: LegEnv, room: Room, p: Participant, fromTag: string): Promise<void> {
  p.state = participantTransition(p.state, 'joined', p.participant_id);
  p.joined_at = new Date().toISOString();
  // independent reads and writes together: the seat's re-INVITE of a consultation waits for this (bench/transfer.ts)
  const [legId, incidentId] = await Promise.all([p.leg_id ?? insertLeg(env, room, p, fromTag), incidentOf(env.deps.sql, room.call_id)]);
  p.leg_id = legId;
  await env.store.putParticipant(p);
  await logCallEvent(env.deps, room.call_id, 'call.party_joined.v1', {
    call_id: room.call_id, incident_id: incidentId, room_id: room.room_id, participant_id: p.participant_id, leg_id: p.leg_id, party: p.party, muted: false,
  });
}

/** Kamailio's 200 went out with this To tag: the dialog's local tag, for a BYE of ours later. */
export async function onAnswered(env: LegEnv, sipCallId: string, toTag: string): Promise<void> {
  const p = await env.store.byLeg(sipCallId);
  if (!p) return;
  p.dialog.local_tag = toTag;
  await env.store.putParticipant(p);
}

export async function onBye(env: LegEnv, sipCallId: string): Promise<void> {
  const p = await env.store.byLeg(sipCallId);
  if (p) await leave(env, p, 'hung_up');
}

/** The party leaves: out of the room, media released, a BYE unless it hung up itself; the last one closes the room. */
export async function leave(env: LegEnv, p: Participant, reason: LeaveReason): Promise<void> {
  const from = p.state;
  p.state = participantTransition(p.state, 'left', p.participant_id);
  await env.store.dropParticipant(p);
  if (reason !== 'mixer_lost' && env.janus.up && p.feed !== undefined && from !== 'joining') {
    await env.janus.bridge().kick({ room: Number(p.room_id), feed: p.feed }).catch((err: unknown) => {
      env.deps.log.info({ err: String(err), participant_id: p.participant_id }, 'janus kick failed; the participant is gone');
    });
  }
  const handle = handles.get(p.participant_id);
  handles.delete(p.participant_id);
  if (handle && env.janus.up) await handle.detach().catch(() => undefined);
  // the caller and the seat of a three-way are not SIP legs of their own: no BYE, and their media is the call's own
  // rtpengine call (anchor.ts), deleted when the call ends
  if (reason !== 'hung_up' && reason !== 'failed' && !p.anchored) await sendBye(env, p);
  if (!p.anchored) await env.ng.delete({ callId: p.dialog.call_id, fromTag: p.dialog.from_tag }).catch(() => undefined);
  if (p.leg_id) {
    await env.deps.sql`UPDATE call_legs SET ended_at = now() WHERE id = ${p.leg_id} AND ended_at IS NULL`;
    await logCallEvent(env.deps, p.call_id, 'call.party_left.v1', {
      call_id: p.call_id, incident_id: await incidentOf(env.deps.sql, p.call_id), room_id: p.room_id, participant_id: p.participant_id, leg_id: p.leg_id, party: p.party, reason,
      in_room_ms: p.joined_at ? Date.now() - Date.parse(p.joined_at) : 0,
    });
  }
  const room = await env.store.room(p.room_id);
  if (room && room.state === 'open' && (reason === 'hung_up' || reason === 'dropped') && (await env.store.participants(room.room_id)).length === 0) {
    await destroyRoom(env, room);
  }
}

/** BYE towards the party within the dialog Kamailio answered (RFC 3261 15.1.1), sent by Kamailio's tm. */
export async function sendBye(env: LegEnv, p: Participant): Promise<void> {
  const d = p.dialog;
  if (!d.local_tag) {
    env.deps.log.warn({ participant_id: p.participant_id }, 'no local tag known for the leg: cannot send its BYE');
    return;
  }
  const headers = [
    `From: ${d.local};tag=${d.local_tag}`, `To: ${d.remote}`, `Call-ID: ${d.call_id}`, `CSeq: ${d.next_cseq ?? 1} BYE`, 'Max-Forwards: 70', '',
  ].join('\r\n');
  try {
    await env.rpc.call('tm.t_uac_start', ['BYE', d.target, `sip:${d.src}`, '.', headers]);
  } catch (err) {
    env.deps.log.error({ err: String(err), details: (err as CtiError).details, participant_id: p.participant_id }, 'BYE to a conference leg failed');
  }
}

export async function setMuted(env: LegEnv, roomId: string, participantId: string, muted: boolean): Promise<Participant> {
  const p = await env.store.participant(roomId, participantId);
  if (!p) throw new CtiError('CTI_CONFERENCE_NOT_FOUND', { room_id: roomId, participant_id: participantId });
  const to = muted ? 'muted' : 'joined';
  if (p.state === to) return p;
  p.state = participantTransition(p.state, to, participantId);
  const bridge = env.janus.bridge();
  const req = { room: Number(roomId), feed: p.feed! };
  await (muted ? bridge.mute(req) : bridge.unmute(req)).catch((err: unknown) => { throw mixerError(env, err, muted ? 'mute' : 'unmute'); });
  await env.store.putParticipant(p);
  return p;
}

/** Every party leaves (with a BYE) and the room goes. */
export async function closeRoom(env: LegEnv, room: Room, reason: Extract<LeaveReason, 'room_closed' | 'mixer_lost'>): Promise<void> {
  for (const p of await env.store.participants(room.room_id)) {
    await leave(env, p, reason).catch((err: unknown) => env.deps.log.error({ err: String(err), participant_id: p.participant_id }, 'leaving the room failed'));
  }
  await destroyRoom(env, room);
}
