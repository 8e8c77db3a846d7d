/**
 * Where callbacks go out and what number they present: the centre's `callback_number` and the `gateway_uri`
 * of one of its enabled trunks (the first by id that has one). Set with PUT /v1/callbacks/settings (audited).
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

export interface CallbackSettings {
  centre_id: string;
  callback_number: string | null;
  trunk_id: string | null;
  gateway_uri: string | null;
  /** The dispatcher set id of the trunk's group, if it is in one: callbacks then leave through any live member. */
  group_setid?: number | null;
}

export interface OutboundRoute {
  /** host[:port] of the gateway, the R-URI's host part Kamailio sends to. */
  gateway: string;
  /** The number presented as caller (From and P-Asserted-Identity user). */
  presented: string;
}

export async function getCallbackSettings(sql: Queryable, centreId: string): Promise<CallbackSettings> {
  const [row] = await sql<CallbackSettings[]>`
    SELECT c.id AS centre_id, c.callback_number, t.id AS trunk_id, t.gateway_uri,
           (SELECT g.setid FROM trunk_groups g WHERE g.id = t.group_id) AS group_setid
      FROM centres c
      LEFT JOIN LATERAL (SELECT id, gateway_uri, group_id FROM trunks
                          WHERE centre_id = c.id AND enabled AND gateway_uri IS NOT NULL ORDER BY id LIMIT 1) t ON true
     WHERE c.id = ${centreId}`;
  if (!row) throw new CtiError('CTI_CALLBACK_SETTINGS_INVALID', { centre_id: centreId, reason: 'no such centre' });
  return row;
}

/** Undefined when the centre has no callback number or no trunk with a gateway: callbacks cannot be dialled. */
export async function outboundRoute(sql: Queryable, centreId: string): Promise<OutboundRoute | undefined> {
  const s = await getCallbackSettings(sql, centreId);
  if (!s.callback_number || !s.gateway_uri) return undefined;
  // "dsg:<setid>": route[OUTBOUND_GROUP] picks a live member of the trunk's group (Kamailio dispatcher)
  const gateway = s.group_setid != null ? `dsg:${s.group_setid}` : s.gateway_uri.replace(/^sip:/, '');
  return { gateway, presented: s.callback_number };
}

export interface SettingsChange {
  callback_number?: string | null;
  trunk_id?: string;
  gateway_uri?: string | null;
}

export async function updateCallbackSettings(deps: Pick<AppDeps, 'sql'>, change: Change, centreId: string, p: SettingsChange): Promise<CallbackSettings> {
  return deps.sql.begin(async (tx) => {
    const before = await getCallbackSettings(tx, centreId);
    if (p.callback_number !== undefined) {
      await tx`UPDATE centres SET callback_number = ${p.callback_number} WHERE id = ${centreId}`;
    }
    if (p.gateway_uri !== undefined) {
      if (!p.trunk_id) throw new CtiError('CTI_CALLBACK_SETTINGS_INVALID', { reason: 'gateway_uri needs trunk_id' });
      const done = await tx`UPDATE trunks SET gateway_uri = ${p.gateway_uri}, updated_at = now() WHERE id = ${p.trunk_id} AND centre_id = ${centreId}`;
      if (done.count === 0) throw new CtiError('CTI_CALLBACK_SETTINGS_INVALID', { trunk_id: p.trunk_id, reason: 'no trunk with that id in this centre' });
    }
    const after = await getCallbackSettings(tx, centreId);
    await recordAudit(tx, { ...change, action: 'callback_settings.updated', target_type: 'centre', target_id: centreId, before, after });
    return after;
  });
}
