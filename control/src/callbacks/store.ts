/**
 * Reading the abandoned-call work list (abandoned_calls with who claimed/closed it and its last callback call).
 * Writes are in service.ts (people) and called-again.ts / outbound.ts (the system).
 */
import type { Sql } from 'postgres';
import type { Queryable } from '../audit/record.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';
import type { ItemStatus } from './machine.ts';

export interface WorkListFilter {
  status?: ItemStatus;
  queue_id?: string;
  centre_id?: string;
  claimed_by?: string;
  /** The centres the reader may see (auth/scope.ts); null or absent: all. */
  centres?: CentreScope;
  from?: string;
  to?: string;
  offset: number;
  limit: number;
}

export interface WorkItem {
  id: string;
  call_id: string;
  centre_id: string;
  queue_id: string | null;
  caller_number: string | null;
  wait_ms: number;
  abandoned_at: Date;
  status: ItemStatus;
  claimed_by: string | null;
  claimed_by_name: string | null;
  claimed_at: Date | null;
  claimed_seat_id: string | null;
  outcome: string | null;
  note: string | null;
  closed_at: Date | null;
  closed_by: string | null;
  closed_by_name: string | null;
  called_again_call_id: string | null;
  callback_call_id: string | null;
  callback_state: string | null;
  callback_attempts: number;
}

const ITEM_SELECT = `
  SELECT a.id::text AS id, a.call_id, a.centre_id, a.queue_id, a.caller_number, a.wait_ms, a.abandoned_at, a.status,
         a.claimed_by, cu.display_name AS claimed_by_name, a.claimed_at, a.claimed_seat_id, a.outcome, a.note, a.closed_at,
         a.closed_by, xu.display_name AS closed_by_name, a.called_again_call_id, a.callback_call_id, cb.state AS callback_state,
         a.callback_attempts
    FROM abandoned_calls a
    LEFT JOIN users cu ON cu.id = a.claimed_by
    LEFT JOIN users xu ON xu.id = a.closed_by
    LEFT JOIN calls cb ON cb.id = a.callback_call_id`;

/** The work list: open items first, then claimed, then done; newest first within each. */
export async function listWorkItems(sql: Sql, f: WorkListFilter): Promise<{ items: WorkItem[]; total: number }> {
  const where = () => sql`
     WHERE true
       ${f.status ? sql`AND a.status = ${f.status}` : sql``}
       ${f.queue_id ? sql`AND a.queue_id = ${f.queue_id}` : sql``}
       ${f.centre_id ? sql`AND a.centre_id = ${f.centre_id}` : sql``}
       ${inScope(sql, 'a.centre_id', f.centres)}
       ${f.claimed_by ? sql`AND a.claimed_by = ${f.claimed_by}` : sql``}
       ${f.from ? sql`AND a.abandoned_at >= ${f.from}` : sql``}
       ${f.to ? sql`AND a.abandoned_at < ${f.to}` : sql``}`;
  const [items, [{ total }]] = await Promise.all([
    sql<WorkItem[]>`${sql.unsafe(ITEM_SELECT)} ${where()}
         ORDER BY CASE a.status WHEN 'open' THEN 0 WHEN 'claimed' THEN 1 ELSE 2 END, a.abandoned_at DESC, a.id DESC
         LIMIT ${f.limit} OFFSET ${f.offset}`,
    sql<{ total: number }[]>`SELECT count(*)::int AS total FROM abandoned_calls a ${where()}`,
  ]);
  return { items, total };
}

export async function getWorkItem(sql: Queryable, id: string): Promise<WorkItem> {
  const [row] = await sql<WorkItem[]>`${sql.unsafe(ITEM_SELECT)} WHERE a.id = ${id}`;
  if (!row) throw new CtiError('CTI_CALLBACK_NOT_FOUND', { item_id: id });
  return row;
}

/** The item's row locked for a change (FOR UPDATE: two claims of one item are decided one after the other). */
export async function lockWorkItem(tx: Queryable, id: string): Promise<WorkItem> {
  const [locked] = await tx<{ id: string }[]>`SELECT id::text AS id FROM abandoned_calls WHERE id = ${id} FOR UPDATE`;
  if (!locked) throw new CtiError('CTI_CALLBACK_NOT_FOUND', { item_id: id });
  return getWorkItem(tx, id);
}

/** The part of an item an audit row keeps (before/after). */
export function auditView(i: WorkItem): Record<string, unknown> {
  return {
    status: i.status, caller_number: i.caller_number, claimed_by: i.claimed_by, claimed_seat_id: i.claimed_seat_id,
    outcome: i.outcome, note: i.note, callback_call_id: i.callback_call_id,
  };
}
