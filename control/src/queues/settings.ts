/**
 * The `settings` document of a queue (queues.settings, jsonb), stored as given and read leniently, part by
 * part, all in queues/: alarm thresholds (here, `alarmThresholdsOf` fills the defaults), announcements
 * (announcements.ts), the strategy's tiers and skills (strategy-settings.ts), repeat callers and missed
 * offers (acd-settings.ts), overflow (overflow.ts). The queue row's own columns (ring timeout, wrap-up,
 * strategy) are read with the document by routing.ts.
 */
import { CtiError } from '../errors/catalogue.ts';

/** Waiting alarms of a queue (alarms.ts). Wait in seconds, counts in calls, shares in percent. */
export interface AlarmThresholds {
  longest_wait_warning_s: number;
  longest_wait_critical_s: number;
  waiting_warning: number;
  waiting_critical: number;
  /** Share of the last 15 minutes' calls answered within 10 s of arrival: warning below this. */
  answered_10s_warning_pct: number;
  answered_10s_critical_pct: number;
}

/** The national target is 95 % answered within 10 s; a caller waiting 10 s is already late. */
export const DEFAULT_ALARM_THRESHOLDS: Readonly<AlarmThresholds> = Object.freeze({
  longest_wait_warning_s: 10,
  longest_wait_critical_s: 30,
  waiting_warning: 3,
  waiting_critical: 6,
  answered_10s_warning_pct: 95,
  answered_10s_critical_pct: 85,
});

/** What callers hear while they wait (announcements.ts reads it; docs/announcements.md). */
export interface AnnouncementSettings {
  enabled?: boolean;
  /** Ringing only, no prompts (the switch per queue). */
  ringback_only?: boolean;
  /** Prompt played once when a call has to wait (a name in media/prompts/zh-CN, without .wav). */
  greeting?: string | null;
  /** Prompt repeated while waiting, every `repeat_s` seconds. */
  waiting?: string | null;
  /** Music between the waiting prompts (a name in media/music). */
  music?: string | null;
  repeat_s?: number;
}

export interface QueueSettingsDoc {
  alarms?: Partial<AlarmThresholds>;
  announcements?: AnnouncementSettings;
  /** Where waiting calls go after a wait or when no seat is logged in (overflow.ts); null removes it. */
  overflow?: Record<string, unknown> | null;
  [other: string]: unknown;
}

export function alarmThresholdsOf(settings: QueueSettingsDoc | null | undefined): AlarmThresholds {
  const given = settings?.alarms ?? {};
  const out = { ...DEFAULT_ALARM_THRESHOLDS };
  for (const k of Object.keys(out) as (keyof AlarmThresholds)[]) {
    const v = given[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** Warning must come before critical: throws CTI_QUEUE_SETTINGS_INVALID naming the pairs that do not. */
export function checkAlarmThresholds(t: AlarmThresholds): void {
  const bad: string[] = [];
  if (t.longest_wait_warning_s > t.longest_wait_critical_s) bad.push('longest_wait_warning_s > longest_wait_critical_s');
  if (t.waiting_warning > t.waiting_critical) bad.push('waiting_warning > waiting_critical');
  if (t.answered_10s_warning_pct < t.answered_10s_critical_pct) bad.push('answered_10s_warning_pct < answered_10s_critical_pct');
  if (bad.length > 0) throw new CtiError('CTI_QUEUE_SETTINGS_INVALID', { thresholds: bad });
}

/** A settings patch merged into the stored document: `alarms` and `announcements` field by field, other keys replaced. */
export function mergeSettings(stored: QueueSettingsDoc, patch: QueueSettingsDoc | undefined): QueueSettingsDoc {
  if (!patch) return stored;
  const next: QueueSettingsDoc = { ...stored, ...patch };
  if (patch.alarms) next.alarms = { ...(stored.alarms ?? {}), ...patch.alarms };
  if (patch.announcements) next.announcements = { ...(stored.announcements ?? {}), ...patch.announcements };
  return next;
}
