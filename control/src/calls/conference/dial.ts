/**
 * A party dialled into a room by the control plane (docs/mixer.md "Three-way calls"): 110, 119, 122 or a doctor,
 * called out through the trunk the linkage directory names. Kamailio sends the INVITE (tm.t_uac_start, Call-ID
 * `cfo-<participant id>`, Contact `sip:conf-<room>@Kamailio` so that the party's BYE lands in route CONFERENCE),
 * reports the final answer with its SDP and the From tag it chose (`conf.reply`, reply_route) and ACKs a 2xx itself.
 * (Kamailio 5.6 chooses the tag: with a From tag of ours in t_uac_start's headers its ACK for the 2xx came out
 * malformed, two tags and no Call-ID.)
 *
 * Media: Janus must know its peer (rtpengine's port towards Janus) at join, before the party's SDP exists. So the
 * rtpengine call of the leg is first set up from the party's side with a stand-in SDP: the offer's SDP gives
 * rtpengine's port towards Janus (Janus joins with it), the answer with Janus's address gives rtpengine's port
 * towards the party (the INVITE's SDP). The party's 200 is then a re-offer from its side with its real SDP and the
 * same answer again, both with `port-latching`, so that rtpengine keeps both ports (the proof of anchoring showed
 * it does: test/integration/calls/conference-anchor-live-call-gateway-untouched.test.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CtiError } from '../../errors/catalogue.ts';
import { audioTarget, janusAnswer } from './sdp.ts';
import { PLAIN, contactUri, insertLeg, joinMixer, joined, keepHandle, leave, sendBye, type LegEnv, type Mixed } from './legs.ts';
import type { Anchor, Participant, Room } from './store.ts';

const KEEP_PORTS = ['port-latching'];
/**
 * Kamailio's tm ends an unanswered INVITE with a 408 of its own after fr_inv_timer (60 s, kamailio.cfg.tpl), which no
 * reply_route sees: a party still not answered a little after that has failed.
 */
const GIVE_UP_MS = 65_000;
/** The party's tag in rtpengine (ours, the Janus side, is the SIP From tag). */
const partyTag = (p: Participant) => `party-${p.participant_id}`;

/** Where Kamailio listens for SIP over UDP (core.sockets_list), for the Contact of a dialled leg; asked once. */
let kamailioAddr: string | undefined;
async function kamailioAddress(env: LegEnv): Promise<string> {
  if (kamailioAddr) return kamailioAddr;
  const sockets = await env.rpc.call<{ socket: { proto: string; address: string; port: string } }[]>('core.sockets_list', []);
  const udp = sockets.map((s) => s.socket).find((s) => s.proto === 'udp');
  if (!udp) throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'kamailio', command: 'core.sockets_list', reason: 'no UDP socket' });
  kamailioAddr = `${udp.address}:${udp.port}`;
  return kamailioAddr;
}

