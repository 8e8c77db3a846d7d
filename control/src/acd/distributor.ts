import type { AppDeps } from '../app/deps.ts';
import { queueSettings } from '../calls/routing.ts';
import { getLiveCall, saveLiveCall, transitionCall, type LiveCall } from '../calls/store.ts';
import type { CallControl } from '../engine/kamailio/call-control.ts';
import { registeredSet } from '../seats/state/registrations.ts';
import { allSeatsLive, transitionSeat, type SeatLive } from '../seats/state/store.ts';
import { activeQueues, dequeue, head } from './queue.ts';
import { candidatesFor } from './candidates.ts';
import type { SeatCandidate } from './selector.ts';
import { selectSeats, strategySettingsOf, type StrategyCandidate } from './strategies/index.ts';
import type { PerKeySerializer } from '../app/serial.ts';
import { regKey } from '../seats/state/registrations.ts';
import { overflowSettingsOf } from '../queues/overflow.ts';
import { branchesLeft, seatsWithinBudget } from './branches.ts';
import { getCallExtras } from './call-extras.ts';
import { DistributionFailing } from './failing.ts';
import { Overflow } from './overflow/run.ts';
import { offerToMany } from './ring-all.ts';

/**
 * Offers waiting calls to ready seats. One pass at a time (a promise chain), started by every event
 * that can make an offer possible (a call queued, a seat ready or registered) and by a 1 s tick.
 * A call that cannot be handled here fails open (ring-all), never stays stuck. Before offering, due calls
 * overflow (overflow/run.ts); a ring_all queue offers its head call to every eligible seat at once
 * (ring-all.ts); passes that keep failing ring all for the waiting calls (failing.ts).
 */
const roundRobinKey = (queueId: string): string => `cti:acd:rr:${queueId}`;

export const MAX_OFFERS = 12; // each offer costs the INVITE transaction two of its 30 branches (engine cfg)

export class Distributor {
  private chain: Promise<void> = Promise.resolve();
  private again = false;
  private running = false;
  /** Only the process holding the leader lease distributes; a standby's API must not hand out calls. */
  active = false;
  private readonly overflow: Overflow;
  private readonly failing: DistributionFailing;
  /** When the pass in progress started (0: none); judged by the failing rule if it hangs. */
  private passStartedMs = 0;

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

