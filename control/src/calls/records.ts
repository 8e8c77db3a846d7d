/**
 * The call records as the API reads them (PostgreSQL: calls with their recording, offers, legs and event log):
 * the list with filters and keyset paging, and one call in full. Read-only: the call flow writes these rows
 * (store.ts and the actions).
 */
import type { Sql } from 'postgres';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export interface CallFilter {
  state?: string;
  from?: string;
  to?: string;
  caller_number?: string;
  seat_id?: string;
  sip_call_id?: string;
  before?: string;
  limit: number;
  /** The centres the reader may see (auth/scope.ts); null or absent: all. */
  centres?: CentreScope;
}

export interface AbandonedFilter {
  status?: 'open' | 'claimed' | 'done';
  queue_id?: string;
  from?: string;
  to?: string;
  offset: number;
  limit: number;
}

const CALL_COLUMNS = `c.id, c.centre_id, c.sip_call_id, c.caller_number, c.caller_name, c.called_number, c.trunk_id, c.source,
  c.queue_id, c.priority, c.state, c.arrived_at, c.queued_at, c.first_offered_at, c.answered_at, c.ended_at, c.answered_seat_id,
  c.ended_by, c.end_reason, c.failed_open, c.queue_ms, c.answer_ms, c.talk_ms, c.incident_id, c.direction, c.callback_of, c.seat_id,
  r.id AS recording_id, r.status AS recording_status`;
const RECORDING_JOIN = 'LEFT JOIN recordings r ON r.sip_call_id = c.sip_call_id';
// Microsecond precision, so a page boundary never splits or repeats calls that arrived in the same millisecond.
const CURSOR = `to_char(c.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || ',' || c.id`;

export async function listCalls(sql: Sql, f: CallFilter) {
  let cursor = sql``;
  if (f.before) {
    const [at, id] = f.before.split(',');
    cursor = sql`AND (c.arrived_at, c.id) < (${at}::timestamptz, ${id}::uuid)`;
  }
  const rows = await sql`
    SELECT ${sql.unsafe(CALL_COLUMNS)}, ${sql.unsafe(CURSOR)} AS cursor
      FROM calls c ${sql.unsafe(RECORDING_JOIN)}
     WHERE true
       ${inScope(sql, 'c.centre_id', f.centres)}
       ${f.state ? sql`AND c.state = ${f.state}` : sql``}
       ${f.from ? sql`AND c.arrived_at >= ${f.from}` : sql``}
       ${f.to ? sql`AND c.arrived_at < ${f.to}` : sql``}
       ${f.caller_number ? sql`AND c.caller_number = ${f.caller_number}` : sql``}
       ${f.sip_call_id ? sql`AND c.sip_call_id = ${f.sip_call_id}` : sql``}
       ${f.seat_id ? sql`AND (c.answered_seat_id = ${f.seat_id} OR EXISTS (SELECT 1 FROM call_offers o WHERE o.call_id = c.id AND o.seat_id = ${f.seat_id}))` : sql``}
       ${cursor}
     ORDER BY c.arrived_at DESC, c.id DESC
     LIMIT ${f.limit + 1}`;
  const more = rows.length > f.limit;
  const items = rows.slice(0, f.limit);
  return { items, next_before: more ? (items[items.length - 1].cursor as string) : null };
}

/** Who a call belongs to: its centre and the seat that answered it (CTI_CALL_NOT_FOUND if there is no such call). */
export async function callOwnership(sql: Sql, id: string): Promise<{ id: string; centre_id: string; answered_seat_id: string | null }> {
  const [row] = await sql<{ id: string; centre_id: string; answered_seat_id: string | null }[]>`
    SELECT id::text AS id, centre_id, answered_seat_id FROM calls WHERE id = ${id}`;
  if (!row) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: id });
  return row;
}

export async function getCall(sql: Sql, id: string, centres: CentreScope = null) {
  // Another centre's call is 404, as a call that does not exist (its existence is not disclosed).
  const [call] = await sql`SELECT ${sql.unsafe(CALL_COLUMNS)} FROM calls c ${sql.unsafe(RECORDING_JOIN)} WHERE c.id = ${id} ${inScope(sql, 'c.centre_id', centres)}`;
  if (!call) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: id });
  const [offers, legs, events] = await Promise.all([
    sql`SELECT attempt, seat_id, offered_at, ringing_at, answered_at, ended_at, outcome, sip_status, ring_ms
          FROM call_offers WHERE call_id = ${id} ORDER BY attempt`,
    sql`SELECT id::text AS id, kind, party, from_tag, to_tag, started_at, ended_at FROM call_legs WHERE call_id = ${id} ORDER BY id`,
    sql`SELECT id::text AS id, type, at, data FROM call_events WHERE call_id = ${id} ORDER BY id`,
  ]);
  return { call, offers, legs, events };
}
