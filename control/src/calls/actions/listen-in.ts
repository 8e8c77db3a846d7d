/**
 * Listen-in for supervisors (docs/consoles.md "Listen-in"): rtpengine `subscribe request` for both parties
 * of a connected call gives an SDP offer with two unmixed audio m-lines (caller, seat) in the WebRTC
 * profile (ICE, DTLS-SRTP, rtcp-mux); the supervisor's browser answers (RTCPeerConnection) and mixes the
 * two tracks itself; the answer goes to `subscribe answer`; stop is `unsubscribe`. Nothing is sent to the
 * call's parties: they neither hear nor notice the listener.
 * Per session (`listen_id` = rtpengine's subscription to-tag), state in Redis `cti:listen:<id>`:
 *   offered --answer--> listening --stop--> (gone);  offered --stop--> (gone);  the call's end ends it too.
 * Each session is a `monitor` leg of the call (call_legs: party = the supervisor, to_tag = listen_id) and
 * each start and stop is audited.
 */
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { mediaNotFound, partyTags, type MediaEngine, type TalkingCall } from '../media/session.ts';
import { browserOffer, restoreMids } from '../media/listen-sdp.ts';

/** The browser side of the subscription: as Kamailio's SIP -> browser offer (engine-notes, verified flags). */
const WEBRTC_OPTIONS = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'] };
const LISTEN_TTL_S = 6 * 3600;

export const listenKey = (listenId: string): string => `cti:listen:${listenId}`;

interface Stored { call_id: string; sip_call_id: string; user_id: string; state: 'offered' | 'listening'; mids: string[] }

export interface ListenOffer {
  listen_id: string;
  /** The SDP offer for the browser: one receive-only audio m-line per party, in `parties` order. */
  sdp: string;
  parties: ('caller' | 'seat')[];
}

export async function startListen(deps: AppDeps, ng: MediaEngine, call: TalkingCall, change: Change): Promise<ListenOffer> {
  const tags = await partyTags(ng, call);
  let sub: { sdp: string; toTag: string; fromTags: string[] };
  try {
    sub = await ng.subscribeRequest({ callId: call.sipCallId, fromTags: tags, flags: ['generate-mid'], options: WEBRTC_OPTIONS });
  } catch (err) {
    throw mediaNotFound(err, call);
  }
  const { sdp, original } = browserOffer(sub.sdp);
  const order = sub.fromTags.length ? sub.fromTags : tags;
  const stored: Stored = { call_id: call.id, sip_call_id: call.sipCallId, user_id: change.actor.id, state: 'offered', mids: original };
  await deps.redis.set(listenKey(sub.toTag), JSON.stringify(stored), 'EX', LISTEN_TTL_S);
  await deps.sql`INSERT INTO call_legs (call_id, kind, party, to_tag) VALUES (${call.id}, 'monitor', ${change.actor.username}, ${sub.toTag})`;
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: 'call.listen_started', target_type: 'call', target_id: call.id,
    before: null, after: { listen_id: sub.toTag, seat_id: call.seatId },
  });
  return { listen_id: sub.toTag, sdp, parties: order.map((t) => (t === call.callerTag ? 'caller' : 'seat')) };
}

async function load(deps: Pick<AppDeps, 'redis'>, callId: string, listenId: string, userId: string): Promise<Stored> {
  const raw = await deps.redis.get(listenKey(listenId));
  const s = raw ? (JSON.parse(raw) as Stored) : undefined;
  // Another supervisor's session is "not found" for this one: a listener cannot be cut off by a colleague by id.
  if (!s || s.call_id !== callId || s.user_id !== userId) throw new CtiError('CTI_LISTEN_NOT_FOUND', { call_id: callId, listen_id: listenId });
  return s;
}

export async function answerListen(deps: AppDeps, ng: MediaEngine, callId: string, listenId: string, answerSdp: string, change: Change): Promise<void> {
  const s = await load(deps, callId, listenId, change.actor.id);
  if (s.state !== 'offered') throw new CtiError('CTI_BAD_REQUEST', { listen_id: listenId, reason: 'this listen-in session was already answered' });
  try {
    await ng.subscribeAnswer({ callId: s.sip_call_id, toTag: listenId, sdp: restoreMids(answerSdp, s.mids) });
  } catch (err) {
    throw mediaNotFound(err, { id: callId, sipCallId: s.sip_call_id, seatId: null, callerTag: '' });
  }
  await deps.redis.set(listenKey(listenId), JSON.stringify({ ...s, state: 'listening' }), 'EX', LISTEN_TTL_S);
}

export async function stopListen(deps: AppDeps, ng: MediaEngine, callId: string, listenId: string, change: Change): Promise<void> {
  const s = await load(deps, callId, listenId, change.actor.id);
  try {
    await ng.unsubscribe({ callId: s.sip_call_id, toTag: listenId });
  } catch (err) {
    // The call (and with it the subscription) may be gone already; the session ends either way.
    deps.log.info({ err: String(err), call_id: callId, listen_id: listenId }, 'unsubscribe failed; the media session is gone');
  }
  await deps.redis.del(listenKey(listenId));
  // the monitor leg's end and its audit entry in one transaction: nobody sees the one without the other
  await deps.sql.begin(async (tx) => {
    await tx`UPDATE call_legs SET ended_at = now() WHERE call_id = ${callId} AND kind = 'monitor' AND to_tag = ${listenId} AND ended_at IS NULL`;
    await recordAudit(tx, {
      actor: change.actor, ip: change.ip, action: 'call.listen_stopped', target_type: 'call', target_id: callId,
      before: { listen_id: listenId, state: s.state }, after: null,
    });
  });
}
