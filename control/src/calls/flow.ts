import type { AppDeps } from '../app/deps.ts';
import { enqueue, dequeue } from '../acd/queue.ts';
import type { Distributor } from './distribution/distributor.ts';
import type { CallControl } from '../engine/kamailio/call-control.ts';
import { callerNumber, type CallNewEvent, type EngineEvent } from '../engine/kamailio/events.ts';
import type { RegistrationTracker } from '../seats/state/registrations.ts';
import { allSeatsLive, getSeatLive, seatIdForSipUser, transitionSeat, seatKey } from '../seats/state/store.ts';
import { offerFailReason } from './machine.ts';
import { seatMissedOffer } from '../seats/state/missed-offers.ts';
import type { PerKeySerializer } from '../app/serial.ts';
import { randomUUID } from 'node:crypto';
import { routeCall, queueSettings } from './routing.ts';
import { screenCall } from '../screening/screen.ts';
import { recordDecision } from '../screening/decision-log.ts';
import { closeItemsCalledAgain } from '../callbacks/called-again.ts';
import { noteArrival, queuePriority } from '../acd/repeat-caller.ts';
import { acdSettingsOf } from '../queues/acd-settings.ts';
import { getLiveCall, logCallEvent, retireLiveCall, saveLiveCall, transitionCall, allLiveCalls, type LiveCall } from './store.ts';
import { isRinging } from './offers/ring-all.ts';
import { overflowAnswered } from './actions/overflow-outcomes.ts';
import { getCallExtras } from './extras.ts';
import { RoutedOutcomes } from './offers/routed-outcomes.ts';
import { failOpen } from './actions/fail-open.ts';
import type { CallMedia } from '../announcements/call-media.ts';
import { announcementPlanOf } from '../announcements/settings.ts';
import type { ScreeningDecision } from '../screening/policy.ts';
import type { AnnouncementSettings } from '../queues/settings.ts';

/**
 * The call flow: turns what Kamailio reports into call and seat transitions, facts and events.
 * Events of one call are handled strictly in order (a promise chain per Call-ID). Anything that throws
 * while a call waits in Kamailio fails that call open (ring-all), so our errors never strand a caller.
 */
export class CallFlow {
  private syncSeen: Set<string> | undefined;
  /** ring_all forks and overflows to another centre (offers/routed-outcomes.ts). */
  private readonly routed: RoutedOutcomes;

  constructor(
    private readonly deps: AppDeps,
    private readonly control: CallControl,
    private readonly distributor: Distributor,
    private readonly registrations: RegistrationTracker,
    private readonly serial: PerKeySerializer,
    /** Announcements (early media); absent: callers hear ringing only and screening warnings degrade. */
    private readonly media?: CallMedia,
  ) {
    this.routed = new RoutedOutcomes(deps, distributor, {
      answered: (e) => this.onAnswered(e.callId, e.seat, e.contact, e.attempt),
      offerFailed: (e) => this.onOfferFailed(e),
      seen: (callId) => this.syncSeen?.add(callId),
      answeredElsewhere: async (call) => { await this.media?.end(call, true); },
    });
  }

  handle(e: EngineEvent): Promise<void> {
    const key = 'callId' in e ? e.callId : `~${e.event}`;
    return this.serial.run(key, () => this.dispatch(e)).catch((err) => this.failed(e, err));
  }

  private async dispatch(e: EngineEvent): Promise<void> {
    switch (e.event) {
      case 'call.new': return this.onCallNew(e);
      case 'offer.ringing': return e.kind === 'seat' ? this.onRinging(e.callId, e.attempt) : this.routed.ringing(e);
      case 'offer.answered': return e.kind === 'seat' ? this.onAnswered(e.callId, e.seat, e.contact, e.attempt) : this.routed.answered(e);
      case 'offer.failed': return e.kind === 'seat' ? this.onOfferFailed(e) : this.routed.failed(e);
      case 'call.cancelled': return this.onCancelled(e.callId, e.phase);
      case 'call.bye': return this.onBye(e.callId, e.by);
      case 'call.failed_open': return this.onFailedOpen(e.callId, e.reason);
      case 'call.early': return this.media?.onEarly(e.callId, e.tindex, e.tlabel);
      case 'resumed': this.control.confirmed(e.callId, e.action || undefined); return;
      case 'resume_failed': this.control.failed(e.callId, e.action || undefined); return;
      case 'seat.registered':
      case 'seat.unregistered':
        await this.registrations.refresh(e.user);
        return;
      case 'sync.done': return this.onSyncDone();
    }
  }

