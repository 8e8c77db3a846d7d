/**
 * Ending a call the system declines (screening's warn_then_end, after the warning has played): Kamailio
 * answers the suspended INVITE 603 Decline, and the call is ended with the reason `screened`. The only way
 * our code ends a caller's call on purpose; checked against the call's machine before anything is sent.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import { assertCallTransition } from '../machine.ts';
import { retireLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

export async function declineScreenedCall(deps: AppDeps, control: CallControl, call: LiveCall): Promise<void> {
  assertCallTransition(call.id, call.state, 'ended');
  const now = new Date();
  control.reject(call, 603, 'Decline');
  await transitionCall(deps, call, 'ended', { ended_at: now, ended_by: 'system', end_reason: 'screened' },
    { type: 'call.ended.v1', data: { call_id: call.id, ended_by: 'system', reason: 'screened', answered_seat_id: null, talk_ms: null } }, now);
  await writeFacts(deps, call.id, fact`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`);
  await retireLiveCall(deps.redis, call.sipCallId);
}
