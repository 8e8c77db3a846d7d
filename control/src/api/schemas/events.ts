import { EVENT_TYPES } from '../../events/schema.ts';

const streamId = { type: 'string', pattern: '^\\d{1,20}(-\\d{1,20})?$', description: 'A Redis stream id of cti:events ("<ms>-<seq>").' } as const;
const typeList = {
  type: 'string', pattern: '^[a-z_]+(\\.[a-z0-9_]+)*(\\.\\*)?(,[a-z_]+(\\.[a-z0-9_]+)*(\\.\\*)?)*$',
  maxLength: 512,
  description: 'Comma-separated event types or prefixes ending in ".*", e.g. "call.*,seat.state_changed.v1".',
} as const;

export const envelope = {
  type: 'object', required: ['id', 'type', 'at', 'centre_id', 'data'],
  properties: {
    id: { type: 'string' }, type: { type: 'string', enum: EVENT_TYPES }, at: { type: 'string', format: 'date-time' },
    centre_id: { type: 'string' }, data: { type: 'object', additionalProperties: true },
  },
} as const;

export const streamedEvent = {
  type: 'object', required: ['stream_id', 'event'],
  properties: { stream_id: streamId, event: envelope },
} as const;

export const eventsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    since: { ...streamId, description: 'Events after this stream id (exclusive); absent: the newest `limit` events.' },
    types: typeList,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export const eventsPage = {
  type: 'object', required: ['items', 'last_id'],
  properties: {
    items: { type: 'array', items: streamedEvent },
    last_id: { type: ['string', 'null'], description: 'The stream id of the last entry read (pass as since); null if none.' },
  },
} as const;

export const eventsWsQuery = {
  type: 'object', additionalProperties: false,
  properties: { since: { ...streamId, description: 'Replay the stream after this id, then continue live.' }, types: typeList },
} as const;

export const eventSchemasResponse = {
  type: 'object', required: ['stream', 'envelope', 'types'],
  properties: {
    stream: { type: 'string', description: 'The Redis stream that holds every event (field "e": the JSON envelope).' },
    envelope: { type: 'object', additionalProperties: true },
    types: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, description: 'JSON Schema of `data`, per event type.' },
  },
} as const;
