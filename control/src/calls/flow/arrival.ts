/**
 * A call arrives (Kamailio's call.new): routed to its queue, screened, raised if a repeat caller, recorded,
 * queued and distributed; then what the caller hears while waiting. A call Kamailio re-sends after our
 * reconnect is put back in line (resync).
 */
import { randomUUID } from 'node:crypto';
import { enqueue } from '../../acd/queue.ts';
import { noteArrival, queuePriority } from '../../acd/repeat-caller.ts';
import { closeItemsCalledAgain } from '../../callbacks/called-again.ts';
import { callerNumber, type CallNewEvent } from '../../engine/kamailio/events.ts';
import { acdSettingsOf } from '../../queues/acd-settings.ts';
import { announcementPlanOf, queueAnnouncementPlan } from '../../queues/announcements.ts';
import { routeCall } from '../../queues/routing.ts';
import type { AnnouncementSettings } from '../../queues/settings.ts';
import { recordDecision } from '../../screening/decision-log.ts';
import type { ScreeningDecision } from '../../screening/policy.ts';
import { screenCall } from '../../screening/screen.ts';
import { transitionSeat } from '../../seats/state/store.ts';
import { declineScreenedCall } from '../actions/decline.ts';
import { endInEngineIfEnded } from '../ended-in-engine.ts';
import { keepTakeoverIdentity } from '../../ha/takeover/identity.ts';
import { getLiveCall, logCallEvent, saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import type { FlowContext } from './context.ts';
import { fact, type FactStatement } from '../../ha/outbox/statement.ts';
import type { EventData } from '../../events/schema.ts';
import { writeFacts } from '../../ha/outbox/write.ts';
import { onTransferLeg } from '../transfer/new-leg.ts';
import { resyncStep } from './resync-step.ts';
import { restoreMissingRow } from './missing-row.ts';

export async function onCallNew(f: FlowContext, e: CallNewEvent): Promise<void> {
  f.seen(e.callId);
  const existing = await getLiveCall(f.deps.redis, e.callId);
  if ((e.sync || e.takeover) && (await endInEngineIfEnded(f.deps, f.control, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel }, existing))) return;
  if (existing) return resync(f, existing, e);
  if (await onTransferLeg(f, e)) return; // a blind transfer's new leg (calls/transfer/new-leg.ts)
  const number = callerNumber(e);
  // screening never drops a call: at worst lowest priority, a mark for the seat (screening/policy.ts)
  const [{ queue, priority: routed }, screening, previousArrivalMs] = await Promise.all([
    routeCall(f.deps, e.ruriUser || e.toUser, e.trunk),
    f.deps.config.screeningEnabled
      ? screenCall(f.deps, { callerNumber: number, calledNumber: e.ruriUser || e.toUser, trunkId: e.trunk, at: e.arrivedAt }, { announcements: f.media !== undefined })
      : Promise.resolve(undefined),
    noteArrival(f.deps.redis, number, e.arrivedAt.getTime()).catch(() => null),
  ]);
  // a repeat caller is raised (likely the same emergency); a screening priority (nuisance: lowest) wins over that
  const { priority, reason: priorityReason } = queuePriority(routed, screening?.priority, previousArrivalMs, e.arrivedAt.getTime(), acdSettingsOf(queue.settings).repeatCaller);
  const now = new Date();
  const id = randomUUID();
  // decide first (Redis only), so the offer leaves at once; the facts follow in this call's chain
  const call: LiveCall = {
    sipCallId: e.callId, id, centreId: queue.centreId, state: 'queued', tindex: e.tindex, tlabel: e.tlabel, queueId: queue.id,
    priority, arrivedMs: e.arrivedAt.getTime(), queuedMs: now.getTime(), attempt: 0, seatId: null, offeredMs: 0,
    callerNumber: number, answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: e.fromTag, early: false,
    ...(f.deps.config.node ? { node: f.deps.config.node } : {}),
  };
  await saveLiveCall(f.deps.redis, call);
  await keepIdentity(f, e);
  // a caller to be warned first (screening's 训诫语) joins the queue only after the warning (announce below)
  const warn = screening?.announcement === 'warning' && f.media !== undefined;
  if (!warn) {
    await enqueue(f.deps.redis, queue.id, e.callId, priority, call.arrivedMs);
    void f.distributor.kick([queue.id]);
  }
  await writeFacts(f.deps, id, ...arrivalFacts(id, e, { centreId: queue.centreId, queueId: queue.id, priority, priorityReason, state: 'offered' }));
  void closeItemsCalledAgain(f.deps, { callId: id, centreId: queue.centreId, callerNumber: number });
  if (screening) await recordDecision(f.deps, { callId: id, sipCallId: e.callId, centreId: queue.centreId, at: e.arrivedAt }, screening);
  await logCallEvent(f.deps, id, 'call.offered.v1', offeredEvent(id, e), e.arrivedAt);
  await transitionCall(f.deps, { ...call, state: 'offered' }, 'queued', { queued_at: now },
    { type: 'call.queued.v1', data: { call_id: id, queue_id: queue.id, priority, requeued: false, reason: priorityReason === 'repeat_caller' ? 'repeat_caller' : screening?.list ? 'screened' : null } }, now, { liveAlreadySet: true });
  await announce(f, call, e, queue.settings.announcements as AnnouncementSettings | undefined, warn ? screening : undefined);
}

