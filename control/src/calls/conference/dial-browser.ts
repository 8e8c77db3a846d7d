/**
 * A browser seat dialled into a room (a requeued caller's next seat: caller-requeue.ts). The browser needs WebRTC
 * (ICE, DTLS-SRTP, rtcp-mux) and, as the callee of an INVITE, an offer: so rtpengine's offer goes the way a queued
 * call's offer to a browser seat goes (Kamailio's SIP -> browser flags, route RELAY_SEAT), from the room's side. Janus
 * must know its peer (rtpengine's port towards Janus) at join, before Janus's address exists: the offer is made once
 * with a stand-in for Janus (rtpengine's port towards Janus is then known from NG query), Janus joins, and the offer
 * is made again with Janus's address, ports kept (port-latching); that second SDP goes to the browser. Its 200's SDP
 * is rtpengine's answer (FROM_BROWSER), as for a browser seat answering a queued call.
 */
import { CtiError } from '../../errors/catalogue.ts';
import { FROM_BROWSER, joinMixer, keepHandle, type LegEnv, type Mixed } from './legs.ts';
import { janusAnswer } from './sdp.ts';
import type { Participant, Room } from './store.ts';

/** As kamailio.cfg.tpl's rtpengine_offer towards a browser seat. */
const OFFER_TO_BROWSER = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', replace: ['origin', 'session-connection'], ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'] };
const FLAGS = ['generate-mid', 'port-latching'];
const PCMA = 8 as const;

/** The party's tag in rtpengine (ours, the Janus side, is the From tag): as dial.ts names it. */
export const browserTag = (p: Participant) => `party-${p.participant_id}`;

function janusStandIn(): string {
  return ['v=0', 'o=- 0 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

/** rtpengine's own port for a tag's first stream (NG query "local port"), on the address its SDP named. */
async function localPort(env: LegEnv, callId: string, tag: string): Promise<number> {
  const q = await env.ng.query(callId);
  const info = (q.tags ?? {})[tag] as { medias?: { streams?: { 'local port'?: number }[] }[] } | undefined;
  const port = Number(info?.medias?.[0]?.streams?.[0]?.['local port'] ?? 0);
  if (!port) throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: 'query', reason: 'no local port for the room\'s side of a browser leg' });
  return port;
}

/** The SDP offer for the browser, the room joined (Janus's peer: rtpengine's port towards it). */
export async function browserOffer(env: LegEnv, room: Room, p: Participant, display: string): Promise<{ sdp: string; mixed: Mixed }> {
  const callId = p.dialog.call_id;
  const tag = p.dialog.from_tag;
  const first = await env.ng.offer({ callId, fromTag: tag, sdp: janusStandIn(), flags: FLAGS, options: OFFER_TO_BROWSER });
  const ip = /^c=IN IP4 (\S+)/m.exec(first.sdp)?.[1] ?? '127.0.0.1';
  const mixed = await joinMixer(env, room, { ip, port: await localPort(env, callId, tag), payloadType: PCMA }, display);
  keepHandle(p.participant_id, mixed.handle);
  const again = await env.ng.offer({
    callId, fromTag: tag, sdp: janusAnswer(mixed.rtp.ip, mixed.rtp.port, PCMA, String(mixed.feed)), flags: FLAGS, options: OFFER_TO_BROWSER,
  });
  return { sdp: again.sdp, mixed };
}

/** The browser's 200: its SDP is rtpengine's answer to the room side's offer. */
export async function browserAnswered(env: LegEnv, p: Participant, sdp: string): Promise<void> {
  await env.ng.answer({ callId: p.dialog.call_id, fromTag: p.dialog.from_tag, toTag: browserTag(p), sdp, options: FROM_BROWSER });
}
