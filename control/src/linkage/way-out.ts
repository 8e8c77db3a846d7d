/**
 * Where a call to an outside number or another centre of the linkage directory leaves (docs/transfers.md
 * "Other centres and outside numbers"): the SIP URI Kamailio relays to and, for a trunk group, the dispatcher set
 * whose live member (highest priority, probed with OPTIONS; a gateway out of service is skipped) Kamailio chooses.
 *   number, trunk:        sip:<number>@<the trunk's gateway_uri host, else its address and port>
 *   number, trunk group:  sip:<number>@<its preferred member's gateway> and the group's set id
 *   centre:               its sip_uri; with a trunk or group, the URI's user at that gateway (as for a number)
 * The number presented is the entry's presented_number; without one the caller's own number stays in From.
 */
import type { Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import type { DialTarget } from './resolve.ts';

export interface WayOut {
  /** The Request-URI the call is relayed to. */
  uri: string;
  /** Kamailio dispatcher's set id of the trunk group (route TRANSFER_OUT picks its live member), else null. */
  setid: number | null;
  /** The number the called party sees (From and P-Asserted-Identity user), or null: the caller's own number. */
  presented: string | null;
}

type Outside = Extract<DialTarget, { kind: 'centre' | 'number' }>;

const hostOf = (uri: string): string => uri.replace(/^sips?:(?:[^@]+@)?/, '').replace(/[;?>].*$/, '');

/** The gateway (host[:port]) of a trunk: its gateway_uri, else its address and port. */
async function trunkGateway(sql: Queryable, trunkId: string): Promise<string | undefined> {
  const [t] = await sql<{ gateway_uri: string | null; ip_addr: string; port: number | null }[]>`
    SELECT gateway_uri, host(ip_addr) AS ip_addr, port FROM trunks WHERE id = ${trunkId} AND enabled`;
  if (!t) return undefined;
  return t.gateway_uri ? hostOf(t.gateway_uri) : `${t.ip_addr}${t.port ? `:${t.port}` : ''}`;
}

async function groupGateway(sql: Queryable, groupId: string): Promise<{ setid: number; gateway: string } | undefined> {
  const [row] = await sql<{ setid: number; destination: string }[]>`
    SELECT g.setid, d.destination::text AS destination FROM trunk_groups g JOIN dispatcher d ON d.group_id = g.id
     WHERE g.id = ${groupId} ORDER BY d.priority DESC, d.id LIMIT 1`;
  return row ? { setid: row.setid, gateway: hostOf(row.destination) } : undefined;
}

/** The way out of an outside target; CTI_TRANSFER_NO_WAY_OUT when its trunk or group has no gateway to go to. */
export async function wayOutOf(sql: Queryable, target: Outside): Promise<WayOut> {
  const user = target.kind === 'number' ? target.number : /^sips?:([^@]+)@/.exec(target.sip_uri)?.[1] ?? '';
  const presented = target.presented_number ?? null;
  const none = (reason: string): never => { throw new CtiError('CTI_TRANSFER_NO_WAY_OUT', { destination_id: target.destination_id, reason }); };
  if (target.trunk_group_id) {
    const g = await groupGateway(sql, target.trunk_group_id);
    if (!g) none(`trunk group ${target.trunk_group_id} has no gateway`);
    return { uri: `sip:${user}@${g!.gateway}`, setid: g!.setid, presented };
  }
  if (target.trunk_id) {
    const gw = await trunkGateway(sql, target.trunk_id);
    if (!gw) none(`trunk ${target.trunk_id} is disabled or gone`);
    return { uri: `sip:${user}@${gw}`, setid: null, presented };
  }
  if (target.kind === 'centre') return { uri: target.sip_uri, setid: null, presented };
  return none('an outside number needs a trunk or a trunk group');
}
