/**
 * Early media for a suspended call (engine-notes, "Announcements"): rtpengine offer with the caller's SDP, a
 * placeholder answer on the seat side (to-tag `q-<from-tag>`), and the resulting caller-side SDP goes to
 * Kamailio, which answers the INVITE 183 with it and suspends the call again (route EARLY, event `call.early`).
 * The seat's real answer later uses its own to-tag; Kamailio stops the prompts when it arrives.
 *
 * The placeholder is a branch of its own in rtpengine: offer and answer carry the via-branch `q-<from-tag>`, and
 * Kamailio's seat branches carry theirs (`via-branch=auto-next`, route MANAGE_BRANCH / MANAGE_REPLY). Without it,
 * rtpengine (10.5 call.c, call_get_monologue_new) re-uses the placeholder's monologue as the seat side of the
 * branch offer (a re-offer of the answered placeholder, its plain-RTP ports and state), and the seat's answer then
 * creates yet another monologue that was never offered: a WebRTC seat's DTLS fails ("DTLS error: 1 (unexpected
 * message)", "no crypto suite was negotiated") and the dispatcher hears nothing.
 * Only for callers with plain RTP (trunks, desk phones): a WebRTC caller gets ringback only.
 */
import type { NgTransport } from '../engine/rtpengine/commands.ts';
import { answer, offer } from '../engine/rtpengine/commands.ts';
import { placeholderAnswer } from './sdp.ts';

const CALLER_SIDE = { ICE: 'remove', replace: ['origin', 'session-connection'] };

export function placeholderTag(fromTag: string): string {
  return `q-${fromTag}`;
}

export function canHaveEarlyMedia(callerSdp: string, proto: string): boolean {
  return callerSdp.includes('m=audio ') && !/^wss?$/i.test(proto) && !/UDP\/TLS\/RTP\/SAVPF/.test(callerSdp);
}

/** The SDP for the caller's 183. */
/** `record`: rtpengine records from now on (a call screening ends after its warning: what the caller said is kept). */
export async function earlySdp(ng: NgTransport, call: { sipCallId: string; fromTag: string; sdp: string }, record = false): Promise<string> {
  // the placeholder's via-branch is its tag: no SIP Via carries it (RFC 3261 branches start with z9hG4bK)
  const branch = { 'via-branch': placeholderTag(call.fromTag) };
  const offered = await offer(ng, {
    callId: call.sipCallId, fromTag: call.fromTag, sdp: call.sdp,
    options: { ...CALLER_SIDE, ...branch, 'transport-protocol': 'RTP/AVP', ...(record ? { 'record call': 'yes' } : {}) },
  });
  const answered = await answer(ng, {
    callId: call.sipCallId, fromTag: call.fromTag, toTag: placeholderTag(call.fromTag), sdp: placeholderAnswer(offered.sdp),
    options: { ...CALLER_SIDE, ...branch },
  });
  return answered.sdp;
}