/**
 * What the caller hears before a seat answers: screening's warning (then the queue, or the end of the call), or,
 * when no seat took the call at once, the queue's greeting, music and waiting prompt (announcements/).
 */
async function announce(f: FlowContext, call: LiveCall, e: CallNewEvent, settings: AnnouncementSettings | undefined, warning?: ScreeningDecision): Promise<void> {
  if (!f.media) return;
  if (warning) {
    const end = warning.end_after_announcement;
    const done = (): void => void f.serial.run(call.sipCallId, () => afterWarning(f, call.sipCallId, end))
      .catch((err) => f.failed(e, err));
    // a warning that cannot be played never ends a call: it is queued (lowest priority) at once
    // a call that ends after its warning never reaches a seat: it is recorded from the warning on (what the caller says)
    if (!(await f.media.begin(call, e.sdp, e.proto, f.media.warningProgram(call.id, end, done), { record: end }))) await afterWarning(f, call.sipCallId, false);
    return;
  }
  const plan = announcementPlanOf(settings);
  if (!plan.play) return;
  const live = await getLiveCall(f.deps.redis, call.sipCallId);
  if (!live || live.state !== 'queued' || f.control.isPending(call.sipCallId)) return; // a seat took it at once
  await f.media.begin(live, e.sdp, e.proto, f.media.waitingProgram(call.id, call.queueId, plan, true));
}

/** The warning has played: end the call (warn_then_end) or queue it at the priority screening chose. */
async function afterWarning(f: FlowContext, sipCallId: string, end: boolean): Promise<void> {
  const call = await getLiveCall(f.deps.redis, sipCallId);
  if (!call || call.state !== 'queued') return; // the caller hung up during the warning
  if (end) return declineScreenedCall(f.deps, f.control, call);
  await enqueue(f.deps.redis, call.queueId, sipCallId, call.priority, call.arrivedMs);
  void f.distributor.kick([call.queueId]);
  const plan = await queueAnnouncementPlan(f.deps, call.queueId);
  if (plan.play && call.early) await f.media?.begin(call, '', '', f.media.waitingProgram(call.id, call.queueId, plan, false));
}

/** What a takeover of this call by the other node of a pair would need (ha/takeover); a call too large for it is still queued. */
async function keepIdentity(f: FlowContext, e: CallNewEvent): Promise<void> {
  if (!f.deps.config.node) return;
  await keepTakeoverIdentity(f.deps.redis, e).catch((err) => f.deps.log.warn({ call: e.callId, code: err?.code, details: err?.details }, String(err?.message ?? err)));
}

/**
 * Kamailio re-sent a suspended call (after our reconnect), or holds it now because this node took it over from the
 * dead node of a pair (`takeover`, ha/takeover): take its transaction ids, put it back in line at its place.
 */
