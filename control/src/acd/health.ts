/**
 * The "distribution failing" rule (pure). A queue whose distribution passes keep throwing (PostgreSQL or
 * Redis errors) for `afterMs` while calls wait rings all for those calls, and an alarm is raised; calls
 * that arrive while the passes still fail ring all at once. The alarm clears after passes have succeeded
 * for `afterMs` again.
 *
 *   healthy --pass threw, or hung--> failing --afterMs with calls waiting--> ring_all (alarm)
 *      ^                       |                                        |
 *      +-----pass succeeded----+          alarm cleared after afterMs of successful passes
 *
 * This is a judgement about this process's own passes, kept in memory on purpose: a restarted process
 * starts healthy and judges again (Kamailio's own watchdog fails calls open if the process is gone).
 */
export type FailedVerdict = 'ring_all' | 'wait';
/** A pass that has not finished after this long is stuck (a normal pass takes milliseconds). */
export const STUCK_AFTER_MS = 2000;
export type SucceededVerdict = 'clear_alarm' | 'none';

interface QueueHealth {
  failingSinceMs: number | null;
  okSinceMs: number | null;
  /** An alarm was raised (or is owed) and not cleared yet. */
  alarmed: boolean;
}

export class DistributionHealth {
  private readonly queues = new Map<string, QueueHealth>();

  constructor(readonly afterMs: number) {}

  private of(queueId: string): QueueHealth {
    let h = this.queues.get(queueId);
    if (!h) {
      h = { failingSinceMs: null, okSinceMs: null, alarmed: false };
      this.queues.set(queueId, h);
    }
    return h;
  }

  /** A pass over `queueId` threw, with `waiting` calls in the queue. */
  passFailed(queueId: string, nowMs: number, waiting: number): FailedVerdict {
    const h = this.of(queueId);
    h.okSinceMs = null;
    h.failingSinceMs ??= nowMs;
    if (waiting > 0 && nowMs - h.failingSinceMs >= this.afterMs) {
      h.alarmed = true;
      return 'ring_all';
    }
    return 'wait';
  }

  /**
   * The distribution chain has been stuck in one pass since `startedMs` (a database that does not answer):
   * every queue counts as failing since then. Passes that merely run long are not stuck (STUCK_AFTER_MS), unless
   * the queue was failing already.
   */
  passStuck(queueId: string, startedMs: number, nowMs: number, waiting: number): FailedVerdict {
    const h = this.of(queueId);
    // already failing: a pass that has not finished is no sign of recovery
    if (h.failingSinceMs === null && nowMs - startedMs < STUCK_AFTER_MS) return 'wait';
    h.failingSinceMs = Math.min(h.failingSinceMs ?? startedMs, startedMs);
    return this.passFailed(queueId, nowMs, waiting);
  }

  /** A pass over `queueId` succeeded. */
  passSucceeded(queueId: string, nowMs: number): SucceededVerdict {
    const h = this.queues.get(queueId);
    if (!h) return 'none';
    h.failingSinceMs = null;
    h.okSinceMs ??= nowMs;
    if (h.alarmed && nowMs - h.okSinceMs >= this.afterMs) {
      h.alarmed = false;
      this.queues.delete(queueId);
      return 'clear_alarm';
    }
    if (!h.alarmed) this.queues.delete(queueId);
    return 'none';
  }

  /** Since when the queue's passes have been failing (ms), or null. */
  failingSince(queueId: string): number | null {
    return this.queues.get(queueId)?.failingSinceMs ?? null;
  }
}
