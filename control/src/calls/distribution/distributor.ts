import type { AppDeps } from '../../app/deps.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import { candidatesFor } from '../../acd/candidates.ts';
import { offersExhausted, ringAllPlan } from '../../acd/offer-plan.ts';
import { activeQueues, dequeue, head } from '../../acd/queue.ts';
import type { SeatCandidate } from '../../acd/selector.ts';
import { selectSeats, type StrategyCandidate } from '../../acd/strategies/index.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import { overflowSettingsOf } from '../../queues/overflow.ts';
import { queueSettings } from '../../queues/routing.ts';
import { strategySettingsOf } from '../../queues/strategy-settings.ts';
import { contactCounts, registeredSet } from '../../seats/state/registrations.ts';
import { allSeatsLive, type SeatLive } from '../../seats/state/store.ts';
import { Overflow } from '../actions/overflow.ts';
import { failOpen } from '../actions/fail-open.ts';
import { getCallExtras } from '../extras.ts';
import { offerToSeat } from '../offers/offer.ts';
import { offerToMany } from '../offers/ring-all.ts';
import { getLiveCall, type LiveCall } from '../store.ts';
import { DistributionFailing } from './failing.ts';
import { survive } from '../../ha/data/redis-trouble.ts';

/**
 * Offers waiting calls to ready seats. One pass at a time (a promise chain), started by every event
 * that can make an offer possible (a call queued, a seat ready or registered) and by a 1 s tick.
 * Each pass reads the queue's waiting calls and the seats, asks the ACD (acd/: strategies, offer-plan.ts,
 * overflow.ts) what to do, and carries that out with the actions on a call (calls/offers/, calls/actions/).
 * A call that cannot be handled here fails open (ring-all), never stays stuck. Before offering, due calls
 * overflow (actions/overflow.ts); a ring_all queue offers its head call to every eligible seat at once
 * (offers/ring-all.ts); passes that keep failing ring all for the waiting calls (failing.ts).
 */
const roundRobinKey = (queueId: string): string => `cti:acd:rr:${queueId}`;

export class Distributor {
  private chain: Promise<void> = Promise.resolve();
  private again = false;
  private running = false;
  /**
   * The offer of a caller waiting in a room (an answered call back in its queue: calls/conference/caller-requeue.ts),
   * set when conferences run; false: the seat was not ready any more or cannot be dialled (nothing changed).
   */
  roomOffer?: (call: LiveCall, seat: SeatCandidate, ringTimeoutS: number) => Promise<boolean>;
  /** Only the process holding the leader lease distributes; a standby's API must not hand out calls. */
  active = false;
  private readonly overflow: Overflow;
  private readonly failing: DistributionFailing;
  /** When the pass in progress started (0: none); judged by the failing rule if it hangs. */
  private passStartedMs = 0;
  /**
   * Until when no pass runs because Kamailio is re-sending the calls it holds after a (re)connect
   * (holdForSync/syncDone). A call in Redis that Kamailio does not hold (the dead node's, after a failover;
   * one that ended while we were away) must not take a seat before the sync has closed it. Bounded, so a
   * lost sync.done delays distribution by at most that long (the 1 s tick kicks again).
   */
  private syncUntilMs = 0;

  constructor(
    private readonly deps: AppDeps,
    private readonly control: CallControl,
    private readonly serial: PerKeySerializer,
    /** The seat selection by strategy; replaceable for the acd-decision benchmark's no-op peer. */
    private readonly select: typeof selectSeats = selectSeats,
  ) {
    this.overflow = new Overflow(deps, control, serial);
    this.failing = new DistributionFailing(deps, control, (deps.config.distributionFailingAfterS ?? 5) * 1000);
  }

  /** No passes while Kamailio re-sends the calls it holds, for at most `maxMs`. */
  holdForSync(maxMs: number): void {
    this.syncUntilMs = Date.now() + maxMs;
  }

  /** The sync is over (calls Kamailio no longer holds are closed): distribute again. */
  syncDone(): void {
    this.syncUntilMs = 0;
    void this.kick();
  }

  private heldForSync(): boolean {
    return this.syncUntilMs > Date.now();
  }

