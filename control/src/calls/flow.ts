import type { AppDeps } from '../app/deps.ts';
import type { PerKeySerializer } from '../app/serial.ts';
import type { CallMedia } from '../announcements/call-media.ts';
import type { CallControl } from '../engine/kamailio/call-control.ts';
import type { CallNewEvent, EngineEvent } from '../engine/kamailio/events.ts';
import type { RegistrationTracker } from '../seats/state/registrations.ts';
import { failOpen } from './actions/fail-open.ts';
import type { Distributor } from './distribution/distributor.ts';
import { onAnswered } from './flow/answered.ts';
import { onCallNew } from './flow/arrival.ts';
import { arrivalRetryIn } from './flow/arrival-retry.ts';
import type { FlowContext } from './flow/context.ts';
import { onBye, onCancelled } from './flow/ended.ts';
import { onFailedOpen } from './flow/failed-open.ts';
import { onOfferFailed, onRinging } from './flow/offering.ts';
import { onSyncDone } from './flow/sync.ts';
import { onInviteEnded } from './ended-in-engine.ts';
import { RoutedOutcomes } from './offers/routed-outcomes.ts';
import { getLiveCall } from './store.ts';
import { onReferReply, onTransferNotify } from './transfer/progress.ts';

/** The longest a (re)connect's sync may hold distribution back (Kamailio answers it in milliseconds). */
const SYNC_HOLD_MS = 3000;

/**
 * The call flow: turns what Kamailio reports into call and seat transitions, facts and events, one phase
 * of a call per file in flow/ (arrival, offering, answered, ended, failed-open, sync).
 * Events of one call are handled strictly in order (a promise chain per Call-ID). Anything that throws
 * while a call waits in Kamailio fails that call open (ring-all), so our errors never strand a caller.
 */
export class CallFlow implements FlowContext {
  private syncSeen: Set<string> | undefined;
  /** call.new events that failed on a Redis connection error and are tried again: Call-ID -> first failure (ms). */
  private readonly arrivalRetries = new Map<string, number>();
  readonly routed: RoutedOutcomes;

  constructor(
    readonly deps: AppDeps,
    readonly control: CallControl,
    readonly distributor: Distributor,
    readonly registrations: RegistrationTracker,
    readonly serial: PerKeySerializer,
    readonly media?: CallMedia,
  ) {
    this.routed = new RoutedOutcomes(deps, {
      answered: (e) => onAnswered(this, e.callId, e.seat, e.contact, e.attempt),
      offerFailed: (e) => onOfferFailed(this, e),
      seen: (callId) => this.seen(callId),
      answeredElsewhere: async (call) => { await this.media?.end(call, true); },
      kick: (queueIds) => void distributor.kick(queueIds),
    });
  }

  handle(e: EngineEvent): Promise<void> {
    // Kamailio's word on a resume only settles CallControl's pending commands: taken on arrival, not behind the
    // call's chain. Behind it (an offer's or overflow's PostgreSQL writes go first) it once came after the 200 ms
    // at which an unconfirmed command is resent, and the resend resumed the call's next suspension: the overflow
    // was relayed twice and the seat's offer refused (CI run C, acd/overflow-to-centre-and-queue)
    if (e.event === 'resumed') return Promise.resolve(this.control.confirmed(e.callId, e.action || undefined));
    if (e.event === 'resume_failed') return Promise.resolve(this.control.failed(e.callId, e.action || undefined));
    // a call Kamailio holds suspended counts as seen by the sync when its event arrives, not when the call's chain gets
    // to it: sync.done (its own chain) once ran first and took re-sent calls for failed open (Redis restart, crash test)
    if (e.event === 'call.new' || e.event === 'offer.failed') this.seen(e.callId);
    const key = 'callId' in e ? e.callId : `~${e.event}`;
    return this.serial.run(key, () => this.dispatch(e)).catch((err) => this.failed(e, err));
  }

  /** A call.new handled again after a Redis connection error (flow/arrival-retry.ts), in the call's chain. */
  private retryArrival(e: CallNewEvent, inMs: number): void {
    setTimeout(() => {
      void this.serial.run(e.callId, () => this.dispatch(e))
        .then(() => { this.arrivalRetries.delete(e.callId); })
        .catch((err) => this.failed(e, err));
    }, inMs);
  }

