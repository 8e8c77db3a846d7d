/**
 * The linkage directory's store (table linkage_destinations): every change is checked (each kind has exactly its
 * own target, of the entry's centre; a pattern compiles) and audited in the same transaction.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { compileDialPattern } from './dial-pattern.ts';
import type { LinkageDestination } from './resolve.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export type StoredDestination = LinkageDestination & { created_at: Date; updated_at: Date };
export type NewDestination = Omit<LinkageDestination, 'centre_id' | 'seat_id' | 'queue_id' | 'sip_uri' | 'number' | 'pattern'
  | 'trunk_group_id' | 'trunk_id' | 'presented_number' | 'speed_key' | 'roles' | 'enabled' | 'sort_order'>
  & Partial<Omit<LinkageDestination, 'id' | 'name' | 'category' | 'kind'>>;
export type DestinationPatch = Partial<Omit<LinkageDestination, 'id' | 'centre_id'>>;

const TARGETS = ['seat_id', 'queue_id', 'sip_uri', 'number', 'pattern', 'trunk_group_id', 'trunk_id'] as const;
type TargetField = (typeof TARGETS)[number];
/** What each kind needs; every other target field must be null. The way out (trunk) is optional for a centre. */
const NEEDS: Record<LinkageDestination['kind'], { required: TargetField[]; optional: TargetField[] }> = {
  seat: { required: ['seat_id'], optional: [] },
  queue: { required: ['queue_id'], optional: [] },
  centre: { required: ['sip_uri'], optional: ['trunk_group_id', 'trunk_id'] },
  number: { required: ['number'], optional: ['trunk_group_id', 'trunk_id'] },
  pattern: { required: ['pattern'], optional: ['trunk_group_id', 'trunk_id'] },
};

const COLUMNS = `id, centre_id, name, category, kind, seat_id, queue_id, sip_uri, number, pattern, trunk_group_id, trunk_id,
  presented_number, speed_key, roles, enabled, sort_order, created_at, updated_at`;

async function fetchOne(tx: Queryable, id: string, centreId: string | null, lock = false): Promise<StoredDestination> {
  const [row] = await tx<StoredDestination[]>`
    SELECT ${tx.unsafe(COLUMNS)} FROM linkage_destinations
     WHERE id = ${id} AND (${centreId}::text IS NULL OR centre_id = ${centreId}) ${lock ? tx`FOR UPDATE` : tx``}`;
  if (!row) throw new CtiError('CTI_LINKAGE_DESTINATION_NOT_FOUND', { id });
  return row;
}

/** The kind's targets, and that each named seat, queue, trunk or trunk group exists in the entry's centre. */
async function check(tx: Queryable, d: LinkageDestination): Promise<void> {
  const invalid = (field: string, reason: string): never => { throw new CtiError('CTI_LINKAGE_DESTINATION_INVALID', { field: `/${field}`, reason }); };
  const needs = NEEDS[d.kind];
  for (const f of needs.required) if (d[f] === null || d[f] === undefined) invalid(f, `a ${d.kind} destination needs ${f}`);
  for (const f of TARGETS) if (!needs.required.includes(f) && !needs.optional.includes(f) && d[f] !== null && d[f] !== undefined) invalid(f, `not used by a ${d.kind} destination`);
  if ((d.kind === 'number' || d.kind === 'pattern') && (d.trunk_group_id === null) === (d.trunk_id === null)) {
    invalid('trunk_group_id', 'an outside number leaves on exactly one of trunk_group_id or trunk_id');
  }
  if (d.kind === 'centre' && d.trunk_group_id !== null && d.trunk_id !== null) invalid('trunk_id', 'give trunk_group_id or trunk_id, not both');
  if (d.pattern !== null) compileDialPattern(d.pattern);
  const owned: [TargetField, string][] = [['seat_id', 'seats'], ['queue_id', 'queues'], ['trunk_group_id', 'trunk_groups'], ['trunk_id', 'trunks']];
  for (const [field, table] of owned) {
    const value = d[field];
    if (value === null) continue;
    const [row] = await tx<{ centre_id: string }[]>`SELECT centre_id FROM ${tx(table)} WHERE id = ${value}`;
    if (!row) invalid(field, `no such ${field.replace(/_id$/, '').replace('_', ' ')}: ${value}`);
    if (row.centre_id !== d.centre_id) invalid(field, `${value} belongs to another centre`);
  }
}

