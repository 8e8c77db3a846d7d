/**
 * The Distributor's CallControl during bench/acd-decision.ts: it records when each `offer` leaves the
 * control plane (performance.now()) and sends nothing. This is the measurement point, not a fake of the
 * subject: what the engine does with an offer is outside "decision latency". A call that would fail open
 * (`ringAll`) is counted, and nothing is ever pending (no resume awaits Kamailio's confirmation).
 */
import { performance } from 'node:perf_hooks';
import type { CallControl, SuspendedRef } from '../../../control/src/engine/kamailio/call-control.ts';

export interface OfferMark {
  sipCallId: string;
  seat: string;
  attempt: number;
  atMs: number;
}

export class OfferRecorder {
  readonly offers: OfferMark[] = [];
  readonly ringAlls: { sipCallId: string; reason: string }[] = [];

  offer(ref: SuspendedRef, seatSipUser: string, _ringMs: number, attempt: number): void {
    this.offers.push({ sipCallId: ref.sipCallId, seat: seatSipUser, attempt, atMs: performance.now() });
  }

  ringAll(ref: SuspendedRef, reason: string): void {
    this.ringAlls.push({ sipCallId: ref.sipCallId, reason });
  }

  isPending(_callId: string): boolean {
    return false;
  }

  /** Offers recorded since the last take, and resets them. */
  take(): OfferMark[] {
    return this.offers.splice(0, this.offers.length);
  }

  asCallControl(): CallControl {
    return this as unknown as CallControl;
  }
}
