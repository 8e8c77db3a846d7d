/** Reading the audit trail: newest first, keyset-paged by id. */
import type { Sql } from 'postgres';

export interface AuditFilter {
  from?: string;
  to?: string;
  actor_id?: string;
  actor_name?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  /** Return rows with an id lower than this (the `next_before_id` of the previous page). */
  before_id?: number;
  limit: number;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor_id: string | null;
  actor_name: string;
  actor_ip: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  items: AuditRow[];
  next_before_id: number | null;
}

export async function listAudit(sql: Sql, f: AuditFilter): Promise<AuditPage> {
  const conds = [sql`true`];
  if (f.from !== undefined) conds.push(sql`at >= ${f.from}::timestamptz`);
  if (f.to !== undefined) conds.push(sql`at < ${f.to}::timestamptz`);
  if (f.actor_id !== undefined) conds.push(sql`actor_id = ${f.actor_id}::uuid`);
  if (f.actor_name !== undefined) conds.push(sql`actor_name = ${f.actor_name}`);
  if (f.action !== undefined) conds.push(sql`action = ${f.action}`);
  if (f.target_type !== undefined) conds.push(sql`target_type = ${f.target_type}`);
  if (f.target_id !== undefined) conds.push(sql`target_id = ${f.target_id}`);
  if (f.before_id !== undefined) conds.push(sql`id < ${f.before_id}`);
  const where = conds.reduce((acc, c) => sql`${acc} AND ${c}`);
  const rows = await sql<(Omit<AuditRow, 'id'> & { id: string })[]>`
    SELECT id::text AS id, at, actor_id::text AS actor_id, actor_name, actor_ip, action, target_type, target_id, before, after
      FROM audit_log WHERE ${where}
     ORDER BY id DESC LIMIT ${f.limit + 1}`;
  const more = rows.length > f.limit;
  const items = rows.slice(0, f.limit).map((r) => ({ ...r, id: Number(r.id) }));
  return { items, next_before_id: more ? items[items.length - 1].id : null };
}
