/**
 * The engine's offer.* events for offers that are not to one seat: a ring_all fork (kind `many`), an
 * overflow to another centre (kind `overflow`) and a blind transfer's leg relayed out (kind `transfer`). calls/flow.ts dispatches them here, in the call's chain;
 * what is the same as for one seat (the answer, the requeue) goes back to the flow through `hooks`.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { EngineEvent } from '../../engine/kamailio/events.ts';
import { seatIdForSipUser } from '../../seats/state/store.ts';
import { overflowAborted, overflowAnswered, overflowFailed, overflowRinging } from '../actions/overflow-outcomes.ts';
import { offerFailReason } from '../machine.ts';
import { getLiveCall, type LiveCall } from '../store.ts';
import { ringAllAborted, ringAllAnswered, ringAllMissed } from './ring-all.ts';
import { transferLegAnswered, transferLegRinging } from '../transfer/out-leg.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

type Ringing = Extract<EngineEvent, { event: 'offer.ringing' }>;
type Answered = Extract<EngineEvent, { event: 'offer.answered' }>;
type Failed = Extract<EngineEvent, { event: 'offer.failed' }>;

export interface FlowHooks {
  /** The one-seat answer path (seat talking, legs, call.answered.v1). */
  answered(e: Answered): Promise<void>;
  /** The one-seat failure path (rows ended, call requeued at its place; an unknown call rings all). */
  offerFailed(e: Failed): Promise<void>;
  /** Kamailio holds the call again (for the reconnect reconciliation). */
  seen(callId: string): void;
  /** The call is answered elsewhere: end what the caller hears while waiting (announcements). */
  answeredElsewhere(call: LiveCall): Promise<void>;
  /** Schedule a distribution pass (all active queues when none given). */
  kick(queueIds?: string[]): void;
}

export class RoutedOutcomes {
  constructor(private readonly deps: AppDeps, private readonly hooks: FlowHooks) {}

  async ringing(e: Ringing): Promise<void> {
    const call = await getLiveCall(this.deps.redis, e.callId);
    if (!call) return;
    if (e.kind === 'overflow') return overflowRinging(this.deps, call, e.attempt);
    if (e.kind === 'transfer') return transferLegRinging(this.deps, call);
    const seatId = await seatIdForSipUser(this.deps, e.seat);
    await writeFacts(this.deps, call.id, fact`UPDATE call_offers SET ringing_at = coalesce(ringing_at, ${new Date()}) WHERE call_id = ${call.id} AND attempt = ${e.attempt} AND seat_id = ${seatId ?? ''}`);
  }

  async answered(e: Answered): Promise<void> {
    const call = await getLiveCall(this.deps.redis, e.callId);
    if (!call || call.state === 'talking') return;
    if (e.kind === 'transfer') return transferLegAnswered(this.deps, call, e.toTag);
    if (e.kind === 'overflow') {
      await this.hooks.answeredElsewhere(call);
      return overflowAnswered(this.deps, call, e.attempt, e.toTag);
    }
    await ringAllAnswered(this.deps, call, (await seatIdForSipUser(this.deps, e.seat)) ?? null, e.attempt);
    await this.hooks.answered(e);
    this.hooks.kick();
  }

  /**
   * ring_all: nobody answered; the seats are ready again (not their fault), then the call goes back to its
   * place as for one seat (its seatId is null, so no seat is made not_ready). Overflow: the other centre failed
   * it (error reply, timeout, unreachable); Kamailio re-suspended it and it is back in line.
   */
  async failed(e: Failed): Promise<void> {
    const call = await getLiveCall(this.deps.redis, e.callId);
    // unknown: rings all; a transfer's leg relayed out: as a seat target's (transfer/new-leg.ts, then the requeue)
    if (!call || e.kind === 'transfer') return this.hooks.offerFailed(e);
    if (e.kind === 'many') {
      await ringAllMissed(this.deps, call, e.attempt, offerFailReason(e.code), e.code);
      return this.hooks.offerFailed(e);
    }
    this.hooks.seen(e.callId);
    await overflowFailed(this.deps, call, e.attempt, e.code, e);
    this.hooks.kick([call.queueId]);
  }

  /** The call left while a ring_all offer or an overflow was in progress: close those records, free the seats. */
  async aborted(call: LiveCall, outcome: 'cancelled' | 'failed', sipStatus: number | null): Promise<void> {
    if (call.state === 'offering') await ringAllAborted(this.deps, call, outcome, sipStatus);
    if (call.state === 'overflowed') await overflowAborted(this.deps, call, outcome, sipStatus);
  }
}
