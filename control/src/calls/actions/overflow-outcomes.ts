/**
 * What happens to a call relayed to another centre (overflow.ts): the centre rings, answers (the call is
 * talking there; BYE ends it normally), or fails (error reply, timeout, unreachable): then the call is back
 * in its queue at its place, re-suspended by Kamailio, and that centre is not tried again for it.
 */
import type { AppDeps } from '../../app/deps.ts';
import { enqueue } from '../../acd/queue.ts';
import { getCallExtras, setCallExtras } from '../extras.ts';
import { logCallEvent, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

export async function overflowRinging(deps: AppDeps, call: LiveCall, seq: number): Promise<void> {
  await writeFacts(deps, call.id, fact`UPDATE call_overflows SET ringing_at = coalesce(ringing_at, ${new Date()}) WHERE call_id = ${call.id} AND seq = ${seq}`);
}

export async function overflowAnswered(deps: AppDeps, call: LiveCall, seq: number, toTag: string): Promise<void> {
  if (call.state !== 'overflowed') return;
  const now = new Date();
  const { overflowUri } = await getCallExtras(deps.redis, call.sipCallId);
  await writeFacts(deps, call.id, fact`UPDATE call_overflows SET answered_at = ${now}, outcome = 'answered', sip_status = 200 WHERE call_id = ${call.id} AND seq = ${seq}`);
  await writeFacts(deps, call.id, fact`INSERT INTO call_legs (call_id, kind, party, to_tag, started_at) VALUES (${call.id}, 'external', ${overflowUri}, ${toTag || null}, ${now})`);
  await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, answeredSeatId: null, answeredMs: now.getTime() });
  const started = call.offeredMs || now.getTime();
  await transitionCall(deps, call, 'talking', { answered_at: now },
    { type: 'call.overflow_answered.v1', data: { call_id: call.id, seq, to_sip_uri: overflowUri, queue_ms: now.getTime() - call.queuedMs, ring_ms: now.getTime() - started, answer_ms: now.getTime() - call.arrivedMs } }, now);
}

/** The centre did not take the call: back in its queue at its place (same score), that centre excluded for it. */
export async function overflowFailed(deps: AppDeps, call: LiveCall, seq: number, sipStatus: number, ref: { tindex: number; tlabel: number }): Promise<void> {
  const now = new Date();
  const extras = await getCallExtras(deps.redis, call.sipCallId);
  await saveLiveCall(deps.redis, { sipCallId: call.sipCallId, tindex: ref.tindex, tlabel: ref.tlabel });
  await setCallExtras(deps.redis, call.sipCallId, { overflowTried: [...new Set([...extras.overflowTried, `sip:${extras.overflowUri}`])], overflowUri: '' });
  await writeFacts(deps, call.id, fact`UPDATE call_overflows SET ended_at = ${now}, outcome = 'failed', sip_status = ${sipStatus} WHERE call_id = ${call.id} AND seq = ${seq}`);
  await logCallEvent(deps, call.id, 'call.overflow_failed.v1', { call_id: call.id, seq, to_sip_uri: extras.overflowUri, sip_status: sipStatus, queue_id: call.queueId }, now);
  const back = await transitionCall(deps, call, 'queued', {},
    { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason: 'overflow_failed' } }, now);
  await enqueue(deps.redis, back.queueId, call.sipCallId, call.priority, call.arrivedMs);
}

/** The caller hung up (or the call failed open) while the other centre rang: the overflow row ends. */
export async function overflowAborted(deps: AppDeps, call: LiveCall, outcome: 'cancelled' | 'failed', sipStatus: number | null): Promise<void> {
  await writeFacts(deps, call.id, fact`UPDATE call_overflows SET ended_at = ${new Date()}, outcome = ${outcome}, sip_status = ${sipStatus} WHERE call_id = ${call.id} AND ended_at IS NULL`);
}
