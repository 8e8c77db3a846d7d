/**
 * Trunk gateways (E1-to-SIP gateways, carriers' SIP trunks), recognised by Kamailio by source address
 * through the `address` view (permissions module). Kamailio caches that table, so after each change
 * the caller asks it to reload (reload.ts); the database change stands even if Kamailio is away,
 * and Kamailio reads the table again when it starts.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export interface Trunk {
  id: string;
  centre_id: string;
  name: string;
  ip_addr: string;
  mask: number;
  /** The gateway's source port; null: any. */
  port: number | null;
  enabled: boolean;
  /** Where outbound calls to this gateway go (sip:host[:port]); also its trunk group probe address. */
  gateway_uri: string | null;
  /** The trunk group it belongs to, if any (trunks/groups.ts). */
  group_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewTrunk {
  id: string;
  name: string;
  ip_addr: string;
  mask?: number;
  port?: number | null;
  centre_id?: string;
  enabled?: boolean;
  gateway_uri?: string | null;
}

export type TrunkPatch = Partial<Omit<NewTrunk, 'id'>>;

// port 0 in the table is Kamailio's address-table "any port"; the API says null
const COLUMNS = 'id, centre_id, name, host(ip_addr) AS ip_addr, mask, nullif(port, 0) AS port, enabled, gateway_uri, group_id, created_at, updated_at';

async function lockTrunk(tx: Queryable, id: string): Promise<Trunk> {
  const [row] = await tx<Trunk[]>`SELECT ${tx.unsafe(COLUMNS)} FROM trunks WHERE id = ${id} FOR UPDATE`;
  if (!row) throw new CtiError('CTI_TRUNK_NOT_FOUND', { id });
  return row;
}

export async function createTrunk(deps: Deps, change: Change, t: NewTrunk): Promise<Trunk> {
  return deps.sql.begin(async (tx) => {
    const [row] = await tx<Trunk[]>`
      INSERT INTO trunks (id, centre_id, name, ip_addr, mask, port, enabled, gateway_uri)
      VALUES (${t.id}, ${t.centre_id ?? deps.config.centreId}, ${t.name}, ${t.ip_addr}::inet, ${t.mask ?? 32},
              ${t.port ?? 0}, ${t.enabled ?? true}, ${t.gateway_uri ?? null})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'trunk.created', target_type: 'trunk', target_id: row.id, after: row });
    return row;
  });
}

export async function listTrunks(deps: Deps, f: { centre_id?: string }): Promise<Trunk[]> {
  return deps.sql<Trunk[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM trunks
     WHERE (${f.centre_id ?? null}::text IS NULL OR centre_id = ${f.centre_id ?? null})
     ORDER BY id`;
}

export async function getTrunk(deps: Deps, id: string): Promise<Trunk> {
  const [row] = await deps.sql<Trunk[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM trunks WHERE id = ${id}`;
  if (!row) throw new CtiError('CTI_TRUNK_NOT_FOUND', { id });
  return row;
}

export async function updateTrunk(deps: Deps, change: Change, id: string, p: TrunkPatch): Promise<Trunk> {
  return deps.sql.begin(async (tx) => {
    const before = await lockTrunk(tx, id);
    const [row] = await tx<Trunk[]>`
      UPDATE trunks SET
        name = coalesce(${p.name ?? null}, name),
        centre_id = coalesce(${p.centre_id ?? null}, centre_id),
        ip_addr = coalesce(${p.ip_addr ?? null}::inet, ip_addr),
        mask = coalesce(${p.mask ?? null}::int, mask),
        port = CASE WHEN ${p.port !== undefined} THEN coalesce(${p.port ?? null}::int, 0) ELSE port END,
        enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
        gateway_uri = CASE WHEN ${p.gateway_uri !== undefined} THEN ${p.gateway_uri ?? null} ELSE gateway_uri END,
        updated_at = now()
      WHERE id = ${id}
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'trunk.updated', target_type: 'trunk', target_id: id, before, after: row });
    return row;
  });
}

export async function deleteTrunk(deps: Deps, change: Change, id: string): Promise<Trunk> {
  return deps.sql.begin(async (tx) => {
    const before = await lockTrunk(tx, id);
    await tx`DELETE FROM trunks WHERE id = ${id}`;
    await recordAudit(tx, { ...change, action: 'trunk.deleted', target_type: 'trunk', target_id: id, before });
    return before;
  });
}
