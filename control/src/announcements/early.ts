/**
 * Early media for a suspended call (engine-notes, "Announcements"): rtpengine offer with the caller's SDP, a
 * placeholder answer on the seat side (to-tag `q-<from-tag>`), and the resulting caller-side SDP goes to
 * Kamailio, which answers the INVITE 183 with it and suspends the call again (route EARLY, event `call.early`).
 * The seat's real answer later uses its own to-tag; Kamailio stops the prompts when it arrives.
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
  const offered = await offer(ng, {
    callId: call.sipCallId, fromTag: call.fromTag, sdp: call.sdp,
    options: { ...CALLER_SIDE, 'transport-protocol': 'RTP/AVP', ...(record ? { 'record call': 'yes' } : {}) },
  });
  const answered = await answer(ng, {
    callId: call.sipCallId, fromTag: call.fromTag, toTag: placeholderTag(call.fromTag), sdp: placeholderAnswer(offered.sdp), options: CALLER_SIDE,
  });
  return answered.sdp;
}