function withDefaults(deps: Deps, d: NewDestination): LinkageDestination {
  return {
    id: d.id, centre_id: d.centre_id ?? deps.config.centreId, name: d.name, category: d.category, kind: d.kind,
    seat_id: d.seat_id ?? null, queue_id: d.queue_id ?? null, sip_uri: d.sip_uri ?? null, number: d.number ?? null,
    pattern: d.pattern ?? null, trunk_group_id: d.trunk_group_id ?? null, trunk_id: d.trunk_id ?? null,
    presented_number: d.presented_number ?? null, speed_key: d.speed_key ?? null,
    roles: d.roles ?? ['dispatcher', 'supervisor'], enabled: d.enabled ?? true, sort_order: d.sort_order ?? 0,
  };
}

export async function createDestination(deps: Deps, change: Change, input: NewDestination): Promise<StoredDestination> {
  const d = withDefaults(deps, input);
  return deps.sql.begin(async (tx) => {
    await check(tx, d);
    await tx`INSERT INTO linkage_destinations ${tx({ ...d, roles: tx.array(d.roles) } as never)}`;
    const after = await fetchOne(tx, d.id, null);
    await recordAudit(tx, { ...change, action: 'linkage_destination.created', target_type: 'linkage_destination', target_id: d.id, after });
    return after;
  });
}

export interface DestinationFilter {
  centre_id: string;
  /** Search over name, number, speed key and category (the dispatcher's directory search). */
  q?: string;
  kind?: LinkageDestination['kind'];
  include_disabled?: boolean;
}

export async function listDestinations(sql: Queryable, f: DestinationFilter): Promise<StoredDestination[]> {
  const like = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return sql<StoredDestination[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM linkage_destinations
     WHERE centre_id = ${f.centre_id}
       AND (${f.include_disabled ?? false} OR enabled)
       AND (${f.kind ?? null}::text IS NULL OR kind = ${f.kind ?? null})
       AND (${like}::text IS NULL OR name ILIKE ${like} OR number LIKE ${like} OR speed_key ILIKE ${like} OR category ILIKE ${like})
     ORDER BY sort_order, id`;
}

export async function getDestination(sql: Queryable, id: string, centreId: string | null): Promise<StoredDestination> {
  return fetchOne(sql, id, centreId);
}

export async function updateDestination(deps: Deps, change: Change, id: string, p: DestinationPatch): Promise<StoredDestination> {
  return deps.sql.begin(async (tx) => {
    const before = await fetchOne(tx, id, null, true);
    const { created_at: _c, updated_at: _u, ...current } = before;
    const next: LinkageDestination = { ...current, ...p };
    await check(tx, next);
    const { id: _id, centre_id: _centre, ...set } = next;
    await tx`UPDATE linkage_destinations SET ${tx({ ...set, roles: tx.array(set.roles), updated_at: new Date() } as never)} WHERE id = ${id}`;
    const after = await fetchOne(tx, id, null);
    await recordAudit(tx, { ...change, action: 'linkage_destination.updated', target_type: 'linkage_destination', target_id: id, before, after });
    return after;
  });
}

export async function deleteDestination(deps: Deps, change: Change, id: string): Promise<StoredDestination> {
  return deps.sql.begin(async (tx) => {
    const before = await fetchOne(tx, id, null, true);
    await tx`DELETE FROM linkage_destinations WHERE id = ${id}`;
    await recordAudit(tx, { ...change, action: 'linkage_destination.deleted', target_type: 'linkage_destination', target_id: id, before });
    return before;
  });
}
