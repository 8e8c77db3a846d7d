import { LINKAGE_CATEGORIES, LINKAGE_KINDS, LINKAGE_ROLES } from '../../linkage/resolve.ts';
import { dateTime, displayName, slug } from './common.ts';

const digits = (what: string) => ({ type: 'string', pattern: '^[0-9]{3,20}$', description: `${what}: 3-20 digits.` }) as const;
const nullable = <T extends { type: string }>(s: T) => ({ ...s, type: [s.type, 'null'] }) as const;

const sipUri = { type: 'string', pattern: '^sips?:([A-Za-z0-9._~+-]+@)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$', maxLength: 200, description: 'Another centre: sip:[user@]host[:port].' } as const;
const pattern = {
  type: 'string', minLength: 1, maxLength: 40,
  description: 'A dial pattern (kind pattern): digits, X (0-9), Z (1-9), N (2-9), [1-5] sets, a final "." for one or more digits; e.g. 1XXXXXXXXXX.',
} as const;

const fields = {
  name: displayName,
  category: { type: 'string', enum: LINKAGE_CATEGORIES },
  seat_id: nullable(slug), queue_id: nullable(slug), sip_uri: nullable(sipUri),
  number: nullable(digits('An outside number (kind number), e.g. 110')), pattern: nullable(pattern),
  trunk_group_id: nullable({ ...slug, description: 'The trunk group an outside call leaves on (or trunk_id).' }),
  trunk_id: nullable({ ...slug, description: 'The trunk an outside call leaves on (or trunk_group_id).' }),
  presented_number: nullable(digits('The number presented to the called party')),
  speed_key: nullable({ type: 'string', pattern: '^[0-9A-Za-z]{1,8}$', description: 'The one-key label on the dispatcher page (e.g. 110), unique per centre.' }),
  roles: { type: 'array', items: { type: 'string', enum: LINKAGE_ROLES }, minItems: 1, uniqueItems: true, description: 'Who may dial it (default dispatcher and supervisor).' },
  enabled: { type: 'boolean' },
  sort_order: { type: 'integer', minimum: 0, maximum: 9999 },
} as const;

export const destinationSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'category', 'kind', 'seat_id', 'queue_id', 'sip_uri', 'number', 'pattern', 'trunk_group_id', 'trunk_id',
    'presented_number', 'speed_key', 'roles', 'enabled', 'sort_order', 'created_at', 'updated_at'],
  properties: { id: slug, centre_id: slug, kind: { type: 'string', enum: LINKAGE_KINDS }, ...fields, created_at: dateTime, updated_at: dateTime },
} as const;

export const createDestinationBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name', 'category', 'kind'],
  properties: { id: slug, centre_id: slug, kind: { type: 'string', enum: LINKAGE_KINDS }, ...fields },
} as const;

export const patchDestinationBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { kind: { type: 'string', enum: LINKAGE_KINDS }, ...fields },
} as const;

export const listDestinationsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 40, description: 'Search in name, number, speed key and category.' },
    kind: { type: 'string', enum: LINKAGE_KINDS },
    include_disabled: { type: 'boolean', description: 'Admin only: disabled entries too.' },
  },
} as const;

export const destinationList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: destinationSchema } } } as const;

/** One of the two: a directory entry by id, or a number. */
export const resolveBody = {
  type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1,
  description: 'Exactly one of destination_id (a directory entry) or number.',
  properties: { destination_id: slug, number: digits('A number to dial') },
} as const;

export const dialTargetSchema = {
  type: 'object', required: ['kind', 'destination_id', 'name'],
  description: 'Where the call would go, and the directory entry that allows it.',
  properties: {
    kind: { type: 'string', enum: ['seat', 'queue', 'centre', 'number'] }, destination_id: slug, name: displayName,
    seat_id: slug, queue_id: slug, sip_uri: { type: 'string' }, number: { type: 'string' },
    trunk_group_id: { type: ['string', 'null'] }, trunk_id: { type: ['string', 'null'] }, presented_number: { type: ['string', 'null'] },
  },
} as const;
