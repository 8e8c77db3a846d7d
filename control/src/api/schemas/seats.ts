import { dateTime, displayName, slug } from './common.ts';

const sipUsername = { type: 'string', pattern: '^[a-zA-Z0-9_.-]{2,32}$' } as const;
const sipPassword = { type: 'string', minLength: 8, maxLength: 128, description: 'Write-only: only its digest (HA1) is stored.' } as const;
const queues = { type: 'array', uniqueItems: true, maxItems: 64, items: slug } as const;
const kind = { type: 'string', enum: ['permanent', 'surge'] } as const;
const expiresAt = { type: ['string', 'null'], format: 'date-time', description: 'A surge seat stops authenticating at this time.' } as const;
const tier = { type: ['integer', 'null'], minimum: 1, maximum: 9, description: 'ACD tier (1 is offered first by the tiers strategy); null: the surge template\'s, else 1.' } as const;
const skills = {
  type: ['array', 'null'], maxItems: 32, uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$' },
  description: 'ACD skills matched against a queue\'s required_skills (e.g. dialect-wu); null: the surge template\'s, else none.',
} as const;

export const seatSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'display_name', 'sip_username', 'sip_domain', 'kind', 'queues', 'enabled', 'expires_at',
    'state', 'state_since', 'created_at', 'updated_at'],
  properties: {
    id: slug, centre_id: slug, display_name: displayName, sip_username: { type: 'string' }, sip_domain: { type: 'string' },
    kind, queues, enabled: { type: 'boolean' }, expires_at: expiresAt, tier, skills,
    state: { type: 'string', description: 'Live state, owned by the seat state machine; read-only here.' },
    state_since: dateTime, created_at: dateTime, updated_at: dateTime,
  },
} as const;

export const createSeatBody = {
  type: 'object', additionalProperties: false, required: ['id', 'display_name', 'sip_username', 'sip_password'],
  properties: {
    id: slug, display_name: displayName, sip_username: sipUsername, sip_password: sipPassword,
    centre_id: slug, queues, kind, expires_at: expiresAt, tier, skills,
  },
} as const;

export const patchSeatBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    display_name: displayName, sip_username: sipUsername, sip_password: sipPassword, centre_id: slug, queues,
    enabled: { type: 'boolean' }, expires_at: expiresAt, tier, skills,
  },
} as const;

export const listSeatsQuery = {
  type: 'object', additionalProperties: false,
  properties: { centre_id: slug, include_disabled: { type: 'boolean', default: false } },
} as const;

export const seatList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: seatSchema } } } as const;
