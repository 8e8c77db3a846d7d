/**
 * What hold and listen-in need to know about a connected call: its row (talking, answered by which seat),
 * the caller's from-tag (call_legs), the rtpengine monologue tags of both parties (NG `query`), and whether
 * the person asking may act on it. rtpengine keys the call by the SIP Call-ID (Kamailio proxies both legs
 * under one Call-ID): the caller's monologue is its From tag, the answering seat's is its To tag; queue
 * announcements leave a placeholder monologue tagged `q-<from-tag>` (docs/engine.md) that is never a party.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { AuthUser } from '../../auth/user.ts';
import { hasAnyRole } from '../../auth/roles.ts';
import type { NgReply } from '../../engine/rtpengine/ng-client.ts';
import type { QueryReply } from '../../engine/rtpengine/commands.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { getSeatLive } from '../../seats/state/store.ts';

/** The part of the NG client the call-media features use (engine/rtpengine/ng-client.ts NgClient). */
export interface MediaEngine {
  query(callId: string, tags?: { fromTag?: string; toTag?: string }): Promise<QueryReply>;
  playMedia(p: { callId: string; fromTag: string; file?: string; repeatTimes?: number }): Promise<{ duration?: number }>;
  stopMedia(p: { callId: string; fromTag: string }): Promise<void>;
  blockMedia(p: { callId: string; fromTag: string }): Promise<void>;
  unblockMedia(p: { callId: string; fromTag: string }): Promise<void>;
  subscribeRequest(p: { callId: string; fromTags?: string[]; flags?: string[]; options?: NgReply }): Promise<{ sdp: string; toTag: string; fromTags: string[] }>;
  subscribeAnswer(p: { callId: string; toTag: string; sdp: string; flags?: string[] }): Promise<void>;
  unsubscribe(p: { callId: string; toTag: string }): Promise<void>;
}

export interface TalkingCall {
  id: string;
  sipCallId: string;
  seatId: string | null;
  callerTag: string;
}

export async function talkingCall(deps: Pick<AppDeps, 'sql'>, callId: string): Promise<TalkingCall> {
  const [row] = await deps.sql<{ id: string; sip_call_id: string; state: string; answered_seat_id: string | null; from_tag: string | null }[]>`
    SELECT c.id::text AS id, c.sip_call_id, c.state, c.answered_seat_id, l.from_tag
      FROM calls c LEFT JOIN call_legs l ON l.call_id = c.id AND l.kind = 'caller'
     WHERE c.id = ${callId} ORDER BY l.id LIMIT 1`;
  if (!row) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: callId });
  if (row.state !== 'talking') throw new CtiError('CTI_CALL_NOT_TALKING', { call_id: callId, state: row.state });
  if (!row.from_tag) throw new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: callId, reason: 'no caller leg tag recorded' });
  return { id: row.id, sipCallId: row.sip_call_id, seatId: row.answered_seat_id, callerTag: row.from_tag };
}

/** A supervisor (or admin) may act on any call; a dispatcher only on the call answered at the seat they are logged in at. */
export async function assertMayControl(deps: Pick<AppDeps, 'redis'>, user: AuthUser, call: TalkingCall): Promise<void> {
  if (hasAnyRole(user.roles, ['supervisor'], 'write')) return;
  const seat = call.seatId ? await getSeatLive(deps.redis, call.seatId) : undefined;
  if (!seat || seat.userId !== user.id) {
    throw new CtiError('CTI_CALL_NOT_YOURS', { call_id: call.id, seat_id: call.seatId });
  }
}

/** rtpengine's answer for a call it does not know ("Unknown call-id") as our coded error. */
export function mediaNotFound(err: unknown, call: TalkingCall): unknown {
  if (isCtiError(err, 'CTI_RTPENGINE_ERROR') && /unknown (call|tag)/i.test(JSON.stringify(err.details))) {
    return new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: call.id, sip_call_id: call.sipCallId, engine: err.details });
  }
  return err;
}

interface TagInfo { tag?: unknown; subscriptions?: { tag?: unknown; type?: unknown }[] }

/**
 * The monologue tags of the two parties: the caller's, then every tag in an offer/answer relation with it
 * that is not a queue placeholder (normally exactly the answering seat's To tag).
 */
export async function partyTags(ng: Pick<MediaEngine, 'query'>, call: TalkingCall): Promise<string[]> {
  let reply: QueryReply;
  try {
    reply = await ng.query(call.sipCallId);
  } catch (err) {
    throw mediaNotFound(err, call);
  }
  const tags = (reply.tags ?? {}) as Record<string, TagInfo>;
  if (!tags[call.callerTag]) throw new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: call.id, reason: 'the caller\'s tag is not in the media session' });
  const peers = Object.entries(tags)
    .filter(([tag, info]) => tag !== call.callerTag && !tag.startsWith('q-')
      && (info.subscriptions ?? []).some((s) => String(s.tag) === call.callerTag && String(s.type) === 'offer/answer'))
    .map(([tag]) => tag);
  if (peers.length === 0) throw new CtiError('CTI_CALL_MEDIA_NOT_FOUND', { call_id: call.id, reason: 'no answering party in the media session' });
  return [call.callerTag, ...peers];
}
