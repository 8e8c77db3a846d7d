/** JSON Schemas of the QA routes (/v1/qa/...): scoring forms, reviews, score cards, tags. */
import { dateTime, slug, uuid } from './common.ts';

const num = { type: 'number' } as const;
/** A value on an item's scale: min and max lie in this range too. */
const scaleValue = { type: 'number', minimum: -1000, maximum: 1000 } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const time = { type: ['string', 'null'], format: 'date-time' } as const;
const grade = { type: 'string', enum: ['优', '良', '中', '差'] } as const;

export const formItem = {
  type: 'object', additionalProperties: false, required: ['key', 'label', 'kind', 'weight', 'min', 'max'],
  properties: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' },
    label: { type: 'string', minLength: 1, maxLength: 64, description: 'What is scored, e.g. 振铃时间, 语气态度.' },
    kind: { type: 'string', enum: ['subjective', 'objective'], description: 'objective: computed from the call\'s timings.' },
    weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
    min: { type: 'number', minimum: -1000, maximum: 1000, description: 'Scale minimum.' },
    max: { type: 'number', minimum: -1000, maximum: 1000, description: 'Scale maximum.' },
    metric: { type: 'string', enum: ['ring_s', 'answer_s', 'queue_s', 'talk_s'], description: 'Objective items: ring_s = offer to answer at the answering seat, answer_s = arrival to answer, queue_s, talk_s.' },
    bands: {
      type: 'array', maxItems: 20, description: 'Objective items: the first band whose up_to_s the measured seconds do not exceed gives the value.',
      items: { type: 'object', additionalProperties: false, required: ['up_to_s', 'value'], properties: { up_to_s: { type: 'number', minimum: 0, maximum: 86400 }, value: scaleValue } },
    },
    otherwise: { ...scaleValue, description: 'Objective items: the value above every band (default: min).' },
  },
} as const;

export const grades = {
  type: 'object', additionalProperties: false, required: ['excellent', 'good', 'fair'],
  description: 'Percent thresholds: >= excellent 优, >= good 良, >= fair 中, below 差.',
  properties: { excellent: { type: 'number', minimum: 0, maximum: 100 }, good: { type: 'number', minimum: 0, maximum: 100 }, fair: { type: 'number', minimum: 0, maximum: 100 } },
} as const;

export const formBody = {
  type: 'object', additionalProperties: false, required: ['name', 'items'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 }, description: { type: ['string', 'null'], maxLength: 1000 },
    items: { type: 'array', minItems: 1, maxItems: 50, items: formItem }, grades, centre_id: slug,
  },
} as const;

export const formPatch = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 }, description: { type: ['string', 'null'], maxLength: 1000 },
    items: { type: 'array', minItems: 1, maxItems: 50, items: formItem }, grades, active: { type: 'boolean' },
  },
} as const;

export const formSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'description', 'items', 'grades', 'active', 'created_by', 'created_at', 'updated_at', 'in_use'],
  properties: {
    id: uuid, centre_id: slug, name: { type: 'string' }, description: strOrNull, items: { type: 'array', items: formItem }, grades,
    active: { type: 'boolean' }, created_by: strOrNull, created_at: dateTime, updated_at: dateTime,
    in_use: { type: 'boolean', description: 'Reviews use this form: its items can no longer change.' },
  },
} as const;

export const formsQuery = {
  type: 'object', additionalProperties: false, properties: { centre_id: slug, active: { type: 'boolean' } },
} as const;

const givenAnswer = {
  type: 'object', additionalProperties: false, required: ['key', 'value'],
  properties: { key: { type: 'string', maxLength: 32 }, value: scaleValue, note: { type: 'string', maxLength: 500 } },
} as const;

export const reviewBody = {
  type: 'object', additionalProperties: false, required: ['call_id', 'form_id', 'answers'],
  properties: {
    call_id: uuid, form_id: uuid, answers: { type: 'array', maxItems: 50, items: givenAnswer, description: 'Subjective items only.' },
    comment: { type: ['string', 'null'], maxLength: 2000 }, final: { type: 'boolean', description: 'Finalise now (every subjective item scored).' },
  },
} as const;

export const reviewPatch = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { answers: reviewBody.properties.answers, comment: reviewBody.properties.comment, final: reviewBody.properties.final },
} as const;

