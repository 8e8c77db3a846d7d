/**
 * The gateway's new INVITE to `xfer-<token>` (the Refer-To URI): Kamailio suspends it like any call to the centre
 * and reports call.new; here it becomes a new leg of the SAME call record (call_legs.sip_call_id / transfer_id),
 * with its own live call (the new SIP Call-ID) that keeps the record's id, priority and original arrival time:
 *   - a queue target: the caller waits in that queue at its priority and first arrival (service-level figures
 *     count from the first arrival); the transfer has succeeded (the caller is ours, and fails open like any call);
 *   - a seat target: the call is offered to that seat for the transfer's no-answer time; answered -> talking there;
 *     not ready, busy or no answer -> the new INVITE is refused and the gateway keeps the caller with the dispatcher,
 *     or, if the gateway already ended the old dialog, the caller goes back to the head of the original queue;
 *   - another centre or an outside number: relayed out through the directory entry's trunk (out-leg.ts), with the
 *     same outcomes as a seat target.
 * An INVITE with a token we do not know (expired, used) is a new call like any other: never refused here.
 */
import { enqueue } from '../../acd/queue.ts';
import type { CallNewEvent } from '../../engine/kamailio/events.ts';
import { getSeatLive, transitionSeat } from '../../seats/state/store.ts';
import type { FlowContext } from '../flow/context.ts';
import { offerToSeat } from '../offers/offer.ts';
import { getLiveCall, retireLiveCall, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { clearDeadline } from './deadlines.ts';
import { transferFailReason, transferTokenOf } from './machine.ts';
import { failTransfer, oldDialogOf, oldDialogUp, succeedTransfer } from './outcome.ts';
import { relayTransferLeg } from './out-leg.ts';
import { getTransfer, insertTransferLeg, legKey, markTransfer, setNewLeg, takeToken, transferIdAt } from './store.ts';

/** True when the call.new was a transfer's new leg and has been handled here. */
export async function onTransferLeg(f: FlowContext, e: CallNewEvent): Promise<boolean> {
  const token = transferTokenOf(e.ruriUser);
  if (!token) return false;
  const transferId = await takeToken(f.deps.redis, token);
  const t = transferId ? await getTransfer(f.deps.sql, transferId) : undefined;
  if (!t || t.state === 'succeeded' || t.state === 'failed') {
    f.deps.log.warn({ call: e.callId, transfer_id: transferId }, 'INVITE to an unknown or finished transfer token: handled as a new call');
    return false;
  }
  clearDeadline(t.id);
  f.seen(e.callId);
  const oldSipCallId = await oldDialogOf(f.deps, t.call_id);
  const old = oldSipCallId ? await getLiveCall(f.deps.redis, oldSipCallId) : undefined;
  const now = new Date();
  const queueId = t.target.kind === 'queue' ? t.target.queue_id : (old?.queueId ?? '');
  const leg: LiveCall = {
    sipCallId: e.callId, id: t.call_id, centreId: old?.centreId ?? f.deps.config.centreId, state: 'transferring', tindex: e.tindex, tlabel: e.tlabel,
    queueId, priority: old?.priority ?? 0, arrivedMs: old?.arrivedMs ?? e.arrivedAt.getTime(), queuedMs: now.getTime(), attempt: old?.attempt ?? 0,
    seatId: null, offeredMs: 0, callerNumber: old?.callerNumber ?? '', answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: e.fromTag, early: false,
    ...(f.deps.config.node ? { node: f.deps.config.node } : {}),
  };
  // independent writes together, all before the new leg goes anywhere (the transfer's time to the target ringing:
  // bench/transfer.ts); a seat target's live state read meanwhile
  const [seat] = await Promise.all([
    t.target.kind === 'seat' ? getSeatLive(f.deps.redis, t.target.seat_id) : undefined,
    saveLiveCall(f.deps.redis, leg),
    markTransfer(f.deps.redis, legKey(e.callId), t.id),
    setNewLeg(f.deps.sql, t.id, e.callId),
    insertTransferLeg(f.deps.sql, t.call_id, t.id, e.callId, leg.callerNumber || null, e.fromTag, e.arrivedAt),
  ]);
  if (t.target.kind === 'queue') {
    await transitionCall(f.deps, leg, 'queued', { queue_id: queueId },
      { type: 'call.queued.v1', data: { call_id: t.call_id, queue_id: queueId, priority: leg.priority, requeued: true, reason: 'transfer' } }, now, { liveAlreadySet: false });
    await enqueue(f.deps.redis, queueId, e.callId, leg.priority, leg.arrivedMs);
    void f.distributor.kick([queueId]);
    await succeedTransfer(f.deps, { ...t, new_sip_call_id: e.callId }, e.callId, { queueId });
    return true;
  }
  if (t.target.kind === 'seat') {
    const ringS = Math.max(1, Math.round(transferNoAnswerMs(f) / 1000));
    const offered = seat && seat.state === 'ready'
      ? await offerToSeat(f.deps, f.control, f.serial, leg, { seatId: seat.seatId, sipUser: seat.sipUser, state: seat.state, registered: true, queues: seat.queues, idleSinceMs: seat.idleSinceMs, callsToday: seat.callsToday }, ringS)
      : false;
    if (!offered) await legFailed(f, leg, 486);
    return true;
  }
  // another centre or an outside number (110/119/122): relayed out through its trunk (out-leg.ts)
  if (!(await relayTransferLeg(f, t.target, leg, transferNoAnswerMs(f)))) await legFailed(f, leg, 503);
  return true;
}

/** How long a seat target rings (CTI_TRANSFER_NO_ANSWER_MS, default 20 s). */
export function transferNoAnswerMs(f: Pick<FlowContext, 'deps'>): number {
  const v = Number(process.env.CTI_TRANSFER_NO_ANSWER_MS);
  return Number.isFinite(v) && v > 0 ? v : 20_000;
}

/**
 * The new leg's offer to the target seat failed (Kamailio's offer.failed for the new Call-ID). True when handled here;
 * false lets the ordinary flow put the call back in its queue (the old dialog is gone: the queue head keeps the caller).
 */
export async function onTransferLegOfferFailed(f: FlowContext, callId: string, code: number, tindex: number, tlabel: number): Promise<boolean> {
  const transferId = await transferIdAt(f.deps.redis, legKey(callId));
  if (!transferId) return false;
  const leg = await getLiveCall(f.deps.redis, callId);
  if (!leg) return false;
  const decide = async (): Promise<boolean> => {
    if (!(await oldDialogUp(f.deps, { id: transferId, call_id: leg.id }))) {
      const t = await getTransfer(f.deps.sql, transferId);
      if (t) await failTransfer(f.deps, t, transferFailReason(code), code);
      return false; // the caller is only on the new leg now: the queue head, like any offer that failed
    }
    if (leg.seatId) {
      await f.deps.sql`UPDATE call_offers SET ended_at = now(), outcome = 'failed', sip_status = ${code} WHERE call_id = ${leg.id} AND attempt = ${leg.attempt}`;
      await transitionSeat(f.deps, leg.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
    }
    await legFailed(f, { ...leg, tindex, tlabel }, code);
    return true;
  };
  // decided in the old dialog's chain: its BYE, if the gateway sent one before this failure (some end the old dialog
  // right after the 202), is handled first, so the caller is requeued rather than refused on a dialog that is gone
  const oldSipCallId = await oldDialogOf(f.deps, leg.id);
  return oldSipCallId ? f.serial.run(oldSipCallId, decide) : decide();
}

/** Refuse the new leg (the gateway keeps the caller on the old dialog) and fail the transfer. */
async function legFailed(f: FlowContext, leg: LiveCall, code: number): Promise<void> {
  const transferId = await transferIdAt(f.deps.redis, legKey(leg.sipCallId));
  f.control.reject(leg, code >= 400 && code <= 699 ? code : 480, 'Transfer target unavailable');
  await f.deps.sql`UPDATE call_legs SET ended_at = now() WHERE sip_call_id = ${leg.sipCallId} AND ended_at IS NULL`;
  await retireLiveCall(f.deps.redis, leg.sipCallId);
  const t = transferId ? await getTransfer(f.deps.sql, transferId) : undefined;
  if (t) await failTransfer(f.deps, t, transferFailReason(code), code);
}
