import { ROLES } from '../../auth/roles.ts';
import { dateTime, displayName, slug, uuid } from './common.ts';

export const roles = {
  type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...ROLES] },
} as const;

export const username = { type: 'string', pattern: '^[a-zA-Z0-9_.-]{2,32}$' } as const;
export const newPassword = { type: 'string', minLength: 8, maxLength: 256 } as const;

export const authUserSchema = {
  type: 'object',
  required: ['id', 'username', 'display_name', 'roles', 'centre_id'],
  properties: { id: uuid, username: { type: 'string' }, display_name: displayName, roles, centre_id: slug },
} as const;

export const loginBody = {
  type: 'object', additionalProperties: false, required: ['username', 'password'],
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const loginReply = {
  type: 'object', required: ['token', 'expires_at', 'user'],
  properties: {
    token: { type: 'string', description: 'Send as "Authorization: Bearer <token>", or as ?token= on WebSocket upgrades and media URLs.' },
    expires_at: dateTime,
    user: authUserSchema,
  },
} as const;

export const changeOwnPasswordBody = {
  type: 'object', additionalProperties: false, required: ['current_password', 'new_password'],
  properties: { current_password: { type: 'string', minLength: 1, maxLength: 256 }, new_password: newPassword },
} as const;
