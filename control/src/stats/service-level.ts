/**
 * Service level from the stored call timings (calls.answer_ms is measured from arrival, as the national
 * 10-second target is). Two scopes:
 *   calls  every queued call arriving in the period (per queue, centre, hour, or in all)
 *   seats  per seat, the calls offered to it or answered by it; answered/talk count only what that seat
 *          answered, abandoned only the calls whose caller hung up while it rang there
 * Waits are from arrival to answer, or to the end for a call never answered.
 */
import type { Sql } from 'postgres';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { figuresOf, type Counts, type GroupBy, type Period, type ServiceLevelFigures } from './figures.ts';

export interface ServiceLevelFilter {
  queue_id?: string;
  /** The centres counted (auth/scope.ts); null or absent: all. */
  centres?: CentreScope;
  seat_id?: string;
}

export interface ServiceLevelRow extends ServiceLevelFigures {
  /** The queue id, seat id, centre id, or the hour (UTC, ISO 8601) this row is about. */
  key: string;
}

export interface ServiceLevelReport {
  from: Date;
  to: Date;
  live: boolean;
  group_by: GroupBy;
  items: ServiceLevelRow[];
  total: ServiceLevelFigures;
}

type Row = Counts & { key: string | null };

async function query(sql: Sql, period: Period, f: ServiceLevelFilter, group: GroupBy | null, seatScope: boolean): Promise<Row[]> {
  const key = group === null ? sql`NULL::text`
    : group === 'queue' ? sql`c.queue_id`
      : group === 'centre' ? sql`c.centre_id`
        : group === 'seat' ? sql`o.seat_id`
          : sql`to_char(date_trunc('hour', c.arrived_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')`;
  const answered = seatScope ? sql`c.answered_seat_id = o.seat_id` : sql`c.answered_at IS NOT NULL`;
  const abandoned = seatScope
    ? sql`c.state = 'abandoned' AND EXISTS (SELECT 1 FROM call_offers x WHERE x.call_id = c.id AND x.seat_id = o.seat_id AND x.outcome = 'cancelled')`
    : sql`c.state = 'abandoned'`;
  const seats = seatScope
    ? sql`JOIN LATERAL (SELECT x.seat_id FROM call_offers x WHERE x.call_id = c.id
                        UNION SELECT c.answered_seat_id WHERE c.answered_seat_id IS NOT NULL) o(seat_id) ON true`
    : sql``;
  return sql<Row[]>`
    WITH scope AS (
      SELECT ${key} AS key,
             (${answered}) AS answered,
             c.answer_ms,
             (${abandoned}) AS abandoned,
             (c.answered_at IS NOT NULL OR c.ended_at IS NOT NULL) AS settled,
             CASE WHEN c.answered_at IS NOT NULL THEN c.answer_ms
                  WHEN c.ended_at IS NOT NULL THEN (extract(epoch FROM (c.ended_at - c.arrived_at)) * 1000)::integer END AS wait_ms,
             c.talk_ms
        FROM calls c ${seats}
       WHERE c.queue_id IS NOT NULL
         AND c.arrived_at >= ${period.from} AND c.arrived_at < ${period.to}
         ${f.queue_id === undefined ? sql`` : sql`AND c.queue_id = ${f.queue_id}`}
         ${inScope(sql, 'c.centre_id', f.centres)}
         ${f.seat_id === undefined ? sql`` : sql`AND o.seat_id = ${f.seat_id}`}
    )
    SELECT key,
           count(*)::int AS offered,
           count(*) FILTER (WHERE answered)::int AS answered,
           count(*) FILTER (WHERE answered AND answer_ms <= 10000)::int AS answered_within_10s,
           count(*) FILTER (WHERE answered AND answer_ms <= 15000)::int AS answered_within_15s,
           count(*) FILTER (WHERE answered AND answer_ms <= 20000)::int AS answered_within_20s,
           count(*) FILTER (WHERE abandoned)::int AS abandoned,
           count(*) FILTER (WHERE settled)::int AS settled,
           round(avg(wait_ms))::float8 AS avg_wait_ms,
           round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_ms))::float8 AS p90_wait_ms,
           round(avg(talk_ms) FILTER (WHERE answered))::float8 AS avg_talk_ms
      FROM scope
     GROUP BY key
     ORDER BY key`;
}

const NONE: Counts = {
  offered: 0, answered: 0, answered_within_10s: 0, answered_within_15s: 0, answered_within_20s: 0, abandoned: 0, settled: 0,
  avg_wait_ms: null, p90_wait_ms: null, avg_talk_ms: null,
};

function countsOf(r: Row): Counts {
  const { key: _key, ...counts } = r;
  return counts;
}

export async function serviceLevel(sql: Sql, period: Period, f: ServiceLevelFilter, groupBy: GroupBy): Promise<ServiceLevelReport> {
  const seatFilter = f.seat_id !== undefined;
  const [rows, [total]] = await Promise.all([
    query(sql, period, f, groupBy, groupBy === 'seat' || seatFilter),
    query(sql, period, f, null, seatFilter),
  ]);
  return {
    from: period.from, to: period.to, live: period.live, group_by: groupBy,
    items: rows.map((r) => ({ key: r.key ?? '', ...figuresOf(countsOf(r)) })),
    total: figuresOf(total ? countsOf(total) : NONE),
  };
}
