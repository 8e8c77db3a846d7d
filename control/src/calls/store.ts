import type { Redis } from 'ioredis';
import type { AppDeps } from '../app/deps.ts';
import type { EventData, EventType } from '../events/schema.ts';
import { fact } from '../ha/outbox/statement.ts';
import { writeFacts } from '../ha/outbox/write.ts';
import type { CallState } from './machine.ts';
import { assertCallTransition } from './machine.ts';

/** A live call: Redis hash per SIP Call-ID (with Kamailio's transaction ids); facts go to PostgreSQL. */
export const callKey = (sipCallId: string): string => `cti:call:${sipCallId}`;
export const LIVE_CALLS = 'cti:calls:live';
/** The INVITE and addresses a takeover of the call needs (ha/takeover/identity.ts); deleted with the live call. */
export const takeoverKey = (sipCallId: string): string => `cti:call:${sipCallId}:takeover`;

export interface LiveCall {
  sipCallId: string;
  id: string;
  centreId: string;
  state: CallState;
  tindex: number;
  tlabel: number;
  queueId: string;
  priority: number;
  arrivedMs: number;
  queuedMs: number;
  attempt: number;
  seatId: string | null;
  offeredMs: number;
  callerNumber: string;
  answeredSeatId: string | null;
  answeredMs: number;
  failedOpen: boolean;
  /** The caller's From tag (rtpengine's name for the caller's side). */
  fromTag?: string;
  /** Early media is up (the caller got a 183 and hears prompts). */
  early?: boolean;
  /** The node of a pair whose Kamailio holds the call's INVITE transaction (docs/ha.md); absent on a single node. */
  node?: string;
  /** The answering seat left the call's three-way (calls/conference/seat-leaves.ts): the call goes on without it. */
  seatLeft?: boolean;
  /**
   * The room whose caller waits in the queue again (calls/conference/caller-requeue.ts): the caller is alone in the
   * room with the hold audio and the call is back in its queue at its old place; the offer is a seat dialled into it.
   */
  roomWait?: string;
}

export function parseCall(sipCallId: string, h: Record<string, string>): LiveCall | undefined {
  if (!h.id) return undefined;
  return {
    sipCallId, id: h.id, centreId: h.centre, state: h.state as CallState, tindex: Number(h.tindex), tlabel: Number(h.tlabel),
    queueId: h.queue, priority: Number(h.priority), arrivedMs: Number(h.arrived_ms), queuedMs: Number(h.queued_ms ?? 0),
    attempt: Number(h.attempt ?? 0), seatId: h.seat || null, offeredMs: Number(h.offered_ms ?? 0), callerNumber: h.caller ?? '',
    answeredSeatId: h.answered_seat || null, answeredMs: Number(h.answered_ms ?? 0), failedOpen: h.failed_open === '1',
    fromTag: h.from_tag ?? '', early: h.early === '1', ...(h.node ? { node: h.node } : {}),
    ...(h.seat_left === '1' ? { seatLeft: true } : {}),
    ...(h.room_wait ? { roomWait: h.room_wait } : {}),
  };
}

export async function getLiveCall(redis: Redis, sipCallId: string): Promise<LiveCall | undefined> {
  return parseCall(sipCallId, await redis.hgetall(callKey(sipCallId)));
}

export async function allLiveCalls(redis: Redis): Promise<LiveCall[]> {
  const ids = await redis.smembers(LIVE_CALLS);
  const out: LiveCall[] = [];
  for (const id of ids) {
    const c = await getLiveCall(redis, id);
    if (c) out.push(c);
  }
  return out;
}

/** Still in the live set (not retired; a retired call's hash stays an hour with its final state). */
export async function isLiveCall(redis: Redis, sipCallId: string): Promise<boolean> {
  return (await redis.sismember(LIVE_CALLS, sipCallId)) === 1;
}

