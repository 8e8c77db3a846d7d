/**
 * Failing a call open: Kamailio relays the suspended INVITE to the ring-all group (engine cfg); its
 * `call.failed_open` report comes back to the flow, which records the transition. The last resort of every
 * path that cannot decide: it refuses only a move the call's machine forbids (a call answered or gone);
 * a call we hold no state for (only its transaction ids) is always rung.
 */
import type { CallControl, SuspendedRef } from '../../engine/kamailio/call-control.ts';
import { assertCallTransition, type CallState } from '../machine.ts';

export type FailOpenReason = 'max_offers' | 'decision_failed' | 'distribution_failing' | 'unknown_call';

export function failOpen(control: CallControl, call: SuspendedRef & { id?: string; state?: CallState }, reason: FailOpenReason): void {
  if (call.state !== undefined) assertCallTransition(call.id ?? call.sipCallId, call.state, 'failed_open');
  control.ringAll(call, reason);
}
