/** Surges as PostgreSQL holds them: the surge row and the status of each of its seats. */
import type { Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

export type SurgeSeatStatus = 'active' | 'ending' | 'ended';

export interface SurgeSeat {
  seat_id: string;
  sip_username: string;
  status: SurgeSeatStatus;
  ended_at: Date | null;
}

export interface Surge {
  id: string;
  centre_id: string;
  template_id: string;
  template: Record<string, unknown>;
  prefix: string;
  seat_count: number;
  reason: string;
  created_by_name: string;
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  ended_by_name: string | null;
  end_reason: 'ended' | 'expired' | null;
  /** active: seats usable; ending: ended, some seats still finishing a call; ended: every seat disabled. */
  status: 'active' | 'ending' | 'ended';
  seats: SurgeSeat[];
}

type SurgeRow = Omit<Surge, 'status' | 'seats'>;

const COLUMNS = `id::text AS id, centre_id, template_id, template, prefix, seat_count, reason, created_by_name, created_at,
  expires_at, ended_at, ended_by_name, end_reason`;

function statusOf(row: SurgeRow, seats: SurgeSeat[]): Surge['status'] {
  if (row.ended_at === null) return 'active';
  return seats.some((s) => s.status !== 'ended') ? 'ending' : 'ended';
}

async function withSeats(sql: Queryable, rows: SurgeRow[]): Promise<Surge[]> {
  if (rows.length === 0) return [];
  const seats = await sql<(SurgeSeat & { surge_id: string })[]>`
    SELECT ss.surge_id::text AS surge_id, ss.seat_id, s.sip_username, ss.status, ss.ended_at
      FROM surge_seats ss JOIN seats s ON s.id = ss.seat_id
     WHERE ss.surge_id = ANY(${rows.map((r) => r.id)}::uuid[])
     ORDER BY ss.seat_id`;
  const bySurge = new Map<string, SurgeSeat[]>();
  for (const { surge_id, ...s } of seats) {
    const list = bySurge.get(surge_id) ?? [];
    list.push(s);
    bySurge.set(surge_id, list);
  }
  return rows.map((r) => {
    const list = bySurge.get(r.id) ?? [];
    return { ...r, status: statusOf(r, list), seats: list };
  });
}

export function notFound(id: string): CtiError {
  return new CtiError('CTI_NOT_FOUND', { surge_id: id }, `No surge "${id}"; list them with GET /v1/surges.`);
}

export async function getSurge(sql: Queryable, id: string): Promise<Surge> {
  const rows = await sql<SurgeRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM surges WHERE id = ${id}::uuid`;
  if (rows.length === 0) throw notFound(id);
  const [surge] = await withSeats(sql, rows);
  return surge;
}

/** Surges newest first; `open` keeps those not fully ended (active or ending). */
export async function listSurges(sql: Queryable, f: { open?: boolean; limit?: number } = {}): Promise<Surge[]> {
  const rows = await sql<SurgeRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM surges su
     WHERE NOT ${f.open ?? false}
        OR su.ended_at IS NULL
        OR EXISTS (SELECT 1 FROM surge_seats ss WHERE ss.surge_id = su.id AND ss.status <> 'ended')
     ORDER BY created_at DESC, id
     LIMIT ${f.limit ?? 100}`;
  return withSeats(sql, rows);
}

/** Locks the surge row for a change; throws when missing. */
export async function lockSurge(sql: Queryable, id: string): Promise<SurgeRow> {
  const [row] = await sql<SurgeRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM surges WHERE id = ${id}::uuid FOR UPDATE`;
  if (!row) throw notFound(id);
  return row;
}
