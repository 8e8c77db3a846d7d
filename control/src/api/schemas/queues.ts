import { QUEUE_STRATEGIES } from '../../queues/strategy.ts';
import { dateTime, displayName, slug } from './common.ts';

const strategy = { type: 'string', enum: [...QUEUE_STRATEGIES], description: 'How the ACD picks the seat (queues/strategy.ts).' } as const;
const ringTimeout = { type: 'integer', minimum: 3, maximum: 120, description: 'Seconds a seat rings before the call goes back to the queue.' } as const;
const wrapup = { type: 'integer', minimum: 0, maximum: 600, description: 'Seconds of wrap-up after a call.' } as const;
const basePriority = { type: 'integer', minimum: 0, maximum: 9, description: '0 most urgent; calls without a route priority get this.' } as const;
const seconds = { type: 'integer', minimum: 1, maximum: 3600 } as const;
const calls = { type: 'integer', minimum: 1, maximum: 10000 } as const;
const percent = { type: 'number', minimum: 0, maximum: 100 } as const;
const prompt = { type: ['string', 'null'], maxLength: 64, pattern: '^[a-zA-Z0-9_-]*$' } as const;

const alarmThresholds = {
  type: 'object', additionalProperties: false,
  description: 'Waiting alarm thresholds; omitted ones take the defaults (10 s / 30 s, 3 / 6 calls, 95 % / 85 %).',
  properties: {
    longest_wait_warning_s: seconds, longest_wait_critical_s: seconds,
    waiting_warning: calls, waiting_critical: calls,
    answered_10s_warning_pct: percent, answered_10s_critical_pct: percent,
  },
} as const;

const announcements = {
  type: 'object', additionalProperties: false,
  description: 'What callers hear while waiting (early media): greeting once, then music with the waiting prompt every repeat_s; ringback_only or enabled false: ringing only. Prompt names are files in media/ without .wav.',
  properties: {
    enabled: { type: 'boolean' }, ringback_only: { type: 'boolean' },
    greeting: prompt, waiting: prompt, music: prompt, repeat_s: { type: 'integer', minimum: 5, maximum: 600 },
  },
} as const;

// checked field by field in queues/overflow.ts (coded error CTI_QUEUE_OVERFLOW_INVALID naming each problem)
const overflow = {
  type: ['object', 'null'],
  description: 'Overflow: {after_s, when_no_seat, target: {queue_id} | {sip_uri}, ring_timeout_s}; null removes it (docs/queues.md).',
} as const;

// ACD settings (queues/acd-settings.ts and acd/strategies/settings.ts); the services check them again.
const repeatCaller = {
  type: 'object', additionalProperties: false,
  description: 'A caller who called within within_min minutes (any outcome) queues raise_by priority steps more urgent. On by default (10 min, 1 step).',
  properties: { enabled: { type: 'boolean' }, within_min: { type: 'integer', minimum: 1, maximum: 180 }, raise_by: { type: 'integer', minimum: 1, maximum: 9 } },
} as const;
const missedOffersNotReady = { type: 'integer', minimum: 1, maximum: 20, description: 'Missed offers in a row after which a seat goes not ready (default 1).' } as const;
const tierSteps = {
  type: 'array', maxItems: 9, description: 'tiers strategy: tier N is offered once the call has waited after_s.',
  items: { type: 'object', additionalProperties: false, required: ['tier', 'after_s'], properties: { tier: { type: 'integer', minimum: 1, maximum: 9 }, after_s: { type: 'integer', minimum: 0, maximum: 3600 } } },
} as const;
const requiredSkills = { type: 'array', maxItems: 16, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 }, description: 'A seat needs all of these (e.g. dialect-wu).' } as const;
const skillsWaived = { type: ['integer', 'null'], minimum: 0, maximum: 3600, description: 'After this wait any seat will do; null: never.' } as const;

