/**
 * Queue waiting alarms, pure: which level a measured value calls for, and how an alarm moves.
 *
 *   none --value beyond warning--> warning --beyond critical--> critical      (escalation: at once)
 *   critical --back under critical for holdMs--> warning --under warning for holdMs--> none
 *
 * Clearing has hysteresis twice over: a level is kept while the value is within `margin` of its
 * threshold, and a lower level is taken only after it has held for `holdMs` (calls come and go
 * every second; a console must not beep on and off).
 */
import type { AlarmLevel } from '../events/schema.ts';
import type { AlarmThresholds } from './settings.ts';

export type QueueAlarmKind = 'longest_wait' | 'waiting_calls' | 'answered_10s_share';
export type QueueAlarmLevel = Extract<AlarmLevel, 'warning' | 'critical'>;

export const QUEUE_ALARM_KINDS: readonly QueueAlarmKind[] = ['longest_wait', 'waiting_calls', 'answered_10s_share'];

/** The alarm `type` of each kind (subject: the queue id). */
export const QUEUE_ALARM_TYPES: Readonly<Record<QueueAlarmKind, string>> = {
  longest_wait: 'queue_longest_wait',
  waiting_calls: 'queue_waiting_calls',
  answered_10s_share: 'queue_answered_10s_share',
};

export interface Band {
  warning: number;
  critical: number;
  /** `higher`: a bigger value is worse (wait, count); `lower`: a smaller one is (answered share). */
  worse: 'higher' | 'lower';
  margin: number;
  holdMs: number;
  /** The value can never be worse than this (0 calls waiting, 100 % answered): it always clears. */
  best: number;
}

export const CLEAR_HOLD_MS = 3000;

/** Values: longest wait in ms, waiting in calls, share in percent. */
export function bandOf(kind: QueueAlarmKind, t: AlarmThresholds): Band {
  switch (kind) {
    case 'longest_wait':
      return { warning: t.longest_wait_warning_s * 1000, critical: t.longest_wait_critical_s * 1000, worse: 'higher', margin: 2000, holdMs: CLEAR_HOLD_MS, best: 0 };
    case 'waiting_calls':
      return { warning: t.waiting_warning, critical: t.waiting_critical, worse: 'higher', margin: 1, holdMs: CLEAR_HOLD_MS, best: 0 };
    case 'answered_10s_share':
      return { warning: t.answered_10s_warning_pct, critical: t.answered_10s_critical_pct, worse: 'lower', margin: 1, holdMs: 0, best: 100 };
  }
}

const RANK: Record<QueueAlarmLevel | 'none', number> = { none: 0, warning: 1, critical: 2 };
const rank = (l: QueueAlarmLevel | null): number => RANK[l ?? 'none'];

/** The level `value` calls for when the alarm currently stands at `current` (null: no value, e.g. no calls to measure). */
export function levelFor(value: number | null, band: Band, current: QueueAlarmLevel | null): QueueAlarmLevel | null {
  if (value === null || value === band.best) return null;
  const higher = band.worse === 'higher';
  const threshold = (thr: number, level: QueueAlarmLevel): number => {
    if (rank(current) < rank(level)) return thr;
    return higher ? Math.max(thr - band.margin, band.best + Number.EPSILON) : Math.min(thr + band.margin, band.best);
  };
  const beyond = (thr: number): boolean => (higher ? value >= thr : value < thr);
  if (beyond(threshold(band.critical, 'critical'))) return 'critical';
  if (beyond(threshold(band.warning, 'warning'))) return 'warning';
  return null;
}

export interface KindState {
  level: QueueAlarmLevel | null;
  /** Since when the value has called for a lower level than `level` (null: it has not). */
  lowerSinceMs: number | null;
}

export type AlarmAction =
  | { do: 'none' }
  | { do: 'raise'; level: QueueAlarmLevel; previous: QueueAlarmLevel | null }
  | { do: 'clear'; previous: QueueAlarmLevel };

export function step(state: KindState, value: number | null, band: Band, nowMs: number): { state: KindState; action: AlarmAction } {
  const target = levelFor(value, band, state.level);
  if (rank(target) > rank(state.level)) {
    return { state: { level: target, lowerSinceMs: null }, action: { do: 'raise', level: target!, previous: state.level } };
  }
  if (rank(target) === rank(state.level)) return { state: { level: state.level, lowerSinceMs: null }, action: { do: 'none' } };
  const since = state.lowerSinceMs ?? nowMs;
  if (nowMs - since < band.holdMs) return { state: { level: state.level, lowerSinceMs: since }, action: { do: 'none' } };
  const previous = state.level!;
  return {
    state: { level: target, lowerSinceMs: null },
    action: target === null ? { do: 'clear', previous } : { do: 'raise', level: target, previous },
  };
}
