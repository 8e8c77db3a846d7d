import { PREFIX_PATTERN } from '../../surge/credentials.ts';
import { MAX_SURGE_SEATS } from '../../surge/create.ts';
import { dateTime, displayName, slug } from './common.ts';

const queues = { type: 'array', uniqueItems: true, minItems: 1, maxItems: 64, items: slug } as const;
const skills = { type: 'array', uniqueItems: true, maxItems: 32, items: slug } as const;
const role = { type: 'string', enum: ['dispatcher', 'supervisor'] } as const;
const nullableDate = { type: ['string', 'null'], format: 'date-time' } as const;

export const seatTemplateSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'queues', 'tier', 'skills', 'wrapup_s', 'role', 'created_by_name', 'created_at', 'updated_at'],
  properties: {
    id: slug, centre_id: slug, name: displayName, queues, tier: { type: 'integer' }, skills,
    wrapup_s: { type: ['integer', 'null'] }, role, created_by_name: { type: 'string' }, created_at: dateTime, updated_at: dateTime,
  },
} as const;

export const createSeatTemplateBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name', 'queues'],
  properties: {
    id: slug, name: displayName, queues, centre_id: slug,
    tier: { type: 'integer', minimum: 1, maximum: 9, description: 'Offer order among seats (1 first).' },
    skills, wrapup_s: { type: ['integer', 'null'], minimum: 0, maximum: 600, description: 'Wrap-up after a call; null: the queue\'s.' },
    role,
  },
} as const;

export const seatTemplateList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: seatTemplateSchema } } } as const;

const surgeSeat = {
  type: 'object', required: ['seat_id', 'sip_username', 'status', 'ended_at'],
  properties: {
    seat_id: slug, sip_username: { type: 'string' },
    status: { type: 'string', enum: ['active', 'ending', 'ended'], description: 'ending: in a call when the surge ended; disabled when it leaves the call.' },
    ended_at: nullableDate,
  },
} as const;

export const surgeSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'template_id', 'template', 'prefix', 'seat_count', 'reason', 'created_by_name', 'created_at',
    'expires_at', 'ended_at', 'ended_by_name', 'end_reason', 'status', 'seats'],
  properties: {
    id: { type: 'string', format: 'uuid' }, centre_id: slug, template_id: slug,
    template: { type: 'object', additionalProperties: true, description: 'The template as it was when the surge was created.' },
    prefix: { type: 'string' }, seat_count: { type: 'integer' }, reason: { type: 'string' }, created_by_name: { type: 'string' },
    created_at: dateTime, expires_at: dateTime, ended_at: nullableDate, ended_by_name: { type: ['string', 'null'] },
    end_reason: { type: ['string', 'null'], enum: ['ended', 'expired', null] },
    status: { type: 'string', enum: ['active', 'ending', 'ended'] },
    seats: { type: 'array', items: surgeSeat },
  },
} as const;

export const createSurgeBody = {
  type: 'object', additionalProperties: false, required: ['template_id', 'count', 'expires_at', 'reason'],
  properties: {
    template_id: slug,
    count: { type: 'integer', minimum: 1, maximum: MAX_SURGE_SEATS },
    prefix: { type: 'string', pattern: PREFIX_PATTERN, description: 'Seat ids and SIP user names are <prefix>-01 ..; a random one by default.' },
    expires_at: dateTime,
    reason: { type: 'string', minLength: 1, maxLength: 200, description: 'Why, e.g. 重大事件 and the incident.' },
  },
} as const;

export const surgeCreatedSchema = {
  type: 'object', required: ['surge', 'seats'],
  properties: {
    surge: surgeSchema,
    seats: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'display_name', 'sip_username', 'sip_domain', 'sip_password', 'login_url', 'queues'],
        properties: {
          id: slug, display_name: displayName, sip_username: { type: 'string' }, sip_domain: { type: 'string' },
          sip_password: { type: 'string', description: 'Shown only in this answer; only its digest is stored. Hand it out now.' },
          login_url: { type: 'string' }, queues,
        },
      },
    },
  },
} as const;

export const patchSurgeBody = {
  type: 'object', additionalProperties: false, required: ['expires_at'], properties: { expires_at: dateTime },
} as const;

export const listSurgesQuery = {
  type: 'object', additionalProperties: false,
  properties: { open: { type: 'boolean', default: false, description: 'Only surges not fully ended.' }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
} as const;

export const surgeList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: surgeSchema } } } as const;
