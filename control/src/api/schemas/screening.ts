/** Screening: list entries, policies, detection rules, proposals, decisions, and a seat's mark of a call. */
import { dateTime, uuid } from './common.ts';

const list = { type: 'string', enum: ['block', 'watch', 'allow'] } as const;
const proposedList = { type: 'string', enum: ['block', 'watch'] } as const;
const policy = { type: 'string', enum: ['none', 'mark', 'lowest_priority', 'warn_then_lowest', 'warn_then_end'] } as const;
const number = { type: 'string', minLength: 1, maxLength: 40, pattern: '^\\+?[0-9 -]{1,39}$', description: 'Digits; +86 / 0086 and a trunk 0 before a mobile number are removed.' } as const;
const reason = { type: 'string', minLength: 1, maxLength: 500 } as const;
const note = { type: 'string', maxLength: 500 } as const;
const dateTimeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const limit = { type: 'integer', minimum: 1, maximum: 500, default: 100 } as const;
const offset = { type: 'integer', minimum: 0, maximum: 100000, default: 0 } as const;

export const entrySchema = {
  type: 'object',
  required: ['id', 'centre_id', 'list', 'match', 'number', 'reason', 'source', 'author_id', 'author_name', 'created_at', 'updated_at', 'expires_at'],
  properties: {
    id: uuid, centre_id: { type: 'string' }, list, match: { type: 'string', enum: ['exact', 'prefix'] }, number: { type: 'string' }, reason: { type: 'string' },
    source: { type: 'string', enum: ['person', 'proposal', 'rule'] }, author_id: strOrNull, author_name: { type: 'string' },
    created_at: dateTime, updated_at: dateTime, expires_at: dateTimeOrNull,
  },
} as const;

export const createEntryBody = {
  type: 'object', additionalProperties: false, required: ['list', 'number', 'reason'],
  properties: { list, number, match: { type: 'string', enum: ['exact', 'prefix'], default: 'exact' }, reason, expires_at: dateTimeOrNull },
} as const;

export const patchEntryBody = {
  type: 'object', additionalProperties: false, minProperties: 1, properties: { list, reason, expires_at: dateTimeOrNull },
} as const;

export const listEntriesQuery = {
  type: 'object', additionalProperties: false,
  properties: { list, number: { ...number, description: 'Entries that apply to this number (exact, and prefixes of it).' }, include_expired: { type: 'boolean', default: false }, limit, offset },
} as const;

export const entryList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: entrySchema } } } as const;
export const entryDeleteReply = { type: 'object', required: ['id', 'deleted'], properties: { id: uuid, deleted: { type: 'boolean' } } } as const;

export const policySchema = {
  type: 'object', required: ['list', 'policy', 'override_period_s', 'updated_at'],
  properties: { list, policy, override_period_s: { type: 'integer' }, updated_at: dateTimeOrNull },
} as const;
export const policyList = { type: 'object', required: ['items', 'announcements'], properties: {
  items: { type: 'array', items: policySchema },
  announcements: { type: 'boolean', description: 'Whether warnings can be played; if not, warn_then_end acts as warn_then_lowest.' },
} } as const;
export const listParams = { type: 'object', additionalProperties: false, required: ['list'], properties: { list } } as const;
export const putPolicyBody = {
  type: 'object', additionalProperties: false, required: ['policy'],
  properties: { policy, override_period_s: { type: 'integer', minimum: 0, maximum: 86400, description: 'A held-back number reaches a seat once per period (0: never).' } },
} as const;

