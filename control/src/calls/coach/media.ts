/**
 * The talk-back leg's media (docs/mixer.md "Whisper and barge-in"): browser to browser through rtpengine, one
 * rtpengine call `coach-<id>` apart from the caller's call, so nothing the leg does reaches the caller's media
 * session. Both sides are WebRTC (ICE, DTLS-SRTP, rtcp-mux), with the flags Kamailio uses towards browsers
 * (engine-notes: no DTLS=passive in the answer towards Chrome).
 */
import type { NgReply } from '../../engine/rtpengine/ng-client.ts';
import type { SdpReply } from '../../engine/rtpengine/commands.ts';

const BROWSER = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', ICE: 'force', SDES: ['off'], replace: ['origin', 'session-connection'] };
const TO_SEAT = { ...BROWSER, 'rtcp-mux': ['offer', 'require'] };
const TO_SUPERVISOR = { ...BROWSER, 'rtcp-mux': ['require'] };

/** The part of the NG client the talk-back leg uses (engine/rtpengine/ng-client.ts NgClient). */
export interface CoachEngine {
  offer(p: { callId: string; fromTag: string; sdp: string; flags?: string[]; options?: NgReply }): Promise<SdpReply>;
  answer(p: { callId: string; fromTag: string; toTag: string; sdp: string; flags?: string[]; options?: NgReply }): Promise<SdpReply>;
  delete(p: { callId: string }): Promise<NgReply>;
}

export const legCallId = (coachId: string): string => `coach-${coachId}`;
const supervisorTag = (coachId: string) => `sup-${coachId}`;
const seatTag = (coachId: string) => `seat-${coachId}`;

/** The supervisor's offer in, the offer for the dispatcher's page out. */
export async function offerToSeat(ng: CoachEngine, coachId: string, supervisorOffer: string): Promise<string> {
  const r = await ng.offer({ callId: legCallId(coachId), fromTag: supervisorTag(coachId), sdp: supervisorOffer, flags: ['generate-mid'], options: TO_SEAT });
  return r.sdp;
}

/** The dispatcher's answer in, the answer for the supervisor's page out. */
export async function answerToSupervisor(ng: CoachEngine, coachId: string, seatAnswer: string): Promise<string> {
  const r = await ng.answer({ callId: legCallId(coachId), fromTag: supervisorTag(coachId), toTag: seatTag(coachId), sdp: seatAnswer, options: TO_SUPERVISOR });
  return r.sdp;
}