async function resync(f: FlowContext, call: LiveCall, e: CallNewEvent): Promise<void> {
  await restoreMissingRow(f.deps, call); // a kill -9 between the arrival's Redis save and its row (missing-row.ts)
  await saveLiveCall(f.deps.redis, { sipCallId: call.sipCallId, tindex: e.tindex, tlabel: e.tlabel });
  call = { ...call, tindex: e.tindex, tlabel: e.tlabel };
  if (e.takeover) {
    await keepIdentity(f, e);
    await logCallEvent(f.deps, call.id, 'call.queued.v1', { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason: 'takeover' });
    // the early media (183, rtpengine session) died with the other node: this transaction has none yet
    if (call.early) {
      call = { ...call, early: false };
      await saveLiveCall(f.deps.redis, { sipCallId: call.sipCallId, early: false });
    }
  }
  const step = resyncStep(call.state, call.seatId); // calls/flow/resync-step.ts
  if (step === 'requeue_release_seat' && call.seatId) {
    // Kamailio holds the call suspended again: the offer ended without an outcome we heard (or never left)
    await writeFacts(f.deps, call.id, fact`UPDATE call_offers SET ended_at = ${new Date()}, outcome = 'failed'
      WHERE call_id = ${call.id} AND attempt = ${call.attempt} AND outcome IS NULL`);
    await transitionSeat(f.deps, call.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
    call = await backInLine(f, call);
  } else if (step === 'requeue_routed') {
    // a ring_all offer or an overflow that ended while we were away: Kamailio holds the call again
    await f.routed.aborted(call, 'failed', null);
    call = await backInLine(f, call);
  } else if (step === 'requeue_failed_open') {
    // taken for failed open (a sync that did not see this call re-sent), but Kamailio holds it: left so, no seat would ever get it
    f.deps.log.warn({ call: call.sipCallId }, 'call taken for failed open is held by Kamailio: put back in line');
    call = await backInLine(f, call);
  }
  if (call.state === 'queued') {
    await enqueue(f.deps.redis, call.queueId, call.sipCallId, call.priority, call.arrivedMs);
    void f.distributor.kick([call.queueId]);
    // taken over: early media starts again on this node from the caller's offer (a 183 with this node's To-tag)
    if ((call.early || e.takeover) && f.media && !f.media.announcer.isPlaying(call.sipCallId)) {
      const plan = await queueAnnouncementPlan(f.deps, call.queueId);
      if (plan.play) await f.media.begin(call, e.takeover ? e.sdp : '', e.takeover ? e.proto : '', f.media.waitingProgram(call.id, call.queueId, plan, false));
    }
  }
  // last: the takeover (ha/takeover) waits for this mark, and lets distribution go once every call is back in line
  if (f.deps.config.node) await saveLiveCall(f.deps.redis, { sipCallId: call.sipCallId, node: f.deps.config.node });
}

/** Kamailio holds the call suspended again: queued (the caller's place is its arrival time). */
function backInLine(f: FlowContext, call: LiveCall): Promise<LiveCall> {
  return transitionCall(f.deps, call, 'queued', {}, { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason: 'resync' } });
}

/**
 * The call's row and caller leg as it arrived (also for a call that arrived while no control plane ran, written later
 * by the sync: away-arrival.ts, with state 'queued' and its queue time).
 */
export function arrivalFacts(
  id: string, e: CallNewEvent,
  r: { centreId: string; queueId: string; priority: number; priorityReason: string | null; state: 'offered' | 'queued'; queuedAt?: Date },
): FactStatement[] {
  const number = callerNumber(e);
  return [
    fact`
    INSERT INTO calls (id, centre_id, sip_call_id, caller_number, caller_name, caller_uri, called_number, trunk_id, source, queue_id,
                       priority, priority_reason, state, arrived_at, queued_at, sip_headers)
    VALUES (${id}, ${r.centreId}, ${e.callId}, ${number || null}, ${e.fromName || null}, ${e.fromUri || null}, ${e.ruriUser || e.toUser || null},
            ${e.trunk || null}, ${e.source || null}, ${r.queueId}, ${r.priority}, ${r.priorityReason}, ${r.state}, ${e.arrivedAt}, ${r.queuedAt ?? null},
            ${fact.json({ pai: e.pai, proto: e.proto, from_tag: e.fromTag })})`,
    fact`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at) VALUES (${id}, 'caller', ${number || null}, ${e.fromTag}, ${e.arrivedAt})`,
  ];
}

/** call.offered.v1 of a call as it arrived. */
export function offeredEvent(id: string, e: CallNewEvent): EventData['call.offered.v1'] {
  const number = callerNumber(e);
  return {
    call_id: id, sip_call_id: e.callId, caller_number: number || null, caller_name: e.fromName || null,
    called_number: e.ruriUser || e.toUser || null, trunk_id: e.trunk || null, source: e.source || null, arrived_at: e.arrivedAt.toISOString(),
  };
}
