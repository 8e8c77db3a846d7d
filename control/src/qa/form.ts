/**
 * A scoring form, defined by a centre (调度评分: ring time, answer time, information quality, first-aid
 * guidance, manner ... each with a weight). An item is scored on its scale [min, max]; its points are
 * weight * (value - min) / (max - min); a review's score is 100 * points / total weight. Objective items
 * are filled from the call's stored timings through bands: the first band whose `up_to_s` the measured
 * seconds do not exceed gives the value, else `otherwise` (default: min).
 * Grades: score >= excellent -> 优, >= good -> 良, >= fair -> 中, else 差.
 */
import { CtiError } from '../errors/catalogue.ts';

export const METRICS = ['ring_s', 'answer_s', 'queue_s', 'talk_s'] as const;
export type Metric = (typeof METRICS)[number];
export const GRADES = ['优', '良', '中', '差'] as const;
export type Grade = (typeof GRADES)[number];

export interface Band {
  up_to_s: number;
  value: number;
}

export interface FormItem {
  key: string;
  label: string;
  kind: 'subjective' | 'objective';
  weight: number;
  min: number;
  max: number;
  metric?: Metric;
  bands?: Band[];
  otherwise?: number;
}

export interface GradeThresholds {
  excellent: number;
  good: number;
  fair: number;
}

export const DEFAULT_GRADES: GradeThresholds = { excellent: 90, good: 80, fair: 60 };

export interface FormDefinition {
  items: FormItem[];
  grades: GradeThresholds;
}

/** Checks a form's consistency beyond its JSON Schema; throws CTI_QA_FORM_INVALID listing every problem. */
export function checkForm(f: FormDefinition): void {
  const problems: string[] = [];
  const keys = new Set<string>();
  if (f.items.length === 0) problems.push('a form needs at least one item');
  for (const it of f.items) {
    if (keys.has(it.key)) problems.push(`item ${it.key}: key used twice`);
    keys.add(it.key);
    if (!(it.weight > 0)) problems.push(`item ${it.key}: weight must be positive`);
    if (!(it.min < it.max)) problems.push(`item ${it.key}: min must be below max`);
    const inScale = (v: number) => v >= it.min && v <= it.max;
    if (it.kind === 'objective') {
      if (!it.metric) problems.push(`item ${it.key}: an objective item needs a metric (${METRICS.join(', ')})`);
      if (!it.bands || it.bands.length === 0) problems.push(`item ${it.key}: an objective item needs bands`);
      for (const [i, b] of (it.bands ?? []).entries()) {
        if (!inScale(b.value)) problems.push(`item ${it.key}: band ${i} value ${b.value} is outside [${it.min}, ${it.max}]`);
        if (i > 0 && b.up_to_s <= it.bands![i - 1].up_to_s) problems.push(`item ${it.key}: bands must have increasing up_to_s`);
      }
      if (it.otherwise !== undefined && !inScale(it.otherwise)) problems.push(`item ${it.key}: otherwise is outside the scale`);
    } else if (it.metric || it.bands) {
      problems.push(`item ${it.key}: only objective items have a metric and bands`);
    }
  }
  const g = f.grades;
  if (!(g.excellent >= g.good && g.good >= g.fair && g.fair >= 0 && g.excellent <= 100)) {
    problems.push('grades: need 100 >= excellent >= good >= fair >= 0');
  }
  if (problems.length > 0) throw new CtiError('CTI_QA_FORM_INVALID', { problems });
}

export function gradeOf(score: number, g: GradeThresholds): Grade {
  if (score >= g.excellent) return '优';
  if (score >= g.good) return '良';
  if (score >= g.fair) return '中';
  return '差';
}