  private async failed(e: EngineEvent, err: unknown): Promise<void> {
    this.deps.log.error({ err: String(err), stack: (err as Error)?.stack, event: e.event, call: 'callId' in e ? e.callId : undefined }, 'call flow error');
    if (e.event === 'call.new' || e.event === 'offer.failed') {
      // the call is suspended in Kamailio: fail open rather than leave it waiting on us
      failOpen(this.control, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel }, 'decision_failed');
    }
  }

  beginSync(): void {
    this.syncSeen = new Set();
    this.control.requestSync();
  }

  private async onCallNew(e: CallNewEvent): Promise<void> {
    this.syncSeen?.add(e.callId);
    const existing = await getLiveCall(this.deps.redis, e.callId);
    if (existing) return this.resync(existing, e);
    const number = callerNumber(e);
    // screening never drops a call: at worst lowest priority, a mark for the seat (screening/policy.ts)
    const [{ queue, priority: routed }, screening, previousArrivalMs] = await Promise.all([
      routeCall(this.deps, e.ruriUser || e.toUser, e.trunk),
      this.deps.config.screeningEnabled
        ? screenCall(this.deps, { callerNumber: number, calledNumber: e.ruriUser || e.toUser, trunkId: e.trunk, at: e.arrivedAt }, { announcements: this.media !== undefined })
        : Promise.resolve(undefined),
      noteArrival(this.deps.redis, number, e.arrivedAt.getTime()).catch(() => null),
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
    };
    await saveLiveCall(this.deps.redis, call);
    // a caller to be warned first (screening's 训诫语) joins the queue only after the warning (announce below)
    const warn = screening?.announcement === 'warning' && this.media !== undefined;
    if (!warn) {
      await enqueue(this.deps.redis, queue.id, e.callId, priority, call.arrivedMs);
      void this.distributor.kick([queue.id]);
    }
    await this.deps.sql`
      INSERT INTO calls (id, centre_id, sip_call_id, caller_number, caller_name, caller_uri, called_number, trunk_id, source, queue_id,
                         priority, priority_reason, state, arrived_at, sip_headers)
      VALUES (${id}, ${queue.centreId}, ${e.callId}, ${number || null}, ${e.fromName || null}, ${e.fromUri || null}, ${e.ruriUser || e.toUser || null},
              ${e.trunk || null}, ${e.source || null}, ${queue.id}, ${priority}, ${priorityReason}, 'offered', ${e.arrivedAt},
              ${this.deps.sql.json({ pai: e.pai, proto: e.proto, from_tag: e.fromTag })})`;
    await this.deps.sql`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at) VALUES (${id}, 'caller', ${number || null}, ${e.fromTag}, ${e.arrivedAt})`;
    void closeItemsCalledAgain(this.deps, { callId: id, centreId: queue.centreId, callerNumber: number });
    if (screening) await recordDecision(this.deps, { callId: id, sipCallId: e.callId, centreId: queue.centreId, at: e.arrivedAt }, screening);
    await logCallEvent(this.deps, id, 'call.offered.v1', {
      call_id: id, sip_call_id: e.callId, caller_number: number || null, caller_name: e.fromName || null,
      called_number: e.ruriUser || e.toUser || null, trunk_id: e.trunk || null, source: e.source || null, arrived_at: e.arrivedAt.toISOString(),
    }, e.arrivedAt);
    await transitionCall(this.deps, { ...call, state: 'offered' }, 'queued', { queued_at: now },
      { type: 'call.queued.v1', data: { call_id: id, queue_id: queue.id, priority, requeued: false, reason: priorityReason === 'repeat_caller' ? 'repeat_caller' : screening?.list ? 'screened' : null } }, now, { liveAlreadySet: true });
    await this.announce(call, e, queue.settings.announcements as AnnouncementSettings | undefined, warn ? screening : undefined);
  }

  /**
   * What the caller hears before a seat answers: screening's warning (then the queue, or the end of the call), or,
   * when no seat took the call at once, the queue's greeting, music and waiting prompt (announcements/).
   */
  private async announce(call: LiveCall, e: CallNewEvent, settings: AnnouncementSettings | undefined, warning?: ScreeningDecision): Promise<void> {
    if (!this.media) return;
    if (warning) {
      const end = warning.end_after_announcement;
      const done = (): void => void this.serial.run(call.sipCallId, () => this.afterWarning(call.sipCallId, end))
        .catch((err) => this.failed(e, err));
      // a warning that cannot be played never ends a call: it is queued (lowest priority) at once
      // a call that ends after its warning never reaches a seat: it is recorded from the warning on (what the caller says)
      if (!(await this.media.begin(call, e.sdp, e.proto, this.media.warningProgram(call.id, end, done), { record: end }))) await this.afterWarning(call.sipCallId, false);
      return;
    }
    const plan = announcementPlanOf(settings);
    if (!plan.play) return;
    const live = await getLiveCall(this.deps.redis, call.sipCallId);
    if (!live || live.state !== 'queued' || this.control.isPending(call.sipCallId)) return; // a seat took it at once
    await this.media.begin(live, e.sdp, e.proto, this.media.waitingProgram(call.id, call.queueId, plan, true));
  }

  /** The warning has played: end the call (warn_then_end) or queue it at the priority screening chose. */
  private async afterWarning(sipCallId: string, end: boolean): Promise<void> {
    const call = await getLiveCall(this.deps.redis, sipCallId);
    if (!call || call.state !== 'queued') return; // the caller hung up during the warning
    if (end) {
      const now = new Date();
      this.control.reject(call, 603, 'Decline');
      await transitionCall(this.deps, call, 'ended', { ended_at: now, ended_by: 'system', end_reason: 'screened' },
        { type: 'call.ended.v1', data: { call_id: call.id, ended_by: 'system', reason: 'screened', answered_seat_id: null, talk_ms: null } }, now);
      await this.deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`;
      await retireLiveCall(this.deps.redis, sipCallId);
      return;
    }
    await enqueue(this.deps.redis, call.queueId, sipCallId, call.priority, call.arrivedMs);
    void this.distributor.kick([call.queueId]);
    const plan = announcementPlanOf((await queueSettings(this.deps, call.queueId)).settings.announcements as AnnouncementSettings | undefined);
    if (plan.play && call.early) await this.media?.begin(call, '', '', this.media.waitingProgram(call.id, call.queueId, plan, false));
  }

  /** Kamailio re-sent a suspended call (after our reconnect): take its transaction ids, put it back in line. */
  private async resync(call: LiveCall, e: CallNewEvent): Promise<void> {
    await saveLiveCall(this.deps.redis, { sipCallId: call.sipCallId, tindex: e.tindex, tlabel: e.tlabel });
    if (call.state === 'offering' && call.seatId) {
      await transitionSeat(this.deps, call.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
      call = await transitionCall(this.deps, call, 'queued', {}, { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason: 'resync' } });
    } else if (call.state === 'offering' || call.state === 'overflowed') {
      // a ring_all offer or an overflow that ended while we were away: Kamailio holds the call again
      await this.routed.aborted(call, 'failed', null);
      call = await transitionCall(this.deps, call, 'queued', {}, { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason: 'resync' } });
    }
    if (call.state === 'queued') {
      await enqueue(this.deps.redis, call.queueId, call.sipCallId, call.priority, call.arrivedMs);
      void this.distributor.kick([call.queueId]);
      if (call.early && this.media && !this.media.announcer.isPlaying(call.sipCallId)) {
        const plan = announcementPlanOf((await queueSettings(this.deps, call.queueId)).settings.announcements as AnnouncementSettings | undefined);
        if (plan.play) await this.media.begin(call, '', '', this.media.waitingProgram(call.id, call.queueId, plan, false));
      }
    }
  }

  private async onRinging(callId: string, attempt: number): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    if (!call) return;
    await this.deps.sql`UPDATE call_offers SET ringing_at = coalesce(ringing_at, now()) WHERE call_id = ${call.id} AND attempt = ${attempt}`;
  }

  private async onAnswered(callId: string, seatUser: string, contact: string, attempt: number): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    if (!call || call.state === 'talking') return;
    await this.media?.end(call, true); // Kamailio stopped the prompts at the 200 already; this ends the program
    const now = new Date();
    let seatId = call.seatId;
    if (seatUser === 'ringall' || !seatId) {
      const user = seatUser !== 'ringall' ? seatUser : await this.registrations.sipUserByContact(contact);
      seatId = user ? (await seatIdForSipUser(this.deps, user)) ?? null : null;
    }
    if (seatId) {
      await transitionSeat(this.deps, seatId, 'talking', { reason: null, set: { call: callId } });
      await this.deps.redis.multi().hincrby(seatKey(seatId), 'calls_today', 1).hset(seatKey(seatId), 'calls_day', now.toISOString().slice(0, 10), 'missed', '0').exec();
    }
    const offered = call.offeredMs || now.getTime();
    if (attempt > 0) {
      await this.deps.sql`UPDATE call_offers SET answered_at = ${now}, ended_at = ${now}, outcome = 'answered', sip_status = 200
        WHERE call_id = ${call.id} AND attempt = ${attempt} AND (${seatId}::text IS NULL OR seat_id = ${seatId})`;
    }
    if (seatId) await this.deps.sql`INSERT INTO call_legs (call_id, kind, party, started_at) VALUES (${call.id}, 'seat', ${seatId}, ${now})`;
    await saveLiveCall(this.deps.redis, { sipCallId: callId, answeredSeatId: seatId, answeredMs: now.getTime() });
    await transitionCall(this.deps, call, 'talking', { answered_at: now, answered_seat_id: seatId },
      { type: 'call.answered.v1', data: { call_id: call.id, seat_id: seatId ?? 'unknown', attempt, queue_ms: now.getTime() - call.queuedMs, ring_ms: now.getTime() - offered, answer_ms: now.getTime() - call.arrivedMs } }, now);
  }

  private async onOfferFailed(e: Extract<EngineEvent, { event: 'offer.failed' }>): Promise<void> {
    this.syncSeen?.add(e.callId);
    const call = await getLiveCall(this.deps.redis, e.callId);
    if (!call) {
      failOpen(this.control, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel }, 'unknown_call');
      return;
    }
    await saveLiveCall(this.deps.redis, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel, seatId: null });
    const reason = offerFailReason(e.code);
    const seatId = call.seatId;
    if (e.attempt > 0) {
      await this.deps.sql`UPDATE call_offers SET ended_at = now(), outcome = ${reason}, sip_status = ${e.code} WHERE call_id = ${call.id} AND attempt = ${e.attempt}`;
    }
    if (seatId) {
      await logCallEvent(this.deps, call.id, 'call.offer_failed.v1', { call_id: call.id, seat_id: seatId, attempt: e.attempt, reason, sip_status: e.code });
      // below the queue's missed_offers_not_ready the seat goes back to ready; at it, not ready (seats/state/missed-offers.ts)
      const { missedOffersNotReady } = acdSettingsOf((await queueSettings(this.deps, call.queueId)).settings);
      await seatMissedOffer(this.deps, seatId, call, reason, missedOffersNotReady);
      if (reason === 'unreachable') void this.registrations.refresh((await this.deps.redis.hget(seatKey(seatId), 'sip_user')) ?? '');
    }
    const requeued = await transitionCall(this.deps, { ...call, state: call.state === 'failed_open' ? 'failed_open' : call.state }, 'queued', {},
      { type: 'call.queued.v1', data: { call_id: call.id, queue_id: call.queueId, priority: call.priority, requeued: true, reason } });
    await enqueue(this.deps.redis, requeued.queueId, e.callId, call.priority, call.arrivedMs);
    void this.distributor.kick([call.queueId]);
  }

  private async onCancelled(callId: string, phase: 'queued' | 'offering'): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    if (!call || call.state === 'abandoned' || call.state === 'ended') return;
    await this.media?.end(call, false);
    const now = new Date();
    await dequeue(this.deps.redis, call.queueId, callId);
    if (call.state === 'offering' && call.seatId) {
      await this.deps.sql`UPDATE call_offers SET ended_at = ${now}, outcome = 'cancelled', sip_status = 487 WHERE call_id = ${call.id} AND attempt = ${call.attempt}`;
      await transitionSeat(this.deps, call.seatId, 'ready', { from: ['reserved'], reason: null, set: { call: '' } });
    }
    await this.routed.aborted(call, 'cancelled', 487);
    const waitMs = now.getTime() - call.arrivedMs;
    await transitionCall(this.deps, call, 'abandoned', { ended_at: now, ended_by: 'caller', end_reason: 'abandoned' },
      { type: 'call.abandoned.v1', data: { call_id: call.id, queue_id: call.queueId, caller_number: call.callerNumber || null, wait_ms: waitMs, phase: call.state === 'offering' ? 'offering' : phase } }, now);
    await this.deps.sql`INSERT INTO abandoned_calls (call_id, centre_id, queue_id, caller_number, wait_ms, abandoned_at)
      VALUES (${call.id}, ${call.centreId}, ${call.queueId}, ${call.callerNumber || null}, ${waitMs}, ${now}) ON CONFLICT (call_id) DO NOTHING`;
    await logCallEvent(this.deps, call.id, 'call.ended.v1', { call_id: call.id, ended_by: 'caller', reason: 'abandoned', answered_seat_id: null, talk_ms: null }, now);
    await retireLiveCall(this.deps.redis, callId);
    this.control.confirmed(callId);
    void this.distributor.kick([call.queueId]);
  }

  private async onBye(callId: string, by: 'caller' | 'seat'): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    if (!call || call.state !== 'talking') return;
    const now = new Date();
    await transitionCall(this.deps, call, 'ended', { ended_at: now, ended_by: by, end_reason: 'normal' },
      { type: 'call.ended.v1', data: { call_id: call.id, ended_by: by, reason: 'normal', answered_seat_id: call.answeredSeatId, talk_ms: call.answeredMs ? now.getTime() - call.answeredMs : null } }, now);
    await this.deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`;
    if (call.answeredSeatId) await this.startWrapUp(call.answeredSeatId, call.queueId, now);
    await retireLiveCall(this.deps.redis, callId);
  }

  private async startWrapUp(seatId: string, queueId: string, now: Date): Promise<void> {
    const { wrapupS } = await queueSettings(this.deps, queueId);
    if (wrapupS <= 0) {
      await transitionSeat(this.deps, seatId, 'ready', { from: ['talking'], set: { call: '', idle_since: now.getTime() } });
      void this.distributor.kick();
      return;
    }
    await transitionSeat(this.deps, seatId, 'wrap_up', { from: ['talking'], set: { call: '', wrapup_until: now.getTime() + wrapupS * 1000 } });
  }

  private async onFailedOpen(callId: string, reason: string): Promise<void> {
    this.control.confirmed(callId);
    const call = await getLiveCall(this.deps.redis, callId);
    if (!call || call.state === 'failed_open' || call.state === 'talking') return;
    await dequeue(this.deps.redis, call.queueId, callId);
    if (call.state === 'offering' && call.seatId) {
      await transitionSeat(this.deps, call.seatId, 'ready', { from: ['reserved'], set: { call: '' } });
    }
    await this.routed.aborted(call, 'failed', null);
    await saveLiveCall(this.deps.redis, { sipCallId: callId, failedOpen: true, seatId: null });
    await transitionCall(this.deps, call, 'failed_open', { failed_open: true },
      { type: 'call.failed_open.v1', data: { call_id: call.id, sip_call_id: callId, reason, target: 'ringall' } });
  }

  /**
   * After a reconnect, for every live call Kamailio did not re-send: if Kamailio still has its dialog, it was failed
   * open while we were away (ringing everyone, or answered: the seat comes from the dialog's callee contact);
   * if not, it ended while we were away.
   */
  private async onSyncDone(): Promise<void> {
    const seen = this.syncSeen;
    this.syncSeen = undefined;
    if (!seen) return;
    let dialogs: Map<string, Record<string, unknown>>;
    try {
      dialogs = new Map((await this.registrations.dialogs()).map((d) => [String(d['call-id'] ?? ''), d]));
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'dlg.list failed: live calls not reconciled');
      return;
    }
    for (const call of await allLiveCalls(this.deps.redis)) {
      if (seen.has(call.sipCallId)) continue;
      const dialog = dialogs.get(call.sipCallId);
      if (dialog && Number(dialog.state) < 5) await this.reconcileWithDialog(call, dialog); // 5: deleted (RPC dlg.list)
      else await this.closeLostCall(call);
    }
    await this.releaseOrphanSeats();
  }

  private async reconcileWithDialog(call: LiveCall, dialog: Record<string, unknown>): Promise<void> {
    const confirmed = Number(dialog.state) >= 3;
    if (call.state === 'queued') {
      await dequeue(this.deps.redis, call.queueId, call.sipCallId);
      this.deps.log.warn({ call: call.sipCallId }, 'call was failed open by Kamailio while we were away');
      call = await transitionCall(this.deps, call, 'failed_open', { failed_open: true },
        { type: 'call.failed_open.v1', data: { call_id: call.id, sip_call_id: call.sipCallId, reason: 'control_plane_down', target: 'ringall' } });
      await saveLiveCall(this.deps.redis, { sipCallId: call.sipCallId, failedOpen: true, seatId: null });
    }
    if (confirmed && call.state === 'overflowed') {
      await overflowAnswered(this.deps, call, (await getCallExtras(this.deps.redis, call.sipCallId)).overflowSeq, '');
      return;
    }
    if (confirmed && (call.state === 'failed_open' || call.state === 'offering')) {
      await this.onAnswered(call.sipCallId, 'ringall', String(dialog.callee_contact ?? ''), 0);
    }
  }

  private async closeLostCall(call: LiveCall): Promise<void> {
    const now = new Date();
    await dequeue(this.deps.redis, call.queueId, call.sipCallId);
    this.deps.log.warn({ call: call.sipCallId, state: call.state }, 'no dialog in Kamailio: call ended while we were away');
    if (call.state === 'talking') {
      await transitionCall(this.deps, call, 'ended', { ended_at: now, ended_by: 'system', end_reason: 'ended_while_disconnected' },
        { type: 'call.ended.v1', data: { call_id: call.id, ended_by: 'system', reason: 'ended_while_disconnected', answered_seat_id: call.answeredSeatId, talk_ms: call.answeredMs ? now.getTime() - call.answeredMs : null } }, now);
      if (call.answeredSeatId) await this.startWrapUp(call.answeredSeatId, call.queueId, now);
    } else {
      await transitionCall(this.deps, call, 'abandoned', { ended_at: now, ended_by: 'system', end_reason: 'ended_while_disconnected' },
        { type: 'call.abandoned.v1', data: { call_id: call.id, queue_id: call.queueId, caller_number: call.callerNumber || null, wait_ms: now.getTime() - call.arrivedMs, phase: call.state === 'offering' ? 'offering' : 'queued' } }, now);
    }
    await retireLiveCall(this.deps.redis, call.sipCallId);
  }

  /** A seat reserved or talking for a call that is no longer offered to it or live (a crash between two steps). */
  private async releaseOrphanSeats(): Promise<void> {
    for (const listed of await allSeatsLive(this.deps.redis)) {
      if ((listed.state !== 'reserved' && listed.state !== 'talking') || !listed.call) {
        if (listed.state === 'reserved' || listed.state === 'talking') await this.releaseIfOrphan(listed.seatId);
        continue;
      }
      // judged inside the call's chain, so a call being answered right now is seen with its final state
      await this.serial.run(listed.call, () => this.releaseIfOrphan(listed.seatId));
    }
  }

  private async releaseIfOrphan(seatId: string): Promise<void> {
    const seat = await getSeatLive(this.deps.redis, seatId);
    if (!seat || (seat.state !== 'reserved' && seat.state !== 'talking')) return;
    const call = seat.call ? await getLiveCall(this.deps.redis, seat.call) : undefined;
    const mine = call && (call.seatId === seatId || call.answeredSeatId === seatId || (await isRinging(this.deps, call.sipCallId, seatId)));
    if (call && mine && (call.state === 'offering' || call.state === 'talking' || call.state === 'failed_open')) return;
    this.deps.log.warn({ seat: seatId, state: seat.state, call: seat.call }, 'seat held by a call that is gone: released');
    await transitionSeat(this.deps, seatId, 'ready', { from: ['reserved', 'talking'], reason: null, set: { call: '', idle_since: Date.now() } });
  }

  /**
   * Kamailio did not confirm a resume after every retry. Its outcome (offer.answered / offer.failed / a CANCEL)
   * still arrives if the resume did happen, so nothing is changed here; a reservation that never resolves is
   * released by the tick (releaseStaleReservations).
   */
  async onGiveUp(callId: string): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    this.deps.log.error({ call: callId, state: call?.state }, 'Kamailio did not confirm resuming the call; waiting for its outcome');
  }
}
