/**
 * How a transfer ends: succeeded (call.transferred.v1) or failed (call.transfer_failed.v1). A failure puts the call
 * record back to talking with the dispatcher (the old dialog is still up: nothing of ours ended it); a new leg that
 * was already ours and still waits for an answer is refused, so that the gateway keeps the caller on the old dialog
 * (RFC 3515: the transferee's original call is untouched by a failed REFER).
 */
import type { EventData } from '../../events/schema.ts';
import { getLiveCall, logCallEvent, transitionCall, type LiveCall } from '../store.ts';
import { clearDeadline } from './deadlines.ts';
import type { TransferFailReason } from './machine.ts';
import { incidentOf, moveTransfer, oldDialogKey, transferIdAt, type Transfer, type TransferDeps } from './store.ts';

export async function succeedTransfer(deps: TransferDeps, t: Transfer, newSipCallId: string, to: { seatId?: string | null; queueId?: string | null }, finalStatus: number | null = null): Promise<void> {
  if (t.state === 'succeeded' || t.state === 'failed') return;
  clearDeadline(t.id);
  const now = new Date();
  await moveTransfer(deps.sql, t, 'succeeded', { final_status: finalStatus, new_sip_call_id: newSipCallId }, now);
  const data: EventData['call.transferred.v1'] = {
    call_id: t.call_id, transfer_id: t.id, incident_id: await incidentOf(deps.sql, t.call_id), target_kind: t.target_kind,
    new_sip_call_id: newSipCallId, to_seat_id: to.seatId ?? null, to_queue_id: to.queueId ?? null, elapsed_ms: now.getTime() - new Date(t.requested_at).getTime(),
  };
  await logCallEvent(deps, t.call_id, 'call.transferred.v1', data, now);
}

/**
 * The transfer failed: the record goes back to talking with the old dialog's live call (if the caller is still on
 * it), the marks are cleared. Returns the old live call, if the caller is still with the dispatcher.
 */
export async function failTransfer(deps: TransferDeps, t: Transfer, reason: TransferFailReason, sipStatus: number | null): Promise<LiveCall | undefined> {
  if (t.state === 'succeeded' || t.state === 'failed') return undefined;
  clearDeadline(t.id);
  const now = new Date();
  await moveTransfer(deps.sql, t, 'failed', { fail_reason: reason, final_status: sipStatus, ...(reason === 'refer_refused' ? { refer_status: sipStatus } : {}) }, now);
  const oldSipCallId = await oldDialogOf(deps, t.call_id);
  const old = await oldDialogUp(deps, t);
  let back: LiveCall | undefined;
  if (old) {
    back = await transitionCall(deps, old, 'talking', {}, null, now);
  }
  if (oldSipCallId) await deps.redis.del(oldDialogKey(oldSipCallId));
  await logCallEvent(deps, t.call_id, 'call.transfer_failed.v1', {
    call_id: t.call_id, transfer_id: t.id, incident_id: await incidentOf(deps.sql, t.call_id), reason, sip_status: sipStatus,
  }, now);
  deps.log.info({ call_id: t.call_id, transfer_id: t.id, reason, sip_status: sipStatus }, 'transfer failed: the caller stays with the dispatcher');
  return back;
}

/**
 * The old dialog's live call while the caller is still on it with this transfer in flight; undefined once the gateway
 * ended it (transfer/progress.ts onTransferringBye clears the mark; the retired live call itself lingers in Redis).
 */
export async function oldDialogUp(deps: TransferDeps, t: Pick<Transfer, 'id' | 'call_id'>): Promise<LiveCall | undefined> {
  const oldSipCallId = await oldDialogOf(deps, t.call_id);
  if (!oldSipCallId || (await transferIdAt(deps.redis, oldDialogKey(oldSipCallId))) !== t.id) return undefined;
  const old = await getLiveCall(deps.redis, oldSipCallId);
  return old?.state === 'transferring' ? old : undefined;
}

/** The SIP Call-ID of the call's first (old) dialog: the record's own. */
export async function oldDialogOf(deps: Pick<TransferDeps, 'sql'>, callId: string): Promise<string | undefined> {
  const [row] = await deps.sql<{ sip_call_id: string }[]>`SELECT sip_call_id FROM calls WHERE id = ${callId}`;
  return row?.sip_call_id;
}
