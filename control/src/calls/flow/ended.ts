/**
 * A call ends: the caller hangs up while waiting or ringing (CANCEL: abandoned), or either side hangs up a
 * connected call (BYE: ended, the seat goes to wrap-up).
 */
import { dequeue } from '../../acd/queue.ts';
import { queueSettings } from '../../queues/routing.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { getLiveCall, logCallEvent, retireLiveCall, transitionCall, type LiveCall } from '../store.ts';
import type { FlowContext } from './context.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';
import { onTransferringBye } from '../transfer/progress.ts';

export async function onCancelled(f: FlowContext, callId: string, phase: 'queued' | 'offering'): Promise<void> {
  const call = await getLiveCall(f.deps.redis, callId);
  // talking: the seat's 200 crossed the CANCEL (RFC 3261 9.1), the caller hangs up with a BYE (onBye)
  if (!call || call.state === 'abandoned' || call.state === 'ended' || call.state === 'talking') return;
  await f.media?.end(call, false);
  const now = new Date();
  await dequeue(f.deps.redis, call.queueId, callId);
  if (call.state === 'offering' && call.seatId) {
    await writeFacts(f.deps, call.id, fact`UPDATE call_offers SET ended_at = ${now}, outcome = 'cancelled', sip_status = 487 WHERE call_id = ${call.id} AND attempt = ${call.attempt}`);
    await transitionSeat(f.deps, call.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
  }
  await f.routed.aborted(call, 'cancelled', 487);
  const waitMs = now.getTime() - call.arrivedMs;
  await transitionCall(f.deps, call, 'abandoned', { ended_at: now, ended_by: 'caller', end_reason: 'abandoned' },
    { type: 'call.abandoned.v1', data: { call_id: call.id, queue_id: call.queueId, caller_number: call.callerNumber || null, wait_ms: waitMs, phase: call.state === 'offering' ? 'offering' : phase } }, now);
  await listAbandoned(f, call, waitMs, now);
  await logCallEvent(f.deps, call.id, 'call.ended.v1', { call_id: call.id, ended_by: 'caller', reason: 'abandoned', answered_seat_id: null, talk_ms: null }, now);
  await retireLiveCall(f.deps.redis, callId);
  f.control.confirmed(callId);
  void f.distributor.kick([call.queueId]);
}

/** The callback work list (abandoned_calls): a dispatcher calls the number back. */
export async function listAbandoned(f: FlowContext, call: LiveCall, waitMs: number, now: Date): Promise<void> {
  await writeFacts(f.deps, call.id, fact`INSERT INTO abandoned_calls (call_id, centre_id, queue_id, caller_number, wait_ms, abandoned_at)
    VALUES (${call.id}, ${call.centreId}, ${call.queueId}, ${call.callerNumber || null}, ${waitMs}, ${now}) ON CONFLICT (call_id) DO NOTHING`);
}

export async function onBye(f: FlowContext, callId: string, by: 'caller' | 'seat', at = new Date()): Promise<void> {
  const call = await getLiveCall(f.deps.redis, callId);
  if (call && (await onTransferringBye(f, call, by))) return; // calls/transfer/progress.ts
  if (!call || call.state !== 'talking') return;
  const now = at; // the time Kamailio kept when the BYE came while we were away (sync.ts)
  await transitionCall(f.deps, call, 'ended', { ended_at: now, ended_by: by, end_reason: 'normal' },
    { type: 'call.ended.v1', data: { call_id: call.id, ended_by: by, reason: 'normal', answered_seat_id: call.answeredSeatId, talk_ms: call.answeredMs ? now.getTime() - call.answeredMs : null } }, now);
  await writeFacts(f.deps, call.id, fact`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`);
  // a seat that left the call's three-way went to wrap-up then (calls/conference/seat-leaves.ts)
  if (call.answeredSeatId && !call.seatLeft) await startWrapUp(f, call.answeredSeatId, call.queueId, now);
  await retireLiveCall(f.deps.redis, callId);
  // a pair's node that took the call over may still hold its early-media placeholder (docs/ha.md)
  await f.media?.dropPlaceholder(call);
}

export async function startWrapUp(f: FlowContext, seatId: string, queueId: string, now: Date): Promise<void> {
  await seatWrapUp(f.deps, () => void f.distributor.kick(), seatId, queueId, now);
}

/** The seat's talk is over: wrap-up for the queue's time, or ready at once (and the distributor kicked). */
export async function seatWrapUp(deps: FlowContext['deps'], kick: () => void, seatId: string, queueId: string, now: Date): Promise<void> {
  const { wrapupS } = await queueSettings(deps, queueId);
  if (wrapupS <= 0) {
    await transitionSeat(deps, seatId, 'ready', { from: ['talking'], set: { call: '', idle_since: now.getTime() } });
    kick();
    return;
  }
  await transitionSeat(deps, seatId, 'wrap_up', { from: ['talking'], set: { call: '', wrapup_until: now.getTime() + wrapupS * 1000 } });
}