  private async dispatch(e: EngineEvent): Promise<void> {
    switch (e.event) {
      case 'call.new': return onCallNew(this, e);
      case 'offer.ringing': return e.kind === 'seat' ? onRinging(this, e.callId, e.attempt) : this.routed.ringing(e);
      case 'offer.answered': return e.kind === 'seat' ? onAnswered(this, e.callId, e.seat, e.contact, e.attempt) : this.routed.answered(e);
      case 'offer.failed': return e.kind === 'seat' ? onOfferFailed(this, e) : this.routed.failed(e);
      case 'call.cancelled': return onCancelled(this, e.callId, e.phase);
      case 'invite.ended': return onInviteEnded(this.deps, this.control, e.callId);
      case 'call.bye': return onBye(this, e.callId, e.by);
      case 'call.failed_open': return onFailedOpen(this, e.callId, e.reason);
      case 'call.early': return this.media?.onEarly(e.callId, e.tindex, e.tlabel);
      case 'seat.registered':
      case 'seat.unregistered':
        await this.registrations.refresh(e.user);
        return;
      case 'sync.done': return this.onSyncDone();
      case 'transfer.refer_reply': return onReferReply(this, e.callId, e.code);
      case 'transfer.notify': return onTransferNotify(this, e.callId, e.code);
    }
  }

  async failed(e: EngineEvent, err: unknown): Promise<void> {
    if (e.event === 'call.new') {
      // Redis away for a moment: the caller keeps ringing and the call is decided when Redis answers (bounded)
      const first = this.arrivalRetries.get(e.callId) ?? Date.now();
      const retryIn = arrivalRetryIn(err, first, Date.now());
      if (retryIn !== undefined) {
        this.arrivalRetries.set(e.callId, first);
        this.deps.log.warn({ err: String(err), call: e.callId, waited_ms: Date.now() - first, retry_in_ms: retryIn }, 'call.new not handled (Redis away): tried again, the caller keeps ringing');
        this.retryArrival(e, retryIn);
        return;
      }
      this.arrivalRetries.delete(e.callId);
    }
    this.deps.log.error({ err: String(err), stack: (err as Error)?.stack, event: e.event, call: 'callId' in e ? e.callId : undefined }, 'call flow error');
    if (e.event === 'call.new' || e.event === 'offer.failed') {
      // the call is suspended in Kamailio: fail open rather than leave it waiting on us
      failOpen(this.control, { sipCallId: e.callId, tindex: e.tindex, tlabel: e.tlabel }, 'decision_failed');
    }
  }

  seen(callId: string): void {
    this.syncSeen?.add(callId);
  }

  /**
   * No offers until the sync that follows has put Redis's view right: after a Redis restart or promotion, seats and
   * registrations are re-read first, and an offer made meanwhile used what Redis had (seen: transaction ids a restarted
   * Redis had lost, the offer refused while the sync re-queued the call, the seat then released while it talked).
   */
  holdForResync(): void {
    this.distributor.holdForSync(SYNC_HOLD_MS);
  }

  beginSync(): void {
    this.syncSeen = new Set();
    this.distributor.holdForSync(SYNC_HOLD_MS);
    this.control.requestSync();
  }

  private async onSyncDone(): Promise<void> {
    const seen = this.syncSeen;
    this.syncSeen = undefined;
    try {
      if (seen) await onSyncDone(this, seen);
    } finally {
      this.distributor.syncDone();
    }
  }

  /**
   * Kamailio did not confirm a resume after every retry.
   *   - It refused the last one (resume_failed: the transaction is not suspended there, so this command did not
   *     act): the call is reconciled with Kamailio at once (the sync: a call it still holds is put back in line
   *     with its seat released, one it no longer holds nor has a dialog for is closed and its seat released),
   *     instead of a seat staying reserved until the tick's 150 s limit.
   *   - It did not answer: the outcome (offer.answered / offer.failed / a CANCEL) still arrives if the resume did
   *     happen, so nothing is changed; a reservation that never resolves is released by the tick.
   */
  async onGiveUp(callId: string, action: string, refused: boolean): Promise<void> {
    const call = await getLiveCall(this.deps.redis, callId);
    if (refused && (action === 'offer' || action === 'offer_many') && call?.state === 'offering' && !this.syncSeen) {
      this.deps.log.error({ call: callId, action }, 'Kamailio refused every resume of the offer: reconciling with Kamailio');
      this.beginSync();
      return;
    }
    this.deps.log.error({ call: callId, state: call?.state, action, refused }, 'Kamailio did not confirm resuming the call; waiting for its outcome');
  }
}