  /** Schedule a pass over the given queues (all active queues when none given). */
  kick(queueIds?: string[]): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (this.heldForSync()) return Promise.resolve();
    if (this.running) {
      this.again = true;
      // the 1 s tick kicks too: a pass that hangs (a database that does not answer) is a failing pass
      if (this.passStartedMs > 0) void this.failing.chainStuck(this.passStartedMs).catch(survive(this.deps.log, 'distribution: stuck-chain check'));
      return this.chain;
    }
    this.running = true;
    this.chain = this.chain.then(async () => {
      do {
        this.again = false;
        const queues = queueIds ?? (await activeQueues(this.deps.redis));
        for (const q of queues) await this.passSafe(q);
        queueIds = undefined;
      } while (this.again);
    // the chain never rejects (callers `void` it): a Redis connection error reading the active queues, or one in the
    // failing path, is logged and counted, and the next kick (the 1 s tick at the latest) passes again
    }).catch(survive(this.deps.log, 'distribution: kick')).finally(() => { this.running = false; });
    return this.chain;
  }

  private async passSafe(queueId: string): Promise<void> {
    this.passStartedMs = Date.now();
    try {
      await this.pass(queueId);
    } catch (err) {
      this.deps.log.error({ err: String(err), queue: queueId }, 'distribution pass failed');
      await this.failing.passFailed(queueId, err).catch(survive(this.deps.log, 'distribution: failing path'));
      return;
    } finally {
      this.passStartedMs = 0;
    }
    await this.failing.passSucceeded(queueId).catch(survive(this.deps.log, 'distribution: failing path'));
  }

  private async pass(queueId: string): Promise<void> {
    const settings = await queueSettings(this.deps, queueId);
    const rules = strategySettingsOf(settings.settings);
    let seats: SeatLive[] | undefined;
    let registered: Set<string> | undefined;
    const skip = new Set<string>();
    /** Callers waiting in a room that no seat could take in this pass: the calls behind them are offered meanwhile. */
    const passed = new Set<string>();
    /** Seats a caller waiting in a room cannot be dialled at (a browser: caller-requeue.ts); queued calls still can. */
    const notDialable = new Set<string>();
    const overflow = overflowSettingsOf(settings.settings);
    if (overflow) {
      seats = await allSeatsLive(this.deps.redis);
      for (const q of await this.overflow.run(queueId, overflow, seats)) if (q !== queueId) this.again = true;
    }
    for (;;) {
      const sipCallId = (await head(this.deps.redis, queueId, passed.size + 1)).find((id) => !passed.has(id));
      if (!sipCallId) return;
      const call = await getLiveCall(this.deps.redis, sipCallId);
      const inRoom = call?.state === 'talking' && call.roomWait !== undefined && this.roomOffer !== undefined;
      if (!call || (call.state !== 'queued' && !inRoom)) {
        await dequeue(this.deps.redis, queueId, sipCallId); // not waiting any more (answered, gone, failed open)
        continue;
      }
      if (this.control.isPending(sipCallId)) return; // a resume of this call is unconfirmed: wait for Kamailio
      const extras = await getCallExtras(this.deps.redis, sipCallId);
      if (!inRoom && offersExhausted(call.attempt, extras.extraBranches)) {
        await dequeue(this.deps.redis, queueId, sipCallId);
        failOpen(this.control, call, 'max_offers');
        continue;
      }
      seats ??= await allSeatsLive(this.deps.redis);
      registered ??= await registeredSet(this.deps, seats.map((s) => s.sipUser));
      const candidates: StrategyCandidate[] = candidatesFor(seats, registered, call);
      const strategy = settings.strategy;
      const picks = this.select(strategy, candidates, {
        queueId, waitedMs: Date.now() - call.arrivedMs, exclude: inRoom ? new Set([...skip, ...notDialable]) : skip,
        lastOfferedSeatId: strategy === 'round_robin' ? await this.deps.redis.get(roundRobinKey(queueId)) : null,
        tierEscalation: rules.tierEscalation, requiredSkills: rules.requiredSkills, skillsWaivedAfterMs: rules.skillsWaivedAfterMs,
      });
      // a pass already running when a sync began (its reads waited for Redis to come back) offers nothing more: an
      // offer crossing the sync was answered while the sync took it for a ring-all answer and dropped its seat
      if (this.heldForSync()) return;
      if (inRoom) {
        // no suspended INVITE to relay: the first pick that can be dialled goes into the room (ring_all too)
        const taken = await this.offerInRoom(call, picks, settings.ringTimeoutS, notDialable);
        if (taken) skip.add(taken);
        else if (picks.length === 0) passed.add(sipCallId);
        continue; // the picks passed over are in notDialable: the next selection for this caller leaves them out
      }
      if (strategy === 'ring_all') {
        if (!(await this.ringAll(call, picks, extras.extraBranches, settings.ringTimeoutS, skip))) return;
        continue;
      }
      const [pick] = picks;
      if (!pick) return;
      skip.add(pick.seatId);
      try {
        await offerToSeat(this.deps, this.control, this.serial, call, pick, settings.ringTimeoutS);
        if (strategy === 'round_robin') await this.deps.redis.set(roundRobinKey(queueId), pick.seatId);
      } catch (err) {
        this.deps.log.error({ err: String(err), call: sipCallId }, 'offer failed inside the control plane: failing open');
        await dequeue(this.deps.redis, queueId, sipCallId);
        failOpen(this.control, call, 'decision_failed');
      }
    }
  }

  /** A caller waiting in a room offered to the first pick whose phone can be dialled; the seat taken, or undefined. */
  private async offerInRoom(call: LiveCall, picks: SeatCandidate[], ringTimeoutS: number, notDialable: Set<string>): Promise<string | undefined> {
    for (const pick of picks) {
      if (await this.roomOffer!(call, pick, ringTimeoutS)) return pick.seatId;
      notDialable.add(pick.seatId);
    }
    return undefined;
  }

  /** One ring_all offer of the head call, within the seat cap and the branch budget; false: nothing offered now. */
  private async ringAll(call: LiveCall, picks: SeatCandidate[], extraBranches: number, ringTimeoutS: number, skip: Set<string>): Promise<boolean> {
    if (picks.length === 0) return false;
    for (const p of picks) skip.add(p.seatId);
    const contacts = await contactCounts(this.deps, picks.map((p) => p.sipUser));
    const plan = ringAllPlan(picks, (p) => contacts.get(p.sipUser) ?? 1, call.attempt, extraBranches);
    try {
      if (plan.seats.length === 0) {
        await dequeue(this.deps.redis, call.queueId, call.sipCallId);
        failOpen(this.control, call, 'max_offers');
        return true;
      }
      return await offerToMany(this.deps, this.control, this.serial, call, plan.seats, plan.contacts, ringTimeoutS);
    } catch (err) {
      this.deps.log.error({ err: String(err), call: call.sipCallId }, 'ring-all offer failed inside the control plane: failing open');
      await dequeue(this.deps.redis, call.queueId, call.sipCallId);
      failOpen(this.control, call, 'decision_failed');
      return true;
    }
  }
}
