import { dateTime, slug, uuid } from './common.ts';

const time = { type: ['string', 'null'], format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const msOrNull = { type: ['integer', 'null'] } as const;

export const CALL_STATES = ['offered', 'screened', 'queued', 'offering', 'talking', 'ended', 'abandoned', 'overflowed', 'blocked', 'failed_open'] as const;

export const callSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'sip_call_id', 'caller_number', 'caller_name', 'called_number', 'trunk_id', 'source', 'queue_id',
    'priority', 'state', 'arrived_at', 'queued_at', 'first_offered_at', 'answered_at', 'ended_at', 'answered_seat_id', 'ended_by',
    'end_reason', 'failed_open', 'queue_ms', 'answer_ms', 'talk_ms', 'incident_id', 'recording_id', 'recording_status'],
  properties: {
    id: uuid, centre_id: slug, sip_call_id: { type: 'string' }, caller_number: strOrNull, caller_name: strOrNull,
    called_number: strOrNull, trunk_id: strOrNull, source: strOrNull, queue_id: strOrNull, priority: { type: 'integer' },
    state: { type: 'string', description: 'offered, queued, offering, talking, ended, abandoned, failed_open, ...' },
    arrived_at: dateTime, queued_at: time, first_offered_at: time, answered_at: time, ended_at: time,
    answered_seat_id: strOrNull, ended_by: { type: ['string', 'null'], enum: ['caller', 'seat', 'system', null] }, end_reason: strOrNull,
    failed_open: { type: 'boolean' },
    queue_ms: { ...msOrNull, description: 'Queued until answered (or until the end if never answered).' },
    answer_ms: { ...msOrNull, description: 'Arrival until a seat answered (the 10 s target).' },
    talk_ms: { ...msOrNull, description: 'Answered until the end.' },
    incident_id: strOrNull,
    recording_id: { type: ['string', 'null'], description: 'The call\'s recording, if indexed.' },
    recording_status: { type: ['string', 'null'], enum: ['ready', 'missing', 'failed', null] },
    direction: { type: 'string', enum: ['inbound', 'outbound'], description: 'outbound: a callback placed by a seat (docs/callbacks.md).' },
    callback_of: { ...strOrNull, description: 'For a callback: the abandoned call it returns.' },
    seat_id: { ...strOrNull, description: 'For a callback: the seat that placed it.' },
  },
} as const;

export const offerSchema = {
  type: 'object',
  required: ['attempt', 'seat_id', 'offered_at', 'ringing_at', 'answered_at', 'ended_at', 'outcome', 'sip_status', 'ring_ms'],
  properties: {
    attempt: { type: 'integer' }, seat_id: { type: 'string' }, offered_at: dateTime, ringing_at: time, answered_at: time,
    ended_at: time, outcome: { ...strOrNull, description: 'answered, no_answer, rejected, unreachable, cancelled, failed; null while ringing.' },
    sip_status: msOrNull, ring_ms: { ...msOrNull, description: 'Offered until answered or given up.' },
  },
} as const;

export const legSchema = {
  type: 'object', required: ['id', 'kind', 'party', 'from_tag', 'to_tag', 'started_at', 'ended_at'],
  properties: {
    id: { type: 'string' }, kind: { type: 'string', enum: ['caller', 'seat', 'external', 'monitor'] }, party: strOrNull,
    from_tag: strOrNull, to_tag: strOrNull, started_at: dateTime, ended_at: time,
  },
} as const;

export const callEventSchema = {
  type: 'object', required: ['id', 'type', 'at', 'data'],
  properties: { id: { type: 'string' }, type: { type: 'string' }, at: dateTime, data: { type: 'object', additionalProperties: true } },
} as const;

export const callDetail = {
  type: 'object', required: ['call', 'offers', 'legs', 'events'],
  properties: {
    call: callSchema,
    offers: { type: 'array', items: offerSchema },
    legs: { type: 'array', items: legSchema },
    events: { type: 'array', items: callEventSchema, description: 'The call\'s event log, in order (the typed events of docs/events.md).' },
  },
} as const;

export const listCallsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    state: { type: 'string', enum: CALL_STATES },
    from: { ...dateTime, description: 'Calls that arrived at or after this time.' },
    to: { ...dateTime, description: 'Calls that arrived before this time.' },
    caller_number: { type: 'string', minLength: 1, maxLength: 64 },
    seat_id: { ...slug, description: 'Calls offered to or answered by this seat.' },
    sip_call_id: { type: 'string', minLength: 1, maxLength: 256 },
    before: { type: 'string', pattern: '^[0-9T:.Z-]{20,32},[0-9a-fA-F-]{36}$', description: 'Paging: next_before of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export const callPage = {
  type: 'object', required: ['items', 'next_before'],
  properties: {
    items: { type: 'array', items: callSchema },
    next_before: { type: ['string', 'null'], description: 'Pass as `before` for the next (older) page; null on the last page.' },
  },
} as const;

export const abandonedSchema = {
  type: 'object',
  required: ['id', 'call_id', 'centre_id', 'queue_id', 'caller_number', 'wait_ms', 'abandoned_at', 'status', 'claimed_by', 'outcome', 'closed_at'],
  properties: {
    id: { type: 'string' }, call_id: uuid, centre_id: slug, queue_id: strOrNull, caller_number: strOrNull,
    wait_ms: { type: 'integer', description: 'How long the caller waited before hanging up.' },
    abandoned_at: dateTime, status: { type: 'string', enum: ['open', 'claimed', 'done'] },
    claimed_by: { type: ['string', 'null'], description: 'The user calling back.' }, outcome: strOrNull, closed_at: time,
  },
} as const;

export const abandonedQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'claimed', 'done'] },
    queue_id: slug,
    from: { ...dateTime, description: 'Abandoned at or after this time.' },
    to: { ...dateTime, description: 'Abandoned before this time.' },
    offset: { type: 'integer', minimum: 0, maximum: 100000, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

export const abandonedPage = {
  type: 'object', required: ['items', 'total'],
  properties: { items: { type: 'array', items: abandonedSchema }, total: { type: 'integer', description: 'Rows matching the filter.' } },
} as const;
