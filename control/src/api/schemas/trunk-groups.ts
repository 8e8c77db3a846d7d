import { dateTime, displayName, slug } from './common.ts';
import { trunkDeleteReply } from './trunks.ts';

const members = {
  type: 'array', items: slug, maxItems: 16, uniqueItems: true,
  description: 'Member trunk ids, the preferred gateway first (callbacks use the first live one). A trunk is in one group at most.',
} as const;

export const trunkGroupSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'setid', 'members', 'created_at', 'updated_at'],
  properties: {
    id: slug, centre_id: slug, name: displayName, members,
    setid: { type: 'integer', description: 'Kamailio dispatcher set id of the group.' },
    created_at: dateTime, updated_at: dateTime,
  },
} as const;

/** A group after a change, with whether Kamailio reloaded (trunkChangeReply's engine fields). */
export const trunkGroupChangeReply = {
  type: 'object', required: [...trunkGroupSchema.required, 'engine_reloaded'],
  properties: { ...trunkGroupSchema.properties, engine_reloaded: trunkDeleteReply.properties.engine_reloaded, engine_error: trunkDeleteReply.properties.engine_error },
} as const;

export const createTrunkGroupBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name'],
  properties: { id: slug, name: displayName, centre_id: slug, members },
} as const;

export const patchTrunkGroupBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { name: displayName, members },
} as const;

export const trunkGroupList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: trunkGroupSchema } } } as const;
