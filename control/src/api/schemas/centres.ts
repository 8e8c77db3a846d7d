import { dateTime, displayName, slug } from './common.ts';

const sipDomain = { type: ['string', 'null'], pattern: '^[A-Za-z0-9.-]{1,253}$', description: 'The centre\'s SIP domain, if it has its own.' } as const;
const callbackNumber = { type: ['string', 'null'], pattern: '^\\+?[0-9]{3,20}$', description: 'The number the centre presents on callbacks.' } as const;

export const centreSchema = {
  type: 'object',
  required: ['id', 'name', 'sip_domain', 'backup_uri', 'callback_number', 'created_at'],
  properties: { id: slug, name: displayName, sip_domain: sipDomain, backup_uri: { type: ['string', 'null'] }, callback_number: callbackNumber, created_at: dateTime },
} as const;

export const centreList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: centreSchema } } } as const;

export const createCentreBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name'],
  properties: { id: slug, name: displayName, sip_domain: sipDomain, callback_number: callbackNumber },
} as const;

export const patchCentreBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { name: displayName, sip_domain: sipDomain, callback_number: callbackNumber },
} as const;
