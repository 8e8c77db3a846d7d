/**
 * Raising, clearing and listing alarms: a row in `alarms` and an `alarm.raised.v1` /
 * `alarm.cleared.v1` event. The event is published inside the row's transaction, so a failed publish
 * leaves no row and a retry raises it again (an alarm is never recorded but silent).
 */
import type { Sql, TransactionSql } from 'postgres';
import type { AppDeps } from '../app/deps.ts';
import type { EventBus } from '../events/bus.ts';
import type { AlarmLevel } from '../events/schema.ts';
import { checkAlarmInput, type Alarm, type AlarmInput } from './alarm.ts';

type AlarmDeps = Pick<AppDeps, 'sql' | 'bus'>;

/** Serialises raise/clear of one (type, subject) across transactions and processes. */
async function lockKey(tx: TransactionSql, type: string, subject: string | null): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtext('alarm'), hashtext(${type} || '|' || coalesce(${subject}::text, '')))`;
}

/**
 * Raises an alarm inside the caller's transaction; returns the id of the open alarm of that
 * (type, subject): the existing one if it is still open (no new row, no event), else a new one.
 */
export async function raiseAlarmIn(tx: TransactionSql, bus: EventBus, input: AlarmInput): Promise<string> {
  const a = checkAlarmInput(input);
  await lockKey(tx, a.type, a.subject);
  const [open] = await tx<{ id: string }[]>`
    SELECT id::text AS id FROM alarms
     WHERE type = ${a.type} AND subject IS NOT DISTINCT FROM ${a.subject} AND cleared_at IS NULL
     ORDER BY id LIMIT 1`;
  if (open) return open.id;
  const [row] = await tx<{ id: string; raised_at: Date }[]>`
    INSERT INTO alarms (type, level, subject, details) VALUES (${a.type}, ${a.level}, ${a.subject}, ${tx.json(a.details as never)})
    RETURNING id::text AS id, raised_at`;
  await bus.publish('alarm.raised.v1', { alarm_id: row.id, type: a.type, level: a.level, subject: a.subject, details: a.details }, row.raised_at);
  return row.id;
}

export async function raiseAlarm(deps: AlarmDeps, input: AlarmInput): Promise<string> {
  return deps.sql.begin((tx) => raiseAlarmIn(tx, deps.bus, input));
}

/** Clears the open alarm of (type, subject); returns its id, or null if none was open. */
export async function clearAlarm(deps: AlarmDeps, type: string, subject: string | null): Promise<string | null> {
  return deps.sql.begin(async (tx) => {
    await lockKey(tx, type, subject);
    const rows = await tx<{ id: string; cleared_at: Date }[]>`
      UPDATE alarms SET cleared_at = now()
       WHERE type = ${type} AND subject IS NOT DISTINCT FROM ${subject} AND cleared_at IS NULL
      RETURNING id::text AS id, cleared_at`;
    for (const r of rows) await deps.bus.publish('alarm.cleared.v1', { alarm_id: r.id, type, subject }, r.cleared_at);
    return rows[0]?.id ?? null;
  });
}

export interface AlarmFilter {
  /** true: only open alarms; false: only cleared ones; absent: both. */
  open?: boolean;
  type?: string;
  level?: AlarmLevel;
  subject?: string;
  limit?: number;
}

/** How many alarms are open, per level (the metrics' cti120_alarms_open). */
export async function openAlarmCounts(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ level: string; n: number }[]>`SELECT level, count(*)::int AS n FROM alarms WHERE cleared_at IS NULL GROUP BY level`;
  return Object.fromEntries(rows.map((r) => [r.level, r.n]));
}

/** Alarms, critical first, then newest first. */
export async function listAlarms(sql: Sql, f: AlarmFilter = {}): Promise<Alarm[]> {
  const levelRank = sql`CASE level WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END`;
  return sql<Alarm[]>`
    SELECT id::text AS id, type, level, subject, details, raised_at, cleared_at FROM alarms
     WHERE true
       ${f.open === undefined ? sql`` : f.open ? sql`AND cleared_at IS NULL` : sql`AND cleared_at IS NOT NULL`}
       ${f.type === undefined ? sql`` : sql`AND type = ${f.type}`}
       ${f.level === undefined ? sql`` : sql`AND level = ${f.level}`}
       ${f.subject === undefined ? sql`` : sql`AND subject = ${f.subject}`}
     ORDER BY ${levelRank}, raised_at DESC, id DESC
     LIMIT ${f.limit ?? 200}`;
}
