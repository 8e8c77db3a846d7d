/**
 * Typed NG commands (rtpengine 10.5 README, sections "offer", "answer", "delete", "list", "query",
 * "play media", "stop media", "block media", "unblock media", "subscribe request", "subscribe answer", "unsubscribe").
 * `options` passes any further NG keys verbatim, e.g. { ICE: 'remove', replace: ['origin'] }.
 */
import { CtiError } from '../../errors/catalogue.ts';
import type { NgParams, NgReply } from './ng-client.ts';

export interface NgTransport {
  request(command: string, params?: NgParams): Promise<NgReply>;
}

export interface OfferParams {
  callId: string;
  fromTag: string;
  sdp: string;
  flags?: string[];
  options?: NgParams;
}
export interface AnswerParams extends OfferParams {
  toTag: string;
}
export interface SdpReply extends NgReply {
  sdp: string;
}
export interface DeleteParams {
  callId: string;
  fromTag?: string;
  toTag?: string;
  /** Seconds rtpengine keeps the call after delete (0 = at once); overrides its delete-delay option. */
  deleteDelay?: number;
  options?: NgParams;
}
export interface PlayMediaParams {
  callId: string;
  /** The participant who hears the media. */
  fromTag: string;
  file?: string;
  blob?: Buffer;
  repeatTimes?: number;
  options?: NgParams;
}
export interface SubscribeRequestParams {
  callId: string;
  /** One participant to listen to ... */
  fromTag?: string;
  /** ... or several (each arrives as its own m-line, unmixed). */
  fromTags?: string[];
  /** Reuse a subscription tag; rtpengine generates one otherwise. */
  toTag?: string;
  flags?: string[];
  options?: NgParams;
}
export interface SubscribeReply extends SdpReply {
  toTag: string;
  fromTags: string[];
}
export interface QueryReply extends NgReply {
  created?: number;
  'last signal'?: number;
  tags?: Record<string, Record<string, unknown>>;
  totals?: Record<string, unknown>;
}

function sdpOf(reply: NgReply, command: string): string {
  if (typeof reply.sdp !== 'string') throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command, reason: 'reply has no sdp' });
  return reply.sdp;
}

function withFlags(base: NgParams, flags: string[] | undefined, options: NgParams | undefined): NgParams {
  const out: NgParams = { ...options, ...base };
  if (flags?.length) out.flags = flags;
  return out;
}

export async function ping(t: NgTransport): Promise<void> {
  const reply = await t.request('ping');
  if (reply.result !== 'pong') throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: 'ping', reason: `result ${String(reply.result)}` });
}

export async function offer(t: NgTransport, p: OfferParams): Promise<SdpReply> {
  const reply = await t.request('offer', withFlags({ 'call-id': p.callId, 'from-tag': p.fromTag, sdp: p.sdp }, p.flags, p.options));
  return { ...reply, sdp: sdpOf(reply, 'offer') };
}

export async function answer(t: NgTransport, p: AnswerParams): Promise<SdpReply> {
  const reply = await t.request(
    'answer',
    withFlags({ 'call-id': p.callId, 'from-tag': p.fromTag, 'to-tag': p.toTag, sdp: p.sdp }, p.flags, p.options),
  );
  return { ...reply, sdp: sdpOf(reply, 'answer') };
}

export function deleteCall(t: NgTransport, p: DeleteParams): Promise<NgReply> {
  return t.request(
    'delete',
    withFlags({ 'call-id': p.callId, 'from-tag': p.fromTag, 'to-tag': p.toTag, 'delete delay': p.deleteDelay }, undefined, p.options),
  );
}

export function query(t: NgTransport, callId: string, tags: { fromTag?: string; toTag?: string } = {}): Promise<QueryReply> {
  return t.request('query', { 'call-id': callId, 'from-tag': tags.fromTag, 'to-tag': tags.toTag });
}

export async function list(t: NgTransport, limit?: number): Promise<string[]> {
  const reply = await t.request('list', { limit });
  const calls = reply.calls;
  if (!Array.isArray(calls)) throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: 'list', reason: 'reply has no calls list' });
  return calls.map(String);
}

export async function playMedia(t: NgTransport, p: PlayMediaParams): Promise<{ duration?: number }> {
  if ((p.file === undefined) === (p.blob === undefined)) {
    throw new CtiError('CTI_BAD_REQUEST', { reason: 'play media needs exactly one of file or blob' });
  }
  const reply = await t.request('play media', {
    ...p.options,
    'call-id': p.callId,
    'from-tag': p.fromTag,
    file: p.file,
    blob: p.blob,
    'repeat-times': p.repeatTimes,
  });
  return typeof reply.duration === 'number' ? { duration: reply.duration } : {};
}

export async function stopMedia(t: NgTransport, p: { callId: string; fromTag: string }): Promise<void> {
  await t.request('stop media', { 'call-id': p.callId, 'from-tag': p.fromTag });
}

/** Drops the media the participant `fromTag` sends (e.g. the seat's, while the caller hears hold audio). */
export async function blockMedia(t: NgTransport, p: { callId: string; fromTag: string }): Promise<void> {
  await t.request('block media', { 'call-id': p.callId, 'from-tag': p.fromTag });
}

export async function unblockMedia(t: NgTransport, p: { callId: string; fromTag: string }): Promise<void> {
  await t.request('unblock media', { 'call-id': p.callId, 'from-tag': p.fromTag });
}

export async function subscribeRequest(t: NgTransport, p: SubscribeRequestParams): Promise<SubscribeReply> {
  const reply = await t.request(
    'subscribe request',
    withFlags({ 'call-id': p.callId, 'from-tag': p.fromTag, 'from-tags': p.fromTags, 'to-tag': p.toTag }, p.flags, p.options),
  );
  const toTag = reply['to-tag'];
  if (typeof toTag !== 'string') throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: 'subscribe request', reason: 'reply has no to-tag' });
  const fromTags = Array.isArray(reply['from-tags']) ? reply['from-tags'].map(String) : [];
  return { ...reply, sdp: sdpOf(reply, 'subscribe request'), toTag, fromTags };
}

export async function subscribeAnswer(t: NgTransport, p: { callId: string; toTag: string; sdp: string; flags?: string[] }): Promise<void> {
  await t.request('subscribe answer', withFlags({ 'call-id': p.callId, 'to-tag': p.toTag, sdp: p.sdp }, p.flags, undefined));
}

export async function unsubscribe(t: NgTransport, p: { callId: string; toTag: string }): Promise<void> {
  await t.request('unsubscribe', { 'call-id': p.callId, 'to-tag': p.toTag });
}
