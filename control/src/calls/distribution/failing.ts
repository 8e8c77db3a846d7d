/**
 * Acting on the "distribution failing" rule (acd/health.ts): ring all for the waiting calls of a queue whose
 * passes keep failing (or hang: the Distributor reports a pass still running on the next tick), and raise
 * the `distribution_failing` alarm. The alarm is written to PostgreSQL and
 * published on Redis, one of which is likely down at that moment: a raise that fails is owed and tried
 * again on every later pass until it is recorded.
 */
import type { AppDeps } from '../../app/deps.ts';
import { DistributionHealth } from '../../acd/health.ts';
import { activeQueues, dequeue, head } from '../../acd/queue.ts';
import { clearAlarm, raiseAlarm } from '../../alarms/service.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import { failOpen } from '../actions/fail-open.ts';
import { getLiveCall } from '../store.ts';

export const DISTRIBUTION_FAILING_ALARM = 'distribution_failing';

interface OwedAlarm {
  details: Record<string, unknown>;
}

export class DistributionFailing {
  private readonly health: DistributionHealth;
  private readonly owed = new Map<string, OwedAlarm>();
  private readonly rungAll = new Map<string, number>();
  private readonly paying = new Set<string>();
  private checking = false;

  constructor(private readonly deps: AppDeps, private readonly control: CallControl, afterMs: number) {
    this.health = new DistributionHealth(afterMs);
  }

  async passFailed(queueId: string, err: unknown): Promise<void> {
    const now = Date.now();
    try {
      const waitingIds = await head(this.deps.redis, queueId, 1000);
      if (this.health.passFailed(queueId, now, waitingIds.length) === 'ring_all') await this.rangAll(queueId, waitingIds, err);
    } catch (e) {
      this.deps.log.error({ err: String(e), queue: queueId }, 'distribution failing: waiting calls could not be read (Kamailio\'s watchdog fails them open)');
    }
    this.payAlarm(queueId);
  }

  /** Rings all for the waiting calls and notes the alarm owed (with the running count of calls rung all). */
  private async rangAll(queueId: string, waitingIds: string[], err: unknown): Promise<void> {
    const now = Date.now();
    const n = await this.ringAll(queueId, waitingIds);
    const total = (this.rungAll.get(queueId) ?? 0) + n;
    this.rungAll.set(queueId, total);
    const since = this.health.failingSince(queueId) ?? now;
    this.owed.set(queueId, { details: { queue_id: queueId, failing_ms: now - since, calls_rung_all: total, error: String(err).slice(0, 500) } });
    this.payAlarm(queueId);
  }

  /** The chain is stuck in a pass started at `startedMs`: judge every active queue (Redis only, outside the chain). */
  async chainStuck(startedMs: number): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const queueId of await activeQueues(this.deps.redis)) {
        const waitingIds = await head(this.deps.redis, queueId, 1000);
        if (this.health.passStuck(queueId, startedMs, Date.now(), waitingIds.length) === 'ring_all') await this.rangAll(queueId, waitingIds, 'distribution pass hangs');
      }
    } catch (e) {
      this.deps.log.error({ err: String(e) }, 'distribution stuck: waiting calls could not be read (Kamailio\'s watchdog fails them open)');
    } finally {
      this.checking = false;
    }
  }

  async passSucceeded(queueId: string): Promise<void> {
    this.payAlarm(queueId);
    if (this.owed.has(queueId) || this.paying.has(queueId)) return; // raise it first; clear on a later pass
    if (this.health.passSucceeded(queueId, Date.now()) === 'clear_alarm') {
      this.rungAll.delete(queueId);
      try {
        await clearAlarm(this.deps, DISTRIBUTION_FAILING_ALARM, queueId);
      } catch (e) {
        this.deps.log.error({ err: String(e), queue: queueId }, 'distribution_failing alarm not cleared');
      }
    }
  }

  private async ringAll(queueId: string, ids: string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const call = await getLiveCall(this.deps.redis, id);
      if (!call || call.state !== 'queued' || this.control.isPending(id)) continue;
      if (!(await dequeue(this.deps.redis, queueId, id))) continue; // taken meanwhile (the zrem decides who rings it)
      this.deps.log.error({ call: id, queue: queueId }, 'distribution keeps failing: ringing all for the call');
      failOpen(this.control, call, 'distribution_failing');
      n += 1;
    }
    return n;
  }

  /** Raises the owed alarm in the background (a database that hangs must not hold up distribution), one at a time. */
  private payAlarm(queueId: string): void {
    const owed = this.owed.get(queueId);
    if (!owed || this.paying.has(queueId)) return;
    this.paying.add(queueId);
    raiseAlarm(this.deps, { type: DISTRIBUTION_FAILING_ALARM, level: 'critical', subject: queueId, details: owed.details })
      .then(() => { if (this.owed.get(queueId) === owed) this.owed.delete(queueId); })
      .catch((e) => this.deps.log.warn({ err: String(e), queue: queueId }, 'distribution_failing alarm owed: not recorded yet, retried on the next pass'))
      .finally(() => this.paying.delete(queueId));
  }
}
