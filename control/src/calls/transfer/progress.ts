/**
 * What Kamailio reports about a transfer on the OLD dialog (its Call-ID), in that call's chain:
 *   - transfer.refer_reply: the gateway's final answer to the REFER (202: referred; 4xx/5xx/6xx, 501 included:
 *     the gateway will not transfer, the caller stays with the dispatcher);
 *   - transfer.notify: the gateway's NOTIFY (RFC 3515 2.4.5), whose message/sipfrag status line tells how its new
 *     INVITE fares (18x ringing, 2xx answered, >= 300 failed). Kamailio answers every such NOTIFY itself;
 *   - the old dialog's BYE while the call is transferring: after the new leg exists, only the old legs end (the
 *     dispatcher's seat goes to wrap-up); before it, the caller hung up: the transfer fails and the call ends.
 */
import type { FlowContext } from '../flow/context.ts';
import { startWrapUp } from '../flow/ended.ts';
import { getLiveCall, retireLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { clearDeadline } from './deadlines.ts';
import { progressOf, transferFailReason } from './machine.ts';
import { failTransfer, succeedTransfer } from './outcome.ts';
import { endOldLegs, getTransfer, moveTransfer, oldDialogKey, transferIdAt, type Transfer } from './store.ts';

async function liveTransferOf(f: FlowContext, oldSipCallId: string): Promise<Transfer | undefined> {
  const id = await transferIdAt(f.deps.redis, oldDialogKey(oldSipCallId));
  const t = id ? await getTransfer(f.deps.sql, id) : undefined;
  return t && t.state !== 'succeeded' && t.state !== 'failed' ? t : undefined;
}

export async function onReferReply(f: FlowContext, oldSipCallId: string, code: number): Promise<void> {
  const t = await liveTransferOf(f, oldSipCallId);
  if (!t) return;
  if (code >= 200 && code < 300) {
    if (t.state === 'requested') await moveTransfer(f.deps.sql, t, 'referred', { refer_status: code });
    return;
  }
  if (code >= 300) await failTransfer(f.deps, t, 'refer_refused', code);
}

export async function onTransferNotify(f: FlowContext, oldSipCallId: string, code: number): Promise<void> {
  const t = await liveTransferOf(f, oldSipCallId);
  if (!t) return;
  const p = progressOf(code);
  if (p === 'trying') {
    if (t.state === 'requested') await moveTransfer(f.deps.sql, t, 'referred');
    return;
  }
  if (p === 'ringing') {
    await moveTransfer(f.deps.sql, t, 'ringing');
    return;
  }
  if (p === 'answered') {
    const leg = t.new_sip_call_id ? await getLiveCall(f.deps.redis, t.new_sip_call_id) : undefined;
    await succeedTransfer(f.deps, t, t.new_sip_call_id ?? '', { seatId: leg?.answeredSeatId ?? null, queueId: t.target.kind === 'queue' ? t.target.queue_id : null }, code);
    return;
  }
  // the gateway's new INVITE failed: a leg of ours was already refused (new-leg.ts); otherwise it failed elsewhere
  await failTransfer(f.deps, t, transferFailReason(code), code);
}

/** True when the BYE was the end of a transferring call's old dialog and has been handled here. */
export async function onTransferringBye(f: FlowContext, old: LiveCall, by: 'caller' | 'seat'): Promise<boolean> {
  if (old.state !== 'transferring') return false;
  const id = await transferIdAt(f.deps.redis, oldDialogKey(old.sipCallId));
  const t = id ? await getTransfer(f.deps.sql, id) : undefined;
  const now = new Date();
  if (t?.new_sip_call_id) {
    // the caller is on the new leg: only the old dialog's legs end; the record goes on with the new leg
    clearDeadline(t.id);
    const leg = await getLiveCall(f.deps.redis, t.new_sip_call_id);
    if (t.state !== 'failed' && leg && (leg.state === 'talking' || leg.state === 'queued')) {
      await succeedTransfer(f.deps, t, t.new_sip_call_id, { seatId: leg.answeredSeatId, queueId: t.target.kind === 'queue' ? t.target.queue_id : null });
    }
    await endOldLegs(f.deps.sql, old.id, now);
    if (old.answeredSeatId) await startWrapUp(f, old.answeredSeatId, old.queueId, now);
    await f.deps.redis.del(oldDialogKey(old.sipCallId));
    await retireLiveCall(f.deps.redis, old.sipCallId);
    return true;
  }
  // no new leg yet: whoever hung up, the call is over (the gateway will not transfer a call it ended)
  if (t) await failTransfer(f.deps, t, 'caller_hung_up', null);
  const current = (await getLiveCall(f.deps.redis, old.sipCallId)) ?? old;
  await transitionCall(f.deps, current, 'ended', { ended_at: now, ended_by: by, end_reason: 'normal' },
    { type: 'call.ended.v1', data: { call_id: old.id, ended_by: by, reason: 'normal', answered_seat_id: old.answeredSeatId, talk_ms: old.answeredMs ? now.getTime() - old.answeredMs : null } }, now);
  await f.deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${old.id} AND ended_at IS NULL`;
  if (old.answeredSeatId) await startWrapUp(f, old.answeredSeatId, old.queueId, now);
  await f.deps.redis.del(oldDialogKey(old.sipCallId));
  await retireLiveCall(f.deps.redis, old.sipCallId);
  return true;
}
