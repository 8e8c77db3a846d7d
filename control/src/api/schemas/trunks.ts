import { dateTime, displayName, slug } from './common.ts';

const ipAddr = { type: 'string', format: 'ipv4', description: 'Source address of the gateway (with mask: a network).' } as const;
const mask = { type: 'integer', minimum: 0, maximum: 32 } as const;
/**
 * On input a trunk trusts at most a /16: every address it covers may send 120 calls in without a registration,
 * so /0 (the whole Internet) or /8 is a typo or a hole, never a gateway (a carrier's SBC pool is a /24 or so).
 */
const maskInput = {
  type: 'integer', minimum: 16, maximum: 32,
  description: 'Prefix length of the trusted source network, 16-32 (32: the one address; absent on create: 32).',
} as const;
const port = {
  type: ['integer', 'null'], minimum: 1, maximum: 65535,
  description: 'The gateway\'s source port (1-65535); null: any port (absent on create: any port).',
} as const;

const gatewayUri = {
  type: ['string', 'null'], pattern: '^sip:[A-Za-z0-9.\\-]+(:[0-9]{1,5})?$', maxLength: 200,
  description: 'Where outbound calls to the gateway go (sip:host[:port]); in a trunk group also the address Kamailio probes with OPTIONS. null: none (a group member is then probed at its source address and port).',
} as const;

export const trunkSchema = {
  type: 'object',
  required: ['id', 'centre_id', 'name', 'ip_addr', 'mask', 'port', 'enabled', 'created_at', 'updated_at'],
  properties: {
    id: slug, centre_id: slug, name: displayName, ip_addr: { type: 'string' }, mask, port,
    enabled: { type: 'boolean' }, gateway_uri: gatewayUri, group_id: { type: ['string', 'null'], description: 'The trunk group of the gateway (PATCH /v1/trunk-groups/{id} sets members).' },
    created_at: dateTime, updated_at: dateTime,
  },
} as const;

const engineReload = {
  engine_reloaded: { type: 'boolean', description: 'Whether Kamailio re-read the trunk addresses; if false the change is stored and applies at its next reload.' },
  engine_error: { type: 'string' },
} as const;

/** A trunk after a change, with whether Kamailio reloaded its address table. */
export const trunkChangeReply = {
  type: 'object', required: [...trunkSchema.required, 'engine_reloaded'],
  properties: { ...trunkSchema.properties, ...engineReload },
} as const;

export const trunkDeleteReply = {
  type: 'object', required: ['id', 'deleted', 'engine_reloaded'],
  properties: { id: slug, deleted: { type: 'boolean' }, ...engineReload },
} as const;

export const createTrunkBody = {
  type: 'object', additionalProperties: false, required: ['id', 'name', 'ip_addr'],
  properties: { id: slug, name: displayName, ip_addr: ipAddr, mask: maskInput, port, centre_id: slug, enabled: { type: 'boolean' }, gateway_uri: gatewayUri },
} as const;

export const patchTrunkBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { name: displayName, ip_addr: ipAddr, mask: maskInput, port, centre_id: slug, enabled: { type: 'boolean' }, gateway_uri: gatewayUri },
} as const;

export const listTrunksQuery = { type: 'object', additionalProperties: false, properties: { centre_id: slug } } as const;

export const trunkList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: trunkSchema } } } as const;
