/** SQL of ha_failovers (docs/ha.md "Failovers, audited"): one row per takeover of the lead, with its timings. */
import type { Sql } from 'postgres';

export type FailoverKind = 'failover' | 'switchover' | 'start';

export interface FailoverRow {
  id: string;
  epoch: number;
  kind: FailoverKind;
  from_node: string | null;
  to_node: string;
  by: string;
  reason: string;
  last_seen_at: Date | null;
  lease_taken_at: Date;
  vip_moved_at: Date | null;
  first_answered_at: Date | null;
}

export type NewFailover = Omit<FailoverRow, 'id' | 'vip_moved_at' | 'first_answered_at'>;

const COLUMNS = 'id::text AS id, epoch::int AS epoch, kind, from_node, to_node, by, reason, last_seen_at, lease_taken_at, vip_moved_at, first_answered_at';

export async function insertFailover(sql: Sql, f: NewFailover): Promise<FailoverRow> {
  const [row] = await sql<FailoverRow[]>`
    INSERT INTO ha_failovers (epoch, kind, from_node, to_node, by, reason, last_seen_at, lease_taken_at)
    VALUES (${f.epoch}, ${f.kind}, ${f.from_node}, ${f.to_node}, ${f.by}, ${f.reason}, ${f.last_seen_at}, ${f.lease_taken_at})
    RETURNING ${sql.unsafe(COLUMNS)}`;
  return row!;
}

export async function setFailoverTimes(sql: Sql, id: string, t: { vip_moved_at?: Date; first_answered_at?: Date }): Promise<void> {
  await sql`
    UPDATE ha_failovers SET vip_moved_at = coalesce(${t.vip_moved_at ?? null}, vip_moved_at),
                            first_answered_at = coalesce(${t.first_answered_at ?? null}, first_answered_at)
     WHERE id = ${id}`;
}

/** The first call answered at or after `since` (the new leader's first answer). */
export async function firstAnsweredSince(sql: Sql, since: Date): Promise<Date | undefined> {
  const [row] = await sql<{ at: Date | null }[]>`SELECT min(answered_at) AS at FROM calls WHERE answered_at >= ${since}`;
  return row?.at ?? undefined;
}

export async function listFailovers(sql: Sql, limit: number): Promise<FailoverRow[]> {
  return sql<FailoverRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM ha_failovers ORDER BY lease_taken_at DESC LIMIT ${limit}`;
}

/** The highest takeover count the database has seen (0 for none). */
export async function databaseEpoch(sql: Sql): Promise<number> {
  const [row] = await sql<{ e: number }[]>`SELECT coalesce(max(epoch), 0)::int AS e FROM ha_failovers`;
  return row?.e ?? 0;
}
