/**
 * Drives the lead's state machine (ha/lease/machine.ts) for the control plane: the lease's renewals and deadline
 * (app/leader.ts), the lease file keepalived tracks (ha/fence/lease-file.ts), whether distribution offers calls, and
 * on a pair the peer's role over the A-B link (ha/lease/peer.ts). docs/ha.md "The leader across a Redis outage".
 */
import type { LeaderLease } from '../../app/leader.ts';
import type { Logger } from '../../app/logger.ts';
import type { LeaseFile } from '../fence/lease-file.ts';
import { holdsAddress, nextLeadState, offers, pausedVerdict, roleOf, standbyMayTake, type LeadEvent, type LeadState, type PeerRole } from './machine.ts';
import { peerRole } from './peer.ts';

/** A paused leader gives up after this long (Redis away for everyone that long: its held calls fail open). */
export const PAUSE_MAX_MS = 8000;
/** How often a paused leader asks its peer whether it leads (each ask times out after PEER_TIMEOUT_MS). */
const PAUSE_CHECK_MS = 200;

/**
 * The leader lease's length from CTI_HA_LEASE_MS (a pair may run a shorter one: scripts/stack/pair.ts), 3000 ms
 * unless set. Renewed every third of it; the lease file's freshness check (3 s) and the 300 ms local margin bound it
 * from below.
 */
export function leaseMsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.CTI_HA_LEASE_MS;
  if (raw === undefined || raw === '') return 3000;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 900 || ms > 60_000) {
    throw new Error(`CTI_HA_LEASE_MS must be a whole number of milliseconds from 900 to 60000, not "${raw}"`);
  }
  return ms;
}

export interface LeadershipOptions {
  readonly lease: LeaderLease;
  readonly leaseFile: LeaseFile;
  readonly log: Logger;
  /** A node of a pair: the deadline pauses the lead; the peer's API (CTI_PEER_API_URL) is asked. */
  readonly pair: boolean;
  readonly peerUrl?: string;
  /** Offers allowed (leading) or not (paused, gave up); `event` says why (`renewed`: resumed after a pause). */
  onOffers(on: boolean, event: LeadEvent): void;
  /** The lead was given up for good (not on stop()): the process exits and comes back as standby. */
  onGaveUp(why: LeadEvent): void;
  readonly pauseMaxMs?: number;
  /** Replaceable in unit tests. */
  readonly askPeer?: (url: string | undefined) => Promise<PeerRole>;
}

export class Leadership {
  private s: LeadState = 'standby';
  private pausedAt = 0;
  private guard: NodeJS.Timeout | undefined;

  constructor(private readonly o: LeadershipOptions) {}

  get state(): LeadState {
    return this.s;
  }

  /** The role this node reports to its peer (GET /v1/ha/role). */
  role(): Exclude<PeerRole, 'unreachable'> {
    return roleOf(this.s);
  }

  holdsAddress(): boolean {
    return holdsAddress(this.s);
  }

  /** For a standby of a pair (LeaderLease.acquire): may it take an absent lease? Not while the peer leads or pauses. */
  readonly mayTake = async (): Promise<boolean> => standbyMayTake(await this.ask());

  /** The lease was taken: lead, and keep the lease (paused at the deadline on a pair, kept through failures on one node). */
  lead(): void {
    this.go('lease_taken');
    this.o.lease.keep(() => this.go('another_holds'), () => this.go('renewed'), this.o.pair
      ? { deadline: true, onDeadline: () => this.go('deadline_passed') }
      : { deadline: false });
  }

  /** A switchover handed the lead over, or the process stops: report standby from now on. */
  stop(event: Extract<LeadEvent, 'handed_over' | 'stopping'> = 'stopping'): void {
    if (this.s === 'gave_up') return;
    this.s = nextLeadState(this.s, event);
    this.stopGuard();
    this.o.onOffers(false, event);
  }

  private go(event: LeadEvent): void {
    if (this.s === 'gave_up') return;
    const from = this.s;
    const to = nextLeadState(from, event);
    this.s = to;
    if (to === from) {
      if (to === 'leading') this.o.leaseFile.held();
      return;
    }
    this.o.log.warn({ from, to, event }, 'lead state changed');
    if (to === 'leading') {
      this.stopGuard();
      this.o.leaseFile.held();
    } else if (to === 'paused') {
      this.pausedAt = Date.now();
      this.startGuard();
    } else if (to === 'gave_up') {
      this.stopGuard();
      this.o.leaseFile.giveUp();
    }
    this.o.onOffers(offers(to), event);
    if (to === 'gave_up') this.o.onGaveUp(event);
  }

  private ask(): Promise<PeerRole> {
    return (this.o.askPeer ?? peerRole)(this.o.peerUrl);
  }

  /** While paused: the address stays only while the peer answers and does not lead, and for at most pauseMaxMs. */
  private startGuard(): void {
    let asking = false;
    let unreachable = 0;
    const check = async () => {
      if (asking || this.s !== 'paused') return;
      asking = true;
      try {
        const peer = await this.ask();
        if (this.s !== 'paused') return;
        unreachable = peer === 'unreachable' ? unreachable + 1 : 0;
        const verdict = pausedVerdict(peer, Date.now() - this.pausedAt, this.o.pauseMaxMs ?? PAUSE_MAX_MS, unreachable);
        if (peer === 'unreachable' && !verdict) this.o.log.warn({ in_a_row: unreachable, paused_ms: Date.now() - this.pausedAt }, 'paused leader: the peer did not answer; asking again before giving up');
        if (verdict) {
          this.o.log.error({ peer, in_a_row: unreachable, paused_ms: Date.now() - this.pausedAt }, 'paused leader gives the lead up');
          this.go(verdict);
        }
      } finally {
        asking = false;
      }
    };
    void check();
    this.guard = setInterval(() => void check(), PAUSE_CHECK_MS);
    this.guard.unref();
  }

  private stopGuard(): void {
    if (this.guard) clearInterval(this.guard);
    this.guard = undefined;
  }
}