  /** Schedule a pass over the given queues (all active queues when none given). */
  kick(queueIds?: string[]): Promise<void> {
    if (!this.active) return Promise.resolve();
    if (this.running) {
      this.again = true;
      // the 1 s tick kicks too: a pass that hangs (a database that does not answer) is a failing pass
      if (this.passStartedMs > 0) void this.failing.chainStuck(this.passStartedMs);
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
    }).finally(() => { this.running = false; });
    return this.chain;
  }

  private async passSafe(queueId: string): Promise<void> {
    this.passStartedMs = Date.now();
    try {
      await this.pass(queueId);
    } catch (err) {
      this.deps.log.error({ err: String(err), queue: queueId }, 'distribution pass failed');
      await this.failing.passFailed(queueId, err);
      return;
    } finally {
      this.passStartedMs = 0;
    }
    await this.failing.passSucceeded(queueId);
  }

  private async pass(queueId: string): Promise<void> {
    const settings = await queueSettings(this.deps, queueId);
    const rules = strategySettingsOf(settings.settings);
    let seats: SeatLive[] | undefined;
    let registered: Set<string> | undefined;
    const skip = new Set<string>();
    const overflow = overflowSettingsOf(settings.settings);
    if (overflow) {
      seats = await allSeatsLive(this.deps.redis);
      for (const q of await this.overflow.run(queueId, overflow, seats)) if (q !== queueId) this.again = true;
    }
    for (;;) {
      const [sipCallId] = await head(this.deps.redis, queueId);
      if (!sipCallId) return;
      const call = await getLiveCall(this.deps.redis, sipCallId);
      if (!call || call.state !== 'queued') {
        await dequeue(this.deps.redis, queueId, sipCallId); // not waiting any more (answered, gone, failed open)
        continue;
      }
      if (this.control.isPending(sipCallId)) return; // a resume of this call is unconfirmed: wait for Kamailio
      const extras = await getCallExtras(this.deps.redis, sipCallId);
      if (call.attempt >= MAX_OFFERS || branchesLeft(call.attempt, extras.extraBranches) < 2) {
        await dequeue(this.deps.redis, queueId, sipCallId);
        this.control.ringAll(call, 'max_offers');
        continue;
      }
      seats ??= await allSeatsLive(this.deps.redis);
      registered ??= await registeredSet(this.deps, seats.map((s) => s.sipUser));
      const candidates: StrategyCandidate[] = candidatesFor(seats, registered, call);
      const strategy = settings.strategy;
      const picks = this.select(strategy, candidates, {
        queueId, waitedMs: Date.now() - call.arrivedMs, exclude: skip,
        lastOfferedSeatId: strategy === 'round_robin' ? await this.deps.redis.get(roundRobinKey(queueId)) : null,
        tierEscalation: rules.tierEscalation, requiredSkills: rules.requiredSkills, skillsWaivedAfterMs: rules.skillsWaivedAfterMs,
      });
      if (strategy === 'ring_all') {
        if (!(await this.ringAll(call, picks, extras.extraBranches, settings.ringTimeoutS, skip))) return;
        continue;
      }
      const [pick] = picks;
      if (!pick) return;
      skip.add(pick.seatId);
      try {
        await this.offer(call, pick, settings.ringTimeoutS);
        if (strategy === 'round_robin') await this.deps.redis.set(roundRobinKey(queueId), pick.seatId);
      } catch (err) {
        this.deps.log.error({ err: String(err), call: sipCallId }, 'offer failed inside the control plane: failing open');
        await dequeue(this.deps.redis, queueId, sipCallId);
        this.control.ringAll(call, 'decision_failed');
      }
    }
  }

  /** One ring_all offer of the head call, within the seat cap and the branch budget; false: nothing offered now. */
  private async ringAll(call: LiveCall, picks: SeatCandidate[], extraBranches: number, ringTimeoutS: number, skip: Set<string>): Promise<boolean> {
    if (picks.length === 0) return false;
    for (const p of picks) skip.add(p.seatId);
    const contacts = await this.contactCounts(picks.map((p) => p.sipUser));
    const seats = seatsWithinBudget(picks, (p) => contacts.get(p.sipUser) ?? 1, branchesLeft(call.attempt, extraBranches));
    try {
      if (seats.length === 0) {
        await dequeue(this.deps.redis, call.queueId, call.sipCallId);
        this.control.ringAll(call, 'max_offers');
        return true;
      }
      const total = seats.reduce((n, p) => n + Math.max(1, contacts.get(p.sipUser) ?? 1), 0);
      return await offerToMany(this.deps, this.control, this.serial, call, seats, total, ringTimeoutS);
    } catch (err) {
      this.deps.log.error({ err: String(err), call: call.sipCallId }, 'ring-all offer failed inside the control plane: failing open');
      await dequeue(this.deps.redis, call.queueId, call.sipCallId);
      this.control.ringAll(call, 'decision_failed');
      return true;
    }
  }

  /** Registered contacts per SIP user (registrations.ts keeps them in Redis): each is a branch of the fork. */
  private async contactCounts(sipUsers: string[]): Promise<Map<string, number>> {
    const values = sipUsers.length === 0 ? [] : await this.deps.redis.mget(...sipUsers.map(regKey));
    return new Map(sipUsers.map((u, i) => {
      try {
        const list: unknown = JSON.parse(values[i] ?? '[]');
        return [u, Array.isArray(list) ? list.length : 1];
      } catch {
        return [u, 1];
      }
    }));
  }

  private async offer(call: LiveCall, seat: SeatCandidate, ringTimeoutS: number): Promise<void> {
    const reserved = await transitionSeat(this.deps, seat.seatId, 'reserved', { from: ['ready'], reason: null, set: { call: call.sipCallId }, factsInBackground: true });
    if (!reserved.ok) return;
    await dequeue(this.deps.redis, call.queueId, call.sipCallId);
    const attempt = call.attempt + 1;
    const now = new Date();
    await saveLiveCall(this.deps.redis, { sipCallId: call.sipCallId, state: 'offering', attempt, seatId: seat.seatId, offeredMs: now.getTime() });
    // the facts go into the call's chain before the offer leaves, so Kamailio's answer is handled after them
    const facts = this.serial.run(call.sipCallId, async () => {
      await this.deps.sql`INSERT INTO call_offers (call_id, attempt, seat_id, offered_at) VALUES (${call.id}, ${attempt}, ${seat.seatId}, ${now})`;
      const current = await getLiveCall(this.deps.redis, call.sipCallId);
      if (current?.state !== 'offering' || current.attempt !== attempt) return; // the caller left meanwhile: that is recorded instead
      await transitionCall(this.deps, call, 'offering', attempt === 1 ? { first_offered_at: now } : {},
        { type: 'call.offering.v1', data: { call_id: call.id, seat_id: seat.seatId, attempt, queue_ms: now.getTime() - call.queuedMs } }, now, { liveAlreadySet: true });
    });
    this.control.offer(call, seat.sipUser, ringTimeoutS * 1000, attempt);
    // not awaited: the pass goes on to the next call while this one's facts are written in its own chain (waiting
    // here made every decision wait for the previous call's PostgreSQL writes: stack-cps, bench/README.md)
    void facts.catch((err) => this.deps.log.error({ err: String(err), call: call.sipCallId }, 'offer facts not recorded'));
  }
}
