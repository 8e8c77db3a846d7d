import { newPassword, roles, username } from './auth.ts';
import { dateTime, displayName, slug, uuid } from './common.ts';

export const userSchema = {
  type: 'object',
  required: ['id', 'username', 'display_name', 'roles', 'centre_id', 'disabled', 'created_at', 'updated_at'],
  properties: {
    id: uuid, username: { type: 'string' }, display_name: displayName, roles, centre_id: slug,
    disabled: { type: 'boolean' }, created_at: dateTime, updated_at: dateTime,
  },
} as const;

export const createUserBody = {
  type: 'object', additionalProperties: false, required: ['username', 'display_name', 'password', 'roles'],
  properties: { username, display_name: displayName, password: newPassword, roles, centre_id: slug },
} as const;

export const patchUserBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { display_name: displayName, roles, disabled: { type: 'boolean' }, centre_id: slug },
} as const;

export const resetPasswordBody = {
  type: 'object', additionalProperties: false, required: ['password'], properties: { password: newPassword },
} as const;

export const listUsersQuery = {
  type: 'object', additionalProperties: false,
  properties: { centre_id: slug, include_disabled: { type: 'boolean', default: false } },
} as const;

export const userList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: userSchema } } } as const;