const ruleParams = {
  type: 'object', additionalProperties: false,
  properties: {
    calls: { type: 'integer', minimum: 2, maximum: 1000 }, window_min: { type: 'integer', minimum: 1, maximum: 1440 },
    max_s: { type: 'integer', minimum: 1, maximum: 600 }, marks: { type: 'integer', minimum: 1, maximum: 1000 },
    window_h: { type: 'integer', minimum: 1, maximum: 720 },
  },
} as const;
const ruleKind = { type: 'string', enum: ['short_calls', 'silent_marks'] } as const;
export const ruleSchema = {
  type: 'object', required: ['kind', 'enabled', 'auto_apply', 'list', 'entry_ttl_h', 'params', 'updated_at'],
  properties: {
    kind: ruleKind, enabled: { type: 'boolean' }, auto_apply: { type: 'boolean' }, list: proposedList,
    entry_ttl_h: { type: 'integer' }, params: { type: 'object', additionalProperties: { type: 'integer' } }, updated_at: dateTimeOrNull,
  },
} as const;
export const ruleList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ruleSchema } } } as const;
export const ruleParamsSchema = { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: ruleKind } } as const;
export const putRuleBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { enabled: { type: 'boolean' }, auto_apply: { type: 'boolean' }, list: proposedList, entry_ttl_h: { type: 'integer', minimum: 1, maximum: 8760 }, params: ruleParams },
} as const;

const reasonKind = { type: 'string', enum: ['nuisance', 'silent', 'short_calls', 'silent_marks'] } as const;
export const proposalSchema = {
  type: 'object',
  required: ['id', 'number', 'list', 'status', 'reasons', 'call_ids', 'strength', 'notes', 'created_at', 'updated_at', 'reviewer', 'reviewed_at', 'review_note', 'entry_id'],
  properties: {
    id: uuid, number: { type: 'string' }, list: proposedList, status: { type: 'string', enum: ['pending', 'approved', 'rejected'] },
    reasons: { type: 'array', items: reasonKind }, call_ids: { type: 'array', items: { type: 'string' } }, strength: { type: 'integer' },
    notes: { type: 'array', items: { type: 'string' } }, created_at: dateTime, updated_at: dateTime, reviewer: strOrNull,
    reviewed_at: dateTimeOrNull, review_note: strOrNull, entry_id: strOrNull,
  },
} as const;
export const proposalList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: proposalSchema } } } as const;
export const listProposalsQuery = {
  type: 'object', additionalProperties: false,
  properties: { status: { type: 'string', enum: ['pending', 'approved', 'rejected'] }, number, limit, offset },
} as const;
export const approveBody = {
  type: 'object', additionalProperties: false,
  properties: { list: proposedList, expires_in_h: { type: 'integer', minimum: 1, maximum: 8760, default: 24 }, reason, note },
} as const;
export const approveReply = { type: 'object', required: ['proposal', 'entry'], properties: { proposal: proposalSchema, entry: entrySchema } } as const;
export const rejectBody = { type: 'object', additionalProperties: false, properties: { note } } as const;

export const markBody = {
  type: 'object', additionalProperties: false, required: ['kind'],
  properties: { kind: { type: 'string', enum: ['nuisance', 'silent'] }, note },
} as const;
export const markReply = {
  type: 'object', required: ['call_id', 'number', 'kind', 'proposal'],
  properties: { call_id: uuid, number: { type: 'string' }, kind: { type: 'string' }, proposal: proposalSchema },
} as const;

const decisionBody = {
  type: 'object',
  required: ['number', 'list', 'entry_id', 'reason', 'configured_policy', 'policy', 'priority', 'mark', 'announcement', 'end_after_announcement', 'override_once', 'override_period_s', 'degraded'],
  properties: {
    number: { type: 'string' }, list: { type: ['string', 'null'] }, entry_id: strOrNull, reason: strOrNull, configured_policy: policy, policy,
    priority: { type: ['integer', 'null'] }, mark: strOrNull, announcement: strOrNull, end_after_announcement: { type: 'boolean' },
    override_once: { type: 'boolean' }, override_period_s: { type: 'integer' }, degraded: strOrNull,
  },
} as const;
export const decisionSchema = {
  type: 'object', required: ['id', 'call_id', 'sip_call_id', 'number', 'list', 'entry_id', 'policy', 'priority', 'override_once', 'decision', 'at'],
  properties: {
    id: { type: 'string' }, call_id: strOrNull, sip_call_id: strOrNull, number: { type: 'string' }, list: strOrNull, entry_id: strOrNull,
    policy, priority: { type: ['integer', 'null'] }, override_once: { type: 'boolean' }, decision: decisionBody, at: dateTime,
  },
} as const;
export const decisionList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: decisionSchema } } } as const;
export const listDecisionsQuery = { type: 'object', additionalProperties: false, properties: { number, call_id: uuid, limit } } as const;
