import { dateTime } from './common.ts';

const dtOrNull = { type: ['string', 'null'], format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;

export const failoverSchema = {
  type: 'object',
  required: ['id', 'epoch', 'kind', 'from_node', 'to_node', 'by', 'reason', 'last_seen_at', 'lease_taken_at', 'vip_moved_at', 'first_answered_at'],
  properties: {
    id: { type: 'string' },
    epoch: { type: 'integer', description: 'Takeover count (ha_failovers.epoch, Redis cti:ha:epoch).' },
    kind: { type: 'string', enum: ['failover', 'switchover', 'start'] },
    from_node: strOrNull, to_node: { type: 'string' }, by: { type: 'string', description: '"system", or the person who asked for a switchover.' },
    reason: { type: 'string' },
    last_seen_at: { ...dtOrNull, description: "The old leader's last lease renewal seen by the standby." },
    lease_taken_at: dateTime, vip_moved_at: dtOrNull, first_answered_at: dtOrNull,
  },
} as const;

const nodeStatus = {
  type: 'object', required: ['node', 'role'], additionalProperties: false,
  properties: {
    node: { type: 'string' },
    role: { type: 'string', enum: ['active', 'standby', 'unreachable'] },
    vrrp: { ...strOrNull, description: "keepalived's state: MASTER holds the floating address." },
    vrrp_since: dtOrNull,
    peer_reachable: { type: ['boolean', 'null'], description: 'The A-B link, as this node saw it at its last report.' },
    replication: { ...strOrNull, description: "The peer's status in this node's Kamailio DMQ list: active = registrations and dialogs replicate to it." },
    reported_at: dateTime,
  },
} as const;

export const haState = {
  type: 'object', required: ['leader', 'vip_holder', 'nodes', 'failovers'],
  properties: {
    leader: strOrNull,
    vip_holder: strOrNull,
    nodes: { type: 'array', items: nodeStatus },
    failovers: { type: 'array', items: failoverSchema },
  },
} as const;

export const switchoverBody = {
  type: 'object', additionalProperties: false,
  properties: { drain_timeout_s: { type: 'integer', minimum: 1, maximum: 600, default: 60, description: 'How long to wait for the callers waiting on this node.' } },
} as const;

export const switchoverReply = {
  type: 'object', required: ['from', 'to', 'drained_ms'],
  properties: { from: { type: 'string' }, to: { type: 'string' }, drained_ms: { type: 'integer' } },
} as const;

/** GET /v1/ha/role (control/src/api/routes/ha-role.ts). */
export const haRoleReply = {
  type: 'object', required: ['node', 'role'], additionalProperties: false,
  properties: {
    node: strOrNull,
    role: { type: 'string', enum: ['standby', 'leading', 'paused'], description: 'paused: a leader whose lease renewals Redis has not answered in time; it makes no offers and reclaims the lease when Redis answers.' },
  },
} as const;
