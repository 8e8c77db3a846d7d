/**
 * Kamailio failed a call open (relayed it to the ring-all group, actions/fail-open.ts or its own watchdog):
 * whatever was in progress for it ends and the call is failed_open until someone answers.
 */
import { dequeue } from '../../acd/queue.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { getLiveCall, saveLiveCall, transitionCall } from '../store.ts';
import type { FlowContext } from './context.ts';

export async function onFailedOpen(f: FlowContext, callId: string, reason: string): Promise<void> {
  f.control.confirmed(callId);
  const call = await getLiveCall(f.deps.redis, callId);
  if (!call || call.state === 'failed_open' || call.state === 'talking') return;
  await dequeue(f.deps.redis, call.queueId, callId);
  if (call.state === 'offering' && call.seatId) {
    await transitionSeat(f.deps, call.seatId, 'ready', { from: ['reserved'], set: { call: '' } });
  }
  await f.routed.aborted(call, 'failed', null);
  await saveLiveCall(f.deps.redis, { sipCallId: callId, failedOpen: true, seatId: null });
  await transitionCall(f.deps, call, 'failed_open', { failed_open: true },
    { type: 'call.failed_open.v1', data: { call_id: call.id, sip_call_id: callId, reason, target: 'ringall' } });
}
