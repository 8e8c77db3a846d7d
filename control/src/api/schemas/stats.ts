import { GROUP_BY } from '../../stats/figures.ts';
import { dateTime, slug } from './common.ts';

const count = { type: 'integer' } as const;
const msOrNull = { type: ['number', 'null'] } as const;
const pctOrNull = { type: ['number', 'null'], description: 'Percent of the settled calls (answered or ended), two decimals; null with none.' } as const;

const figures = {
  offered: { ...count, description: 'Calls that arrived in the period and reached a queue (for a seat: offered to it or answered by it).' },
  answered: count,
  answered_within_10s: { ...count, description: 'Answered at most 10 s after arrival (national target: 95 %).' },
  answered_within_15s: count,
  answered_within_20s: count,
  abandoned: { ...count, description: 'The caller hung up before an answer (for a seat: while it rang there).' },
  settled: { ...count, description: 'Answered, or ended without an answer.' },
  in_progress: { ...count, description: 'Still waiting or ringing.' },
  answered_within_10s_pct: pctOrNull,
  answered_within_15s_pct: pctOrNull,
  answered_within_20s_pct: pctOrNull,
  abandoned_pct: pctOrNull,
  avg_wait_ms: { ...msOrNull, description: 'Average wait from arrival to answer, or to the end if never answered.' },
  p90_wait_ms: { ...msOrNull, description: '90th percentile of the wait (percentile_cont).' },
  avg_talk_ms: { ...msOrNull, description: 'Average talk time of the answered calls.' },
} as const;

const figuresSchema = { type: 'object', required: Object.keys(figures), properties: figures } as const;

export const serviceLevelQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    from: { ...dateTime, description: 'Start of the period (arrival time, inclusive); default: 15 minutes before `to`.' },
    to: { ...dateTime, description: 'End of the period (exclusive); default: now.' },
    queue_id: slug, centre_id: slug, seat_id: slug,
    group_by: { type: 'string', enum: [...GROUP_BY], default: 'queue' },
  },
} as const;

export const serviceLevelReply = {
  type: 'object', required: ['from', 'to', 'live', 'group_by', 'items', 'total'],
  properties: {
    from: dateTime, to: dateTime,
    live: { type: 'boolean', description: 'No period given: the last 15 minutes.' },
    group_by: { type: 'string' },
    items: {
      type: 'array',
      items: { type: 'object', required: ['key', ...figuresSchema.required], properties: { key: { type: 'string', description: 'Queue, seat or centre id, or the hour (UTC).' }, ...figures } },
    },
    total: figuresSchema,
  },
} as const;