const settingsIn = {
  type: 'object', additionalProperties: false,
  properties: {
    alarms: alarmThresholds, announcements,
    repeat_caller: repeatCaller,
    missed_offers_not_ready: missedOffersNotReady,
    tiers: tierSteps, required_skills: requiredSkills, skills_waived_after_s: skillsWaived,
    overflow,
  },
} as const;
const settingsOut = {
  type: 'object', additionalProperties: true,
  properties: { alarms: { type: 'object', additionalProperties: true }, announcements: { type: 'object', additionalProperties: true }, overflow: { type: ['object', 'null'], additionalProperties: true } },
} as const;

export const queueSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'strategy', 'ring_timeout_s', 'wrapup_s', 'base_priority', 'settings', 'seat_ids', 'created_at', 'updated_at'],
  properties: {
    id: slug, centre_id: slug, name: { type: 'string' }, strategy: { type: 'string' }, ring_timeout_s: { type: 'integer' }, wrapup_s: { type: 'integer' },
    base_priority: { type: 'integer' }, settings: settingsOut, seat_ids: { type: 'array', items: slug }, created_at: dateTime, updated_at: dateTime,
  },
} as const;

const liveSchema = {
  type: 'object', required: ['waiting', 'ringing', 'longest_wait_ms', 'ready_seats', 'staffed_seats'],
  properties: {
    waiting: { type: 'integer', description: 'Calls waiting for a seat.' },
    ringing: { type: 'integer', description: 'Calls ringing at a seat, not answered yet.' },
    longest_wait_ms: { type: 'integer', description: 'Longest wait so far of an unanswered caller (from arrival); 0 if none.' },
    ready_seats: { type: 'integer', description: 'Member seats that are ready.' },
    staffed_seats: { type: 'integer', description: 'Member seats logged in.' },
  },
} as const;

export const queueWithLive = {
  type: 'object', required: [...queueSchema.required, 'live'],
  properties: { ...queueSchema.properties, live: liveSchema },
} as const;

export const queueList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: queueWithLive } } } as const;

export const createQueueBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name'],
  properties: { id: slug, name: displayName, centre_id: slug, strategy, ring_timeout_s: ringTimeout, wrapup_s: wrapup, base_priority: basePriority, settings: settingsIn },
} as const;

export const patchQueueBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { name: displayName, centre_id: slug, strategy, ring_timeout_s: ringTimeout, wrapup_s: wrapup, base_priority: basePriority, settings: settingsIn },
} as const;

export const queueMembersBody = {
  type: 'object', additionalProperties: false, required: ['seat_ids'],
  properties: { seat_ids: { type: 'array', items: slug, maxItems: 2000, description: 'Exactly the seats that answer this queue.' } },
} as const;

export const listQueuesQuery = { type: 'object', additionalProperties: false, properties: { centre_id: slug } } as const;

const calledNumber = { type: 'string', pattern: '^[0-9*#+]{1,32}$', description: 'The number dialled, e.g. 120.' } as const;
const routePriority = { type: ['integer', 'null'], minimum: 0, maximum: 9, description: 'null: the queue\'s base priority.' } as const;

export const inboundRouteSchema = {
  type: 'object', required: ['id', 'centre_id', 'called_number', 'trunk_id', 'queue_id', 'priority'],
  properties: {
    id: { type: 'integer' }, centre_id: slug, called_number: { type: 'string' }, trunk_id: { type: ['string', 'null'] }, queue_id: slug,
    priority: { type: ['integer', 'null'] },
  },
} as const;

export const inboundRouteList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: inboundRouteSchema } } } as const;

export const createInboundRouteBody = {
  type: 'object', additionalProperties: false, required: ['called_number', 'queue_id'],
  properties: { called_number: calledNumber, queue_id: slug, trunk_id: { type: ['string', 'null'], pattern: '^[a-zA-Z0-9_.-]{1,64}$', description: 'null: from any trunk.' }, priority: routePriority, centre_id: slug },
} as const;

export const patchInboundRouteBody = { ...createInboundRouteBody, required: [], minProperties: 1 } as const;

export const inboundRouteParams = {
  type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
} as const;

export const listInboundRoutesQuery = { type: 'object', additionalProperties: false, properties: { centre_id: slug, queue_id: slug } } as const;

export const inboundRouteDeleteReply = {
  type: 'object', required: ['id', 'deleted'], properties: { id: { type: 'integer' }, deleted: { type: 'boolean' } },
} as const;
