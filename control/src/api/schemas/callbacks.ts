/** Schemas of the abandoned-call work list and callbacks (routes/callbacks.ts, docs/callbacks.md). */
import { dateTime, slug, uuid } from './common.ts';

const time = { type: ['string', 'null'], format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;

export const OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'duplicate', 'not_needed'] as const;

export const itemParams = {
  type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,18}$' } },
} as const;

export const workItemSchema = {
  type: 'object',
  required: ['id', 'call_id', 'centre_id', 'queue_id', 'caller_number', 'wait_ms', 'abandoned_at', 'status', 'claimed_by', 'claimed_by_name',
    'claimed_at', 'claimed_seat_id', 'outcome', 'note', 'closed_at', 'closed_by', 'closed_by_name', 'called_again_call_id',
    'callback_call_id', 'callback_state', 'callback_attempts'],
  properties: {
    id: { type: 'string' }, call_id: uuid, centre_id: slug, queue_id: strOrNull,
    caller_number: { ...strOrNull, description: 'The number to call back (null: withheld).' },
    wait_ms: { type: 'integer', description: 'How long the caller waited before hanging up.' },
    abandoned_at: dateTime,
    status: { type: 'string', enum: ['open', 'claimed', 'done'], description: 'done = closed, with an outcome.' },
    claimed_by: strOrNull, claimed_by_name: strOrNull, claimed_at: time, claimed_seat_id: strOrNull,
    outcome: { type: ['string', 'null'], enum: [...OUTCOMES, 'called_again', null] },
    note: strOrNull, closed_at: time, closed_by: { ...strOrNull, description: 'null when the system closed it (called_again).' }, closed_by_name: strOrNull,
    called_again_call_id: { ...strOrNull, description: 'The new call from the same number that closed the item.' },
    callback_call_id: { ...strOrNull, description: 'The last callback call placed for it (a call with direction outbound).' },
    callback_state: { ...strOrNull, description: 'That call\'s state: dialling, talking, ended, failed.' },
    callback_attempts: { type: 'integer' },
  },
} as const;

export const workListQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'claimed', 'done'] },
    queue_id: slug,
    mine: { type: 'boolean', description: 'Only the items I have claimed.' },
    claimed_by: uuid,
    from: { ...dateTime, description: 'Abandoned at or after this time.' },
    to: { ...dateTime, description: 'Abandoned before this time.' },
    offset: { type: 'integer', minimum: 0, maximum: 100000, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

export const workListPage = {
  type: 'object', required: ['items', 'total'],
  properties: { items: { type: 'array', items: workItemSchema }, total: { type: 'integer', description: 'Items matching the filter.' } },
} as const;

export const changeReply = {
  type: 'object', required: ['item', 'authorisation', 'authorisation_error'],
  properties: {
    item: workItemSchema,
    authorisation: {
      type: ['object', 'null'], description: 'The seat may now dial the number through Kamailio (null: not, see authorisation_error).',
      required: ['seat_id', 'sip_user', 'number', 'expires_at'],
      properties: { seat_id: slug, sip_user: { type: 'string' }, number: { type: 'string' }, expires_at: dateTime },
    },
    authorisation_error: strOrNull,
  },
} as const;

export const claimBody = {
  type: 'object', additionalProperties: false,
  properties: { seat_id: { ...slug, description: 'The seat whose phone dials; default: the seat I am logged in at.' } },
} as const;

export const reassignBody = {
  type: 'object', additionalProperties: false, required: ['user_id'],
  properties: { user_id: uuid, seat_id: slug },
} as const;

export const closeBody = {
  type: 'object', additionalProperties: false, required: ['outcome'],
  properties: { outcome: { type: 'string', enum: OUTCOMES }, note: { type: 'string', maxLength: 500 } },
} as const;

export const settingsSchema = {
  type: 'object', required: ['centre_id', 'callback_number', 'trunk_id', 'gateway_uri'],
  properties: {
    centre_id: slug, callback_number: strOrNull, trunk_id: strOrNull, gateway_uri: strOrNull,
    group_setid: { type: ['integer', 'null'], description: 'Set when the trunk is in a trunk group: callbacks leave through any live member.' },
  },
} as const;

export const settingsBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    callback_number: { type: ['string', 'null'], pattern: '^\\+?[0-9]{3,20}$', description: 'The number callbacks present (From, P-Asserted-Identity).' },
    trunk_id: slug,
    gateway_uri: { type: ['string', 'null'], pattern: '^sip:[A-Za-z0-9.\\-]+(:[0-9]{1,5})?$', description: 'Where this trunk takes outbound calls.' },
  },
} as const;

export const assigneeList = {
  type: 'object', required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'username', 'display_name', 'seat_id'],
        properties: { id: uuid, username: { type: 'string' }, display_name: { type: 'string' }, seat_id: { ...strOrNull, description: 'The seat they are logged in at now.' } },
      },
    },
  },
} as const;
