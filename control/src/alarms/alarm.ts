/**
 * An alarm: a condition an operator must see (a recording that could not be made, an engine that is
 * down). One alarm is open per (type, subject) at a time; raising it again while open changes nothing.
 *
 *   raised --clear--> cleared        (raising the same type and subject again opens a new alarm)
 */
import { CtiError } from '../errors/catalogue.ts';
import type { AlarmLevel } from '../events/schema.ts';

export const ALARM_LEVELS: readonly AlarmLevel[] = ['info', 'warning', 'critical'];

/** Alarm types raised by the recording side; other modules add theirs in the same words. */
export const RECORDING_ALARMS = {
  /** An answered call ended and no recording arrived within the grace period. Subject: call id. */
  missing: 'recording_missing',
  /** rtpengine's spool entry could not be converted. Subject: call id, else the SIP Call-ID. */
  failed: 'recording_failed',
  /** A second, different recording arrived for a SIP Call-ID that already has one. Subject: SIP Call-ID. */
  conflict: 'recording_conflict',
  /** A side of an answered call sent no audio for GAP_ALARM_MS or more (a silent gap in the recording). Subject: call id. */
  gap: 'recording_gap',
  /** The spool is behind: too many finished recordings waiting, or the oldest waiting too long. Subject: the spool directory. */
  backlog: 'recording_backlog',
} as const;

export interface AlarmInput {
  /** snake_case name of the condition, e.g. `recording_missing`. */
  type: string;
  level: AlarmLevel;
  /** What the alarm is about (a call id, a trunk id), or null for the whole centre. */
  subject: string | null;
  details?: Record<string, unknown>;
}

export interface Alarm {
  id: string;
  type: string;
  level: AlarmLevel;
  subject: string | null;
  details: Record<string, unknown>;
  raised_at: Date;
  cleared_at: Date | null;
}

const TYPE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_SUBJECT = 256;
const MAX_DETAILS_BYTES = 16 * 1024;

/** The input, checked: throws CTI_ALARM_INVALID naming the bad fields (a programming error, not a user's). */
export function checkAlarmInput(input: AlarmInput): Required<AlarmInput> {
  const bad: string[] = [];
  if (typeof input.type !== 'string' || !TYPE.test(input.type)) bad.push('type');
  if (!ALARM_LEVELS.includes(input.level)) bad.push('level');
  if (input.subject !== null && (typeof input.subject !== 'string' || input.subject.length === 0 || input.subject.length > MAX_SUBJECT)) {
    bad.push('subject');
  }
  const details = input.details ?? {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) bad.push('details');
  else if (Buffer.byteLength(JSON.stringify(details)) > MAX_DETAILS_BYTES) bad.push('details');
  if (bad.length > 0) throw new CtiError('CTI_ALARM_INVALID', { fields: bad, type: String(input.type).slice(0, 64) });
  return { type: input.type, level: input.level, subject: input.subject, details };
}

/** Alarm types raised about seats. */
export const SEAT_ALARMS = {
  /**
   * A seat missed its queue's `missed_offers_not_ready` offers in a row and was made not ready (warning).
   * Subject: seat id. Cleared when the seat is made ready again.
   */
  missedOffers: 'seat_missed_offers',
} as const;
