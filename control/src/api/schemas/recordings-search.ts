/** JSON Schemas of the recording search and the integrity/export routes. */
import { dateTime, slug, uuid } from './common.ts';

const strOrNull = { type: ['string', 'null'] } as const;
const intOrNull = { type: ['integer', 'null'] } as const;
const time = { type: ['string', 'null'], format: 'date-time' } as const;

export const recordingSearchQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    from: { ...dateTime, description: 'Calls that arrived at or after this time.' },
    to: { ...dateTime, description: 'Calls that arrived before this time.' },
    seat_id: { ...slug, description: 'The seat that answered.' },
    dispatcher: { ...uuid, description: 'The user logged in at the answering seat when it answered.' },
    caller_number: { type: 'string', minLength: 1, maxLength: 64 },
    queue_id: slug, centre_id: slug, incident_id: { type: 'string', minLength: 1, maxLength: 128 },
    min_duration: { type: 'integer', minimum: 0, maximum: 86400, description: 'Seconds of recording, at least.' },
    max_duration: { type: 'integer', minimum: 0, maximum: 86400, description: 'Seconds of recording, at most.' },
    min_score: { type: 'number', minimum: 0, maximum: 100, description: 'A final QA review scored at least this.' },
    max_score: { type: 'number', minimum: 0, maximum: 100, description: 'A final QA review scored at most this.' },
    tag: { type: 'string', minLength: 1, maxLength: 32 },
    flag: { type: 'string', enum: ['gap'], description: 'Recordings the conversion flagged: gap = a side sent no audio for 3 s or more after the answer.' },
    status: { type: 'string', enum: ['ready', 'missing', 'failed', 'purged'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', pattern: '^[0-9T:.Z-]{20,32},[0-9a-fA-F-]{36}$', description: 'Paging: next_cursor of the previous page.' },
  },
} as const;

export const recordingHit = {
  type: 'object',
  required: ['recording_id', 'recording_status', 'duration_ms', 'started_at', 'sm3', 'call_id', 'centre_id', 'caller_number', 'queue_id',
    'seat_id', 'arrived_at', 'answered_at', 'queue_ms', 'answer_ms', 'talk_ms', 'incident_id', 'qa_score', 'qa_grade', 'qa_reviews', 'tags', 'flags', 'dispatcher_id', 'dispatcher_name', 'audio_url'],
  properties: {
    recording_id: uuid, recording_status: { type: 'string', enum: ['ready', 'missing', 'failed', 'purged'] }, duration_ms: intOrNull, started_at: time,
    sm3: strOrNull, call_id: uuid, centre_id: slug, caller_number: strOrNull, queue_id: strOrNull, seat_id: strOrNull, arrived_at: dateTime,
    answered_at: time, queue_ms: intOrNull, answer_ms: intOrNull, talk_ms: intOrNull, incident_id: strOrNull,
    qa_score: { type: ['number', 'null'], description: 'Score of the latest final review.' }, qa_grade: strOrNull,
    qa_reviews: { type: 'integer', description: 'Final reviews of the call.' }, tags: { type: 'array', items: { type: 'string' } },
    flags: { type: 'array', items: { type: 'string' }, description: 'Marks of the conversion (gap: missing audio on a side).' },
    dispatcher_id: { type: ['string', 'null'], description: 'The user logged in at the answering seat when it answered.' }, dispatcher_name: strOrNull,
    audio_url: strOrNull,
  },
} as const;

export const recordingSearchPage = {
  type: 'object', required: ['items', 'next_cursor'],
  properties: {
    items: { type: 'array', items: recordingHit },
    next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next (older) page; null on the last page.' },
  },
} as const;

const finding = {
  type: 'object', required: ['kind', 'chunk'],
  properties: {
    kind: { type: 'string', enum: ['modified', 'dropped', 'reordered', 'truncated', 'extended', 'record'] }, chunk: { type: 'integer' },
    offset: { type: 'integer' }, length: { type: 'integer' }, holds: { type: 'integer' }, size_bytes: { type: 'integer' }, expected_bytes: { type: 'integer' },
  },
} as const;

export const integritySchema = {
  type: 'object', required: ['recording_id', 'ok', 'chunk_size', 'chunks', 'size_bytes', 'head', 'file_sm3', 'findings', 'manifest'],
  properties: {
    recording_id: uuid, ok: { type: 'boolean' }, chunk_size: { type: 'integer' }, chunks: { type: 'integer' }, size_bytes: { type: 'integer' },
    head: { type: 'string' }, file_sm3: { type: 'string' }, findings: { type: 'array', items: finding },
    manifest: {
      type: ['object', 'null'], description: 'The latest signed manifest that lists the recording, and whether the file matches its entry.',
      properties: { day: { type: 'string' }, version: { type: 'integer' }, signature_ok: { type: 'boolean' }, entry_matches: { type: 'boolean' } },
    },
  },
} as const;

export const manifestParams = {
  type: 'object', additionalProperties: false, required: ['centre', 'day'],
  properties: { centre: slug, day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
} as const;

export const manifestSchema = {
  type: 'object', required: ['centre_id', 'day', 'version', 'entries', 'body', 'signature', 'key_fingerprint', 'public_key', 'signed_at'],
  properties: {
    centre_id: slug, day: { type: 'string' }, version: { type: 'integer' }, entries: { type: 'integer' },
    body: { type: 'string', description: 'The signed octets (UTF-8 JSON), exactly.' },
    signature: { type: 'string', description: 'SM2 signature with SM3 (DER), base64.' },
    key_fingerprint: { type: 'string' }, public_key: { type: 'string', description: 'PEM.' }, signed_at: dateTime,
  },
} as const;

export const tarResponse = {
  200: { description: 'The evidence bundle (tar): WAV, chain, signed manifest, public key, README', content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } } },
} as const;

export const oggResponses = {
  200: { description: 'The whole listening copy', content: { 'audio/ogg': { schema: { type: 'string', format: 'binary' } } } },
  206: { description: 'One byte range of the listening copy', content: { 'audio/ogg': { schema: { type: 'string', format: 'binary' } } } },
} as const;
