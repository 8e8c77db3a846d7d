/**
 * A call offered to one seat: the seat's phone rings, or the offer fails (no answer, rejected, unreachable):
 * the seat is judged (missed offers) and the call goes back to its place in the queue.
 */
import { enqueue } from '../../acd/queue.ts';
import type { EngineEvent } from '../../engine/kamailio/events.ts';
import { acdSettingsOf } from '../../queues/acd-settings.ts';
import { queueSettings } from '../../queues/routing.ts';
import { seatMissedOffer } from '../../seats/state/missed-offers.ts';
import { seatKey } from '../../seats/state/store.ts';
import { failOpen } from '../actions/fail-open.ts';
import { offerFailReason } from '../machine.ts';
import { endInEngineIfEnded } from '../ended-in-engine.ts';
import { getLiveCall, logCallEvent, saveLiveCall, transitionCall } from '../store.ts';
import type { FlowContext } from './context.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';
import { onTransferLegOfferFailed } from '../transfer/new-leg.ts';

export async function onRinging(f: FlowContext, callId: string, attempt: number): Promise<void> {
  const call = await getLiveCall(f.deps.redis, callId);
  if (!call) return;
  await writeFacts(f.deps, call.id, fact`UPDATE call_offers SET ringing_at = coalesce(ringing_at, ${new Date()}) WHERE call_id = ${call.id} AND attempt = ${attempt}`);
}

export async function onOfferFailed(f: FlowContext, e: Extract<EngineEvent, { event: 'offer.failed' }>): Promise<void> {
  f.seen(e.callId);
  const call = await getLiveCall(f.deps.redis, e.callId);
  if (!call) {
    const ref = { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel };
    if (!(await endInEngineIfEnded(f.deps, f.control, ref))) failOpen(f.control, ref, 'unknown_call');
    return;
  }
  if (await onTransferLegOfferFailed(f, e.callId, e.code, e.tindex, e.tlabel)) return; // calls/transfer/new-leg.ts
  await saveLiveCall(f.deps.redis, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel, seatId: null });
  const reason = offerFailReason(e.code);
  const seatId = call.seatId;
  if (e.attempt > 0) {
    await writeFacts(f.deps, call.id, fact`UPDATE call_offers SET ended_at = ${new Date()}, outcome = ${reason}, sip_status = ${e.code} WHERE call_id = ${call.id} AND attempt = ${e.attempt}`);
  }
  if (seatId) {
    await logCallEvent(f.deps, call.id, 'call.offer_failed.v1', { call_id: call.id, seat_id: seatId, attempt: e.attempt, reason, sip_status: e.code });
    // below the queue's missed_offers_not_ready the seat goes back to ready; at it, not ready (seats/state/missed-offers.ts)
    const { missedOffersNotReady } = acdSettingsOf((await queueSettings(f.deps, call.queueId)).settings);
    await seatMissedOffer(f.deps, seatId, call, reason, missedOffersNotReady);
    if (reason === 'unreachable') {
      // not awaited (the call goes back to its queue now), so its failure is logged here: left unhandled, a refused
      // ul.lookup ended the control plane's process (CI run C)
      const sipUser = (await f.deps.redis.hget(seatKey(seatId), 'sip_user')) ?? '';
      f.registrations.refresh(sipUser).catch((err: unknown) => f.deps.log.warn({ err: String(err), seat_id: seatId },
        'registration of an unreachable seat not re-read; the tracker catches up at the next Kamailio report'));
    }
  }
  const requeued = await transitionCall(f.deps, { ...call, state: call.state === 'failed_open' ? 'failed_open' : call.state }, 'queued', {},
    { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason } });
  await enqueue(f.deps.redis, requeued.queueId, e.callId, call.priority, call.arrivedMs);
  void f.distributor.kick([call.queueId]);
}
