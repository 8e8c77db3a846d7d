/** Scoring one call with a form (pure): objective items from the call's timings, the rest from the reviewer. */
import { CtiError } from '../errors/catalogue.ts';
import { gradeOf, type FormDefinition, type FormItem, type Grade, type Metric } from './form.ts';

/** The call's stored timings, in milliseconds (calls.queue_ms / answer_ms / talk_ms, the answered offer's ring_ms). */
export interface CallTimings {
  ring_ms: number | null;
  answer_ms: number | null;
  queue_ms: number | null;
  talk_ms: number | null;
}

export interface GivenAnswer {
  key: string;
  value: number;
  note?: string;
}

export interface Answer {
  key: string;
  label: string;
  value: number | null;
  points: number;
  weight: number;
  auto: boolean;
  measured_s?: number | null;
  note?: string;
}

export interface Scored {
  answers: Answer[];
  score: number;
  grade: Grade;
  complete: boolean;
}

const METRIC_MS: Record<Metric, keyof CallTimings> = { ring_s: 'ring_ms', answer_s: 'answer_ms', queue_s: 'queue_ms', talk_s: 'talk_ms' };

export function measuredSeconds(metric: Metric, t: CallTimings): number | null {
  const ms = t[METRIC_MS[metric]];
  return ms === null || ms === undefined ? null : Math.round(ms / 10) / 100;
}

/** The value of an objective item for measured seconds (null: the call has no such timing). */
export function objectiveValue(item: FormItem, seconds: number | null): number | null {
  if (seconds === null) return null;
  for (const b of item.bands ?? []) if (seconds <= b.up_to_s) return b.value;
  return item.otherwise ?? item.min;
}

export function pointsOf(item: FormItem, value: number | null): number {
  if (value === null) return 0;
  return round2((item.weight * (value - item.min)) / (item.max - item.min));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Scores a review. `requireAll`: every subjective item must be answered (a final review).
 * Throws CTI_QA_ANSWER_INVALID for an unknown key, a value outside its scale, an answer to an
 * objective item, or (requireAll) a missing one.
 */
export function score(form: FormDefinition, timings: CallTimings, given: GivenAnswer[], requireAll: boolean): Scored {
  const problems: string[] = [];
  const byKey = new Map(given.map((a) => [a.key, a]));
  for (const a of given) {
    const it = form.items.find((i) => i.key === a.key);
    if (!it) problems.push(`${a.key}: no such item in the form`);
    else if (it.kind === 'objective') problems.push(`${a.key}: objective, filled from the call's timings`);
    else if (!(a.value >= it.min && a.value <= it.max)) problems.push(`${a.key}: ${a.value} is outside [${it.min}, ${it.max}]`);
  }
  const answers: Answer[] = form.items.map((it) => {
    if (it.kind === 'objective') {
      const s = measuredSeconds(it.metric!, timings);
      const value = objectiveValue(it, s);
      return { key: it.key, label: it.label, value, points: pointsOf(it, value), weight: it.weight, auto: true, measured_s: s };
    }
    const a = byKey.get(it.key);
    if (!a && requireAll) problems.push(`${it.key}: not scored`);
    return { key: it.key, label: it.label, value: a?.value ?? null, points: pointsOf(it, a?.value ?? null), weight: it.weight, auto: false, ...(a?.note ? { note: a.note } : {}) };
  });
  if (problems.length > 0) throw new CtiError('CTI_QA_ANSWER_INVALID', { problems });
  const total = form.items.reduce((s, i) => s + i.weight, 0);
  const points = answers.reduce((s, a) => s + a.points, 0);
  const value = round2((100 * points) / total);
  return { answers, score: value, grade: gradeOf(value, form.grades), complete: answers.every((a) => a.value !== null) };
}