function standIn(): string {
  return ['v=0', 'o=- 0 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 8 0', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

/** Dials the anchor's destination into its room; the answer comes as conf.reply (onDialReply). */
export async function dialOut(env: LegEnv, a: Anchor, room: Room): Promise<Participant> {
  const gw = a.dial.gateway_uri.replace(/^sips?:/, '');
  return dialParty(env, room, { target: `sip:${a.dial.number}@${gw}`, src: gw, party: a.dial.number, presented: a.dial.presented, display: a.dial.name });
}

/** Who is dialled: the Request-URI, its next hop (host:port), the party's name on the record, the From user, Janus's display. */
export interface DialTarget {
  target: string; src: string; party: string; presented: string; display: string; seat?: Participant['seat'];
  /** Ring no longer than this (a seat: its queue's ring timeout; Kamailio's tm then cancels the INVITE). */
  giveUpMs?: number;
}

/** Dials a party into the room (Kamailio's INVITE, rtpengine and Janus set up first, as above). */
export async function dialParty(env: LegEnv, room: Room, to: DialTarget): Promise<Participant> {
  const pid = randomUUID();
  const callId = `cfo-${pid}`;
  const tag = `conf-${randomBytes(6).toString('hex')}`; // the Janus side's tag in rtpengine
  const { target } = to;
  const p: Participant = {
    participant_id: pid, room_id: room.room_id, call_id: room.call_id, state: 'joining', party: to.party,
    dialog: {
      call_id: callId, remote: `<${target}>`, local: `<sip:${to.presented}@${env.deps.config.sipDomain}>`, target, src: to.src,
      from_tag: tag, next_cseq: 2,
    },
    ...(to.seat ? { seat: to.seat } : {}),
  };
  await env.store.putParticipant(p);
  let mixed: Mixed | undefined;
  // the leg's row needs nothing of the media steps: written meanwhile, still before the INVITE leaves
  const legRow = insertLeg(env, room, p, tag);
  legRow.catch(() => undefined); // awaited below; a failure before that must not be an unhandled rejection
  try {
    const towardsJanus = audioTarget((await env.ng.offer({ callId, fromTag: partyTag(p), sdp: standIn(), options: PLAIN })).sdp);
    mixed = await joinMixer(env, room, towardsJanus, to.display);
    keepHandle(pid, mixed.handle);
    p.feed = mixed.feed;
    p.handle = mixed.handle.id;
    p.mixer_rtp = { ip: mixed.rtp.ip, port: mixed.rtp.port, payload_type: towardsJanus.payloadType };
    const forParty = await env.ng.answer({
      callId, fromTag: partyTag(p), toTag: tag, sdp: janusAnswer(mixed.rtp.ip, mixed.rtp.port, towardsJanus.payloadType, String(mixed.feed)), options: PLAIN,
    });
    p.leg_id = await legRow;
    await env.store.putParticipant(p);
    const headers = [
      `From: ${p.dialog.local}`, `To: <${target}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:conf-${room.room_id}@${await kamailioAddress(env)}>`,
      'Max-Forwards: 70', 'Content-Type: application/sdp', '',
    ].join('\r\n');
    await env.rpc.call('tm.t_uac_start', ['INVITE', target, '.', '.', headers, forParty.sdp]);
    setTimeout(() => void giveUp(env, room.room_id, pid, to.giveUpMs !== undefined), to.giveUpMs ?? GIVE_UP_MS).unref();
    env.deps.log.info({ room_id: room.room_id, participant_id: pid, party: to.party, sip_call_id: callId }, 'party dialled into the room');
    return p;
  } catch (err) {
    p.leg_id ??= await legRow.catch(() => undefined); // its row ended with it
    await leave(env, p, 'failed').catch(() => undefined);
    throw err;
  }
}

/** A 2xx for a party that is no longer in the room (Kamailio's tm ACKed it): a BYE, never an open line to nobody. */
async function byeStray(env: LegEnv, r: DialReply): Promise<void> {
  if (!r.from) return;
  env.deps.log.warn({ sip_call_id: r.callid }, 'a dropped party answered: BYE');
  await sendBye(env, {
    participant_id: r.callid, room_id: '', call_id: '', state: 'left', party: null,
    dialog: { call_id: r.callid, local: r.from.replace(/;tag=[^;>]*/, ''), local_tag: r.ftag, remote: r.to, target: contactUri(r.contact), src: r.src, from_tag: '', next_cseq: 2 },
  });
}

async function giveUp(env: LegEnv, roomId: string, pid: string, cancel: boolean): Promise<void> {
  const p = await env.store.participant(roomId, pid);
  if (p?.state !== 'joining') return;
  env.deps.log.warn({ participant_id: pid, room_id: roomId }, 'dialled party never answered');
  // before tm's own timeout: its INVITE cancelled (a 2xx crossing the CANCEL gets a BYE: byeStray)
  if (cancel) await env.rpc.call('tm.cancel', [p.dialog.call_id, '1']).catch((err: unknown) => env.deps.log.warn({ err: String(err), participant_id: pid }, 'cancelling the unanswered INVITE failed'));
  await leave(env, p, 'failed').catch((err: unknown) => env.deps.log.error({ err: String(err), participant_id: pid }, 'giving up a dialled party failed'));
  await env.onDialSettled?.(p, 408);
}

/** conf.reply: the dialled party's final answer (Kamailio's reply_route). */
export interface DialReply { callid: string; code: number; ftag: string; from?: string; to: string; contact: string; sdp: string; src: string }

export async function onDialReply(env: LegEnv, r: DialReply): Promise<void> {
  const p = await env.store.byLeg(r.callid);
  if (!p && r.code >= 200 && r.code < 300) return byeStray(env, r); // dropped while ringing, its 2xx crossed the CANCEL
  if (!p || p.state !== 'joining') return; // a retransmitted 200, or the party already gone
  if (r.code >= 300 || !r.sdp) {
    env.deps.log.warn({ participant_id: p.participant_id, code: r.code, room_id: p.room_id }, 'dialled party did not answer');
    await leave(env, p, 'failed');
    await env.onDialSettled?.(p, r.code >= 300 ? r.code : 500);
    return;
  }
  const room = await env.store.room(p.room_id);
  if (!room || !p.mixer_rtp) {
    await leave(env, p, 'room_closed');
    await env.onDialSettled?.(p, 500);
    return;
  }
  p.dialog.local_tag = r.ftag;
  p.dialog.remote = r.to;
  p.dialog.target = contactUri(r.contact);
  p.dialog.src = r.src;
  // the party's real SDP in the place of the stand-in, rtpengine's ports kept (port-latching)
  await env.ng.offer({ callId: r.callid, fromTag: partyTag(p), sdp: r.sdp, flags: KEEP_PORTS, options: { ...PLAIN, 'to-tag': p.dialog.from_tag } });
  const j = p.mixer_rtp;
  await env.ng.answer({
    callId: r.callid, fromTag: partyTag(p), toTag: p.dialog.from_tag, sdp: janusAnswer(j.ip, j.port, j.payload_type, String(p.feed)), flags: KEEP_PORTS, options: PLAIN,
  });
  await joined(env, room, p, p.dialog.from_tag);
  await env.onDialSettled?.(p, r.code);
}
