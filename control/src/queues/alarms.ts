/**
 * Queue waiting alarms for the active control plane: every second from Redis (calls waiting, longest
 * wait), every ~10 s from PostgreSQL (share of the last 15 minutes' calls answered within 10 s).
 * Thresholds come from each queue's settings (settings.ts), read on every tick, so a change applies at
 * once. Alarms go through the alarms service: one open alarm per (type, queue); a change of level
 * clears the open one and raises one at the new level, so consoles sound and light the new level.
 *
 * The levels held here are a cache of the open alarms: rebuilt from the alarms table on start.
 */
import type { AppDeps } from '../app/deps.ts';
import { clearAlarm, listAlarms, raiseAlarm } from '../alarms/service.ts';
import { periodOf } from '../stats/figures.ts';
import { serviceLevel } from '../stats/service-level.ts';
import { queuesLive } from './live.ts';
import { alarmThresholdsOf, type AlarmThresholds, type QueueSettingsDoc } from './settings.ts';
import {
  bandOf, QUEUE_ALARM_KINDS, QUEUE_ALARM_TYPES, step, type AlarmAction, type KindState, type QueueAlarmKind, type QueueAlarmLevel,
} from './thresholds.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'bus' | 'log'>;

export interface QueueAlarmsOptions {
  /** Redis figures every this many ms (default 1000). */
  fastMs?: number;
  /** The answered share every this many ms (default 10 000). */
  slowMs?: number;
  /** How long a lower level must hold before the alarm steps down (default thresholds.ts CLEAR_HOLD_MS). */
  clearHoldMs?: number;
}

export interface QueueAlarms {
  stop(): Promise<void>;
}

interface QueueRow {
  id: string;
  centre_id: string;
  settings: QueueSettingsDoc;
}

const UNIT: Record<QueueAlarmKind, string> = { longest_wait: 'ms', waiting_calls: 'calls', answered_10s_share: 'pct' };

class QueueAlarmMonitor {
  private readonly levels = new Map<string, KindState>();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private lastSlowMs = 0;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly deps: Deps, private readonly opts: Required<Omit<QueueAlarmsOptions, 'clearHoldMs'>> & { clearHoldMs?: number }) {}

  async start(): Promise<void> {
    for (const kind of QUEUE_ALARM_KINDS) {
      const open = await listAlarms(this.deps.sql, { open: true, type: QUEUE_ALARM_TYPES[kind], limit: 1000 });
      for (const a of open) {
        if (a.subject !== null && (a.level === 'warning' || a.level === 'critical')) this.levels.set(`${kind}|${a.subject}`, { level: a.level, lowerSinceMs: null });
      }
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.tick(started);
      } catch (err) {
        this.deps.log.error({ err: String(err) }, 'queue alarm evaluation failed; retrying on the next tick');
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, Math.max(0, this.opts.fastMs - (Date.now() - started)));
      });
    }
  }

  private async tick(nowMs: number): Promise<void> {
    const queues = await this.deps.sql<QueueRow[]>`SELECT id, centre_id, settings FROM queues ORDER BY id`;
    const live = await queuesLive(this.deps.redis, queues.map((q) => q.id), nowMs);
    for (const q of queues) {
      const t = alarmThresholdsOf(q.settings);
      const l = live.get(q.id)!;
      await this.evaluate(q, 'longest_wait', l.longest_wait_ms, t, nowMs);
      await this.evaluate(q, 'waiting_calls', l.waiting, t, nowMs);
    }
    if (nowMs - this.lastSlowMs < this.opts.slowMs) return;
    this.lastSlowMs = nowMs;
    const sl = await serviceLevel(this.deps.sql, periodOf({}, new Date(nowMs)), {}, 'queue');
    const share = new Map(sl.items.map((r) => [r.key, r.answered_within_10s_pct]));
    for (const q of queues) await this.evaluate(q, 'answered_10s_share', share.get(q.id) ?? null, alarmThresholdsOf(q.settings), nowMs);
  }

  private async evaluate(q: QueueRow, kind: QueueAlarmKind, value: number | null, t: AlarmThresholds, nowMs: number): Promise<void> {
    const key = `${kind}|${q.id}`;
    const band = bandOf(kind, t);
    if (this.opts.clearHoldMs !== undefined && band.holdMs > 0) band.holdMs = this.opts.clearHoldMs;
    const { state, action } = step(this.levels.get(key) ?? { level: null, lowerSinceMs: null }, value, band, nowMs);
    if (action.do !== 'none') {
      await this.apply(q, kind, action, { value, unit: UNIT[kind], warning: band.warning, critical: band.critical });
    }
    this.levels.set(key, state); // after apply: a failed raise or clear is tried again on the next tick
  }

  private async apply(q: QueueRow, kind: QueueAlarmKind, action: Exclude<AlarmAction, { do: 'none' }>, measured: Record<string, unknown>): Promise<void> {
    const type = QUEUE_ALARM_TYPES[kind];
    if (action.do === 'clear' || action.previous !== null) await clearAlarm(this.deps, type, q.id);
    if (action.do === 'clear') return;
    const details = { queue_id: q.id, centre_id: q.centre_id, kind, ...measured, previous_level: action.previous satisfies QueueAlarmLevel | null };
    await raiseAlarm(this.deps, { type, level: action.level, subject: q.id, details });
  }
}

/** Starts the evaluation loop (main.ts, once the lease is held); `stop()` ends it and waits for the running tick. */
export async function startQueueAlarms(deps: Deps, opts: QueueAlarmsOptions = {}): Promise<QueueAlarms> {
  const monitor = new QueueAlarmMonitor(deps, { fastMs: opts.fastMs ?? 1000, slowMs: opts.slowMs ?? 10_000, clearHoldMs: opts.clearHoldMs });
  await monitor.start();
  return { stop: () => monitor.stop() };
}