export const commentBody = {
  type: 'object', additionalProperties: false, required: ['comment'], properties: { comment: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;

const answer = {
  type: 'object', required: ['key', 'label', 'value', 'points', 'weight', 'auto'],
  properties: {
    key: { type: 'string' }, label: { type: 'string' }, value: { type: ['number', 'null'] }, points: num, weight: num,
    auto: { type: 'boolean', description: 'Filled from the call\'s timings.' }, measured_s: { type: ['number', 'null'] }, note: { type: 'string' },
  },
} as const;

export const reviewSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'call_id', 'recording_id', 'form_id', 'reviewer_id', 'dispatcher_id', 'seat_id', 'call_arrived_at', 'status',
    'answers', 'score', 'grade', 'comment', 'dispatcher_comment', 'dispatcher_commented_at', 'created_at', 'updated_at', 'finalised_at'],
  properties: {
    id: uuid, centre_id: slug, call_id: uuid, recording_id: strOrNull, form_id: uuid, reviewer_id: uuid,
    dispatcher_id: { type: ['string', 'null'], description: 'The person logged in at the answering seat when it answered.' },
    seat_id: strOrNull, call_arrived_at: dateTime, status: { type: 'string', enum: ['draft', 'final'] },
    answers: { type: 'array', items: answer }, score: { type: 'number', description: '0-100' }, grade,
    comment: strOrNull, dispatcher_comment: strOrNull, dispatcher_commented_at: time, created_at: dateTime, updated_at: dateTime, finalised_at: time,
  },
} as const;

export const reviewsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    dispatcher_id: uuid, reviewer_id: uuid, form_id: uuid, status: { type: 'string', enum: ['draft', 'final'] },
    from: { ...dateTime, description: 'Calls that arrived at or after this time.' }, to: { ...dateTime, description: 'Calls that arrived before this time.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 100000, default: 0 },
  },
} as const;

export const reviewPage = {
  type: 'object', required: ['items', 'total'], properties: { items: { type: 'array', items: reviewSchema }, total: { type: 'integer' } },
} as const;

export const periodQuery = {
  type: 'object', additionalProperties: false, required: ['from', 'to'],
  properties: {
    from: { ...dateTime, description: 'Period start (calls that arrived at or after).' }, to: { ...dateTime, description: 'Period end (exclusive).' },
    dispatcher_id: uuid,
  },
} as const;

export const exportQuery = {
  type: 'object', additionalProperties: false, required: ['from', 'to'],
  properties: {
    from: dateTime, to: dateTime, format: { type: 'string', enum: ['csv', 'xlsx'], default: 'xlsx' },
    sheet: { type: 'string', enum: ['scorecards', 'reviews'], default: 'scorecards', description: 'CSV only: which table (.xlsx holds both).' },
  },
} as const;

const cardLine = {
  type: 'object', required: ['reviews', 'average', 'min', 'max', 'grade', 'items'],
  properties: {
    dispatcher_id: strOrNull, dispatcher_name: strOrNull, dispatchers: { type: 'integer' }, reviews: { type: 'integer' },
    average: num, min: num, max: num, grade, items: { type: 'object', additionalProperties: num, description: 'Average points per item key.' },
  },
} as const;

export const scoreCardsSchema = {
  type: 'object', required: ['form', 'from', 'to', 'dispatchers', 'team'],
  properties: {
    form: {
      type: 'object', required: ['id', 'name', 'centre_id', 'grades', 'items'],
      properties: {
        id: uuid, name: { type: 'string' }, centre_id: slug, grades,
        items: { type: 'array', items: { type: 'object', required: ['key', 'label', 'weight'], properties: { key: { type: 'string' }, label: { type: 'string' }, weight: num } } },
      },
    },
    from: { type: 'string' }, to: { type: 'string' },
    dispatchers: { type: 'array', items: cardLine }, team: cardLine,
  },
} as const;

export const tagBody = {
  type: 'object', additionalProperties: false, required: ['tag'],
  properties: { tag: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[^\\s,]+$', description: 'e.g. 典型案例, 投诉, hold (keeps the audio past retention).' } },
} as const;

export const tagParams = {
  type: 'object', additionalProperties: false, required: ['id', 'tag'], properties: { id: uuid, tag: tagBody.properties.tag },
} as const;

export const tagsSchema = {
  type: 'object', required: ['recording_id', 'tags'], properties: { recording_id: uuid, tags: { type: 'array', items: { type: 'string' } } },
} as const;

export const fileResponses = {
  200: {
    description: 'The file (text/csv with a UTF-8 BOM, or .xlsx)',
    content: {
      'text/csv': { schema: { type: 'string' } },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
    },
  },
} as const;

export const objectiveQuery = {
  type: 'object', additionalProperties: false, required: ['call_id'], properties: { call_id: { ...uuid, description: 'An answered call.' } },
} as const;

export const objectiveSchema = {
  type: 'object', required: ['form_id', 'call_id', 'answers'],
  properties: { form_id: uuid, call_id: uuid, answers: { type: 'array', items: answer, description: 'The objective items only (auto: true).' } },
} as const;
