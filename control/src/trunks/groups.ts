/**
 * Trunk groups: gateways of one centre that back each other up (the two E1 gateways). A member is a trunk
 * (trunks.group_id, group_rank: 0 is the preferred one); Kamailio's dispatcher reads the members through the
 * `dispatcher` view, probes them with OPTIONS and sends callbacks through a live one. Every change is audited;
 * the caller asks Kamailio to reload (reload.ts).
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export interface TrunkGroup {
  id: string;
  centre_id: string;
  name: string;
  /** Kamailio dispatcher's set id of the group. */
  setid: number;
  /** Member trunk ids, the preferred first. */
  members: string[];
  created_at: Date;
  updated_at: Date;
}

export interface NewTrunkGroup { id: string; name: string; centre_id?: string; members?: string[] }
export interface TrunkGroupPatch { name?: string; members?: string[] }

/** A group's member as Kamailio's dispatcher knows it (the `dispatcher` view). */
export interface GroupMember { trunk_id: string; group_id: string; setid: number; destination: string }

const COLUMNS = `g.id, g.centre_id, g.name, g.setid, g.created_at, g.updated_at,
  coalesce((SELECT array_agg(t.id ORDER BY t.group_rank, t.id) FROM trunks t WHERE t.group_id = g.id), '{}') AS members`;

async function fetchGroup(tx: Queryable, id: string, lock = false): Promise<TrunkGroup> {
  const [row] = await tx<TrunkGroup[]>`SELECT ${tx.unsafe(COLUMNS)} FROM trunk_groups g WHERE g.id = ${id} ${lock ? tx`FOR UPDATE` : tx``}`;
  if (!row) throw new CtiError('CTI_TRUNK_GROUP_NOT_FOUND', { id });
  return row;
}

/** Makes `members` (in this order) the group's members: others leave it; a trunk of another group or centre is refused. */
async function setMembers(tx: Queryable, group: { id: string; centre_id: string }, members: string[]): Promise<void> {
  const unique = [...new Set(members)];
  if (unique.length !== members.length) throw new CtiError('CTI_TRUNK_GROUP_MEMBERS_INVALID', { reason: 'a trunk is listed twice', members });
  const found = await tx<{ id: string; centre_id: string; group_id: string | null }[]>`
    SELECT id, centre_id, group_id FROM trunks WHERE id = ANY(${members}::text[]) FOR UPDATE`;
  const bad = members.filter((m) => {
    const t = found.find((f) => f.id === m);
    return !t || t.centre_id !== group.centre_id || (t.group_id !== null && t.group_id !== group.id);
  });
  if (bad.length) throw new CtiError('CTI_TRUNK_GROUP_MEMBERS_INVALID', { trunks: bad });
  await tx`UPDATE trunks SET group_id = NULL, group_rank = 0, updated_at = now()
            WHERE group_id = ${group.id} AND NOT (id = ANY(${members}::text[]))`;
  for (const [rank, id] of members.entries()) {
    await tx`UPDATE trunks SET group_id = ${group.id}, group_rank = ${rank}, updated_at = now() WHERE id = ${id}`;
  }
}

export async function createTrunkGroup(deps: Deps, change: Change, g: NewTrunkGroup): Promise<TrunkGroup> {
  return deps.sql.begin(async (tx) => {
    const [row] = await tx<{ id: string; centre_id: string }[]>`
      INSERT INTO trunk_groups (id, centre_id, name) VALUES (${g.id}, ${g.centre_id ?? deps.config.centreId}, ${g.name})
      RETURNING id, centre_id`;
    if (g.members) await setMembers(tx, row, g.members);
    const after = await fetchGroup(tx, row.id);
    await recordAudit(tx, { ...change, action: 'trunk_group.created', target_type: 'trunk_group', target_id: row.id, after });
    return after;
  });
}

export async function listTrunkGroups(deps: Deps, f: { centre_id?: string }): Promise<TrunkGroup[]> {
  return deps.sql<TrunkGroup[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM trunk_groups g
     WHERE (${f.centre_id ?? null}::text IS NULL OR g.centre_id = ${f.centre_id ?? null})
     ORDER BY g.id`;
}

export async function getTrunkGroup(deps: Deps, id: string): Promise<TrunkGroup> {
  return fetchGroup(deps.sql, id);
}

export async function updateTrunkGroup(deps: Deps, change: Change, id: string, p: TrunkGroupPatch): Promise<TrunkGroup> {
  return deps.sql.begin(async (tx) => {
    const before = await fetchGroup(tx, id, true);
    if (p.name !== undefined) await tx`UPDATE trunk_groups SET name = ${p.name}, updated_at = now() WHERE id = ${id}`;
    if (p.members !== undefined) {
      await setMembers(tx, before, p.members);
      await tx`UPDATE trunk_groups SET updated_at = now() WHERE id = ${id}`;
    }
    const after = await fetchGroup(tx, id);
    await recordAudit(tx, { ...change, action: 'trunk_group.updated', target_type: 'trunk_group', target_id: id, before, after });
    return after;
  });
}

export async function deleteTrunkGroup(deps: Deps, change: Change, id: string): Promise<TrunkGroup> {
  return deps.sql.begin(async (tx) => {
    const before = await fetchGroup(tx, id, true);
    await tx`UPDATE trunks SET group_id = NULL, group_rank = 0, updated_at = now() WHERE group_id = ${id}`;
    await tx`DELETE FROM trunk_groups WHERE id = ${id}`;
    await recordAudit(tx, { ...change, action: 'trunk_group.deleted', target_type: 'trunk_group', target_id: id, before });
    return before;
  });
}

/** The group member Kamailio probes at `uri` (a dispatcher destination), if any. */
export async function memberAt(sql: Queryable, uri: string): Promise<GroupMember | undefined> {
  const [row] = await sql<GroupMember[]>`
    SELECT trunk_id, group_id, setid, destination::text AS destination FROM dispatcher WHERE destination = ${uri} ORDER BY id LIMIT 1`;
  return row;
}