export async function saveLiveCall(redis: Redis, c: Partial<LiveCall> & { sipCallId: string }): Promise<void> {
  const f: Record<string, string> = {};
  const map: Record<string, keyof LiveCall> = {
    id: 'id', centre: 'centreId', state: 'state', tindex: 'tindex', tlabel: 'tlabel', queue: 'queueId', priority: 'priority',
    arrived_ms: 'arrivedMs', queued_ms: 'queuedMs', attempt: 'attempt', seat: 'seatId', offered_ms: 'offeredMs',
    caller: 'callerNumber', answered_seat: 'answeredSeatId', answered_ms: 'answeredMs', failed_open: 'failedOpen',
    from_tag: 'fromTag', early: 'early', node: 'node', seat_left: 'seatLeft', room_wait: 'roomWait',
  };
  for (const [field, prop] of Object.entries(map)) {
    const v = c[prop];
    if (v === undefined) continue;
    f[field] = typeof v === 'boolean' ? (v ? '1' : '0') : v === null ? '' : String(v);
  }
  await redis.multi().hset(callKey(c.sipCallId), f).sadd(LIVE_CALLS, c.sipCallId).exec();
}

export async function retireLiveCall(redis: Redis, sipCallId: string): Promise<void> {
  await redis.multi().srem(LIVE_CALLS, sipCallId).expire(callKey(sipCallId), 3600).del(takeoverKey(sipCallId)).exec();
}

/**
 * The one way a call changes state: check the transition table, persist (live state, PostgreSQL row and
 * its event log), then publish the event. `columns` are the call row's columns that change with it.
 */
export async function transitionCall<T extends EventType>(
  deps: AppDeps, call: LiveCall, to: CallState, columns: Record<string, unknown>, event: { type: T; data: EventData[T] } | null, at = new Date(),
  opts: { liveAlreadySet?: boolean } = {},
): Promise<LiveCall> {
  if (call.state !== to) assertCallTransition(call.id, call.state, to);
  const next: LiveCall = { ...call, state: to };
  if (!opts.liveAlreadySet) await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, state: to });
  const cols = { ...columns, state: to, updated_at: new Date() };
  // PostgreSQL away: kept in the outbox and written after (ha/outbox); the call goes on with its Redis state
  await writeFacts(deps, call.id, fact`UPDATE calls SET ${fact.set(cols)} WHERE id = ${call.id}`,
    event && fact`INSERT INTO call_events (call_id, type, at, data) VALUES (${call.id}, ${event.type}, ${at}, ${fact.json(event.data)})`);
  if (event) await deps.bus.publish(event.type, event.data, at);
  return next;
}

export async function logCallEvent<T extends EventType>(deps: AppDeps, callId: string, type: T, data: EventData[T], at = new Date()): Promise<void> {
  await writeFacts(deps, callId, fact`INSERT INTO call_events (call_id, type, at, data) VALUES (${callId}, ${type}, ${at}, ${fact.json(data)})`);
  await deps.bus.publish(type, data, at);
}

/**
 * Another seat took over an answered call (a seat dialled into a requeued caller's room: conference/caller-requeue.ts):
 * the record names the seat that finally answered; the first one stays on its seat leg and in call.answered.v1.
 */
export async function setAnsweringSeat(deps: AppDeps, callId: string, seatId: string): Promise<void> {
  await writeFacts(deps, callId, fact`UPDATE calls SET answered_seat_id = ${seatId}, updated_at = ${new Date()} WHERE id = ${callId}`);
}

/** Whether PostgreSQL has a record of this SIP Call-ID (unique per call). */
export async function hasCallRecord(deps: AppDeps, sipCallId: string): Promise<boolean> {
  const [row] = await deps.sql`SELECT 1 AS one FROM calls WHERE sip_call_id = ${sipCallId} LIMIT 1`;
  return row !== undefined;
}

/**
 * The last call with this SIP Call-ID that has already ended (ended or abandoned) within the last two hours (the
 * lifetime of Kamailio's queue entries), or undefined: a call Kamailio still holds must then be ended there too.
 */
export async function findEndedCall(deps: AppDeps, sipCallId: string): Promise<{ id: string; state: CallState } | undefined> {
  const [row] = await deps.sql<{ id: string; state: CallState }[]>`
    SELECT id::text AS id, state FROM calls
    WHERE sip_call_id = ${sipCallId} AND state IN ('ended', 'abandoned') AND arrived_at > now() - interval '2 hours'
    ORDER BY arrived_at DESC LIMIT 1`;
  return row;
}
