/**
 * Service-level figures, pure: the period asked for, and the shares computed from the counts the SQL
 * returns (service-level.ts). Shares are percent of the *settled* calls (answered, or ended without an
 * answer); a call still waiting counts as offered and in progress, and the live waiting alarms watch it.
 */
import { CtiError } from '../errors/catalogue.ts';

export const GROUP_BY = ['queue', 'seat', 'centre', 'hour'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** "Live" is the last 15 minutes. */
export const LIVE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_PERIOD_MS = 366 * 24 * 3600 * 1000;
/** Answered within these many seconds of arrival (10 s: the national target, 95 %). */
export const ANSWER_TARGETS_S = [10, 15, 20] as const;

export interface Period {
  from: Date;
  to: Date;
  /** No period was given: the last 15 minutes up to now. */
  live: boolean;
}

export function periodOf(q: { from?: string; to?: string }, now = new Date()): Period {
  const to = q.to === undefined ? now : new Date(q.to);
  const from = q.from === undefined ? new Date(to.getTime() - LIVE_WINDOW_MS) : new Date(q.from);
  const bad: string[] = [];
  if (Number.isNaN(from.getTime())) bad.push('from');
  if (Number.isNaN(to.getTime())) bad.push('to');
  if (bad.length === 0 && !(from < to)) bad.push('from must be before to');
  if (bad.length === 0 && to.getTime() - from.getTime() > MAX_PERIOD_MS) bad.push('period longer than 366 days');
  if (bad.length > 0) throw new CtiError('CTI_STATS_PERIOD_INVALID', { problems: bad, from: q.from ?? null, to: q.to ?? null });
  return { from, to, live: q.from === undefined && q.to === undefined };
}

/** What the SQL counts for one group. */
export interface Counts {
  offered: number;
  answered: number;
  answered_within_10s: number;
  answered_within_15s: number;
  answered_within_20s: number;
  abandoned: number;
  /** Answered, or ended without an answer. */
  settled: number;
  avg_wait_ms: number | null;
  p90_wait_ms: number | null;
  avg_talk_ms: number | null;
}

export interface ServiceLevelFigures extends Counts {
  /** Offered and neither answered nor ended yet (still waiting or ringing). */
  in_progress: number;
  answered_within_10s_pct: number | null;
  answered_within_15s_pct: number | null;
  answered_within_20s_pct: number | null;
  abandoned_pct: number | null;
}

/** Percent with two decimals; null when there is nothing to divide by. */
export function pct(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10000) / 100;
}

export function figuresOf(c: Counts): ServiceLevelFigures {
  return {
    ...c,
    in_progress: c.offered - c.settled,
    answered_within_10s_pct: pct(c.answered_within_10s, c.settled),
    answered_within_15s_pct: pct(c.answered_within_15s, c.settled),
    answered_within_20s_pct: pct(c.answered_within_20s, c.settled),
    abandoned_pct: pct(c.abandoned, c.settled),
  };
}
