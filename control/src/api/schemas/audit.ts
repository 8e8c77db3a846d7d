import { dateTime, uuid } from './common.ts';

const jsonOrNull = { type: ['object', 'null'], additionalProperties: true } as const;

export const auditRowSchema = {
  type: 'object',
  required: ['id', 'at', 'actor_id', 'actor_name', 'actor_ip', 'action', 'target_type', 'target_id', 'before', 'after'],
  properties: {
    id: { type: 'integer' }, at: dateTime, actor_id: { type: ['string', 'null'] }, actor_name: { type: 'string' },
    actor_ip: { type: ['string', 'null'] }, action: { type: 'string' }, target_type: { type: 'string' },
    target_id: { type: ['string', 'null'] }, before: jsonOrNull, after: jsonOrNull,
  },
} as const;

export const auditQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    from: { ...dateTime, description: 'Rows at or after this time.' },
    to: { ...dateTime, description: 'Rows before this time.' },
    actor_id: uuid,
    actor_name: { type: 'string', maxLength: 64 },
    action: { type: 'string', maxLength: 64 },
    target_type: { type: 'string', maxLength: 32 },
    target_id: { type: 'string', maxLength: 128 },
    before_id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Paging: pass next_before_id of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

export const auditPage = {
  type: 'object', required: ['items', 'next_before_id'],
  properties: { items: { type: 'array', items: auditRowSchema }, next_before_id: { type: ['integer', 'null'] } },
} as const;
