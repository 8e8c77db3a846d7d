/**
 * Finding recordings (GET /v1/recordings): calls x recordings x QA scores, newest first, keyset paging on
 * (arrived_at, id), with the dispatcher who was logged in at the answering seat; and the listening copy's
 * place for one recording.
 */
import type { Sql } from 'postgres';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export interface RecordingSearch {
  from?: string; to?: string; seat_id?: string; dispatcher?: string; caller_number?: string; queue_id?: string; centre_id?: string;
  incident_id?: string; flag?: string; min_duration?: number; max_duration?: number; min_score?: number; max_score?: number; tag?: string;
  status?: string; limit: number; cursor?: string;
  /** The centres the reader may see (auth/scope.ts); null or absent: all. */
  centres?: CentreScope;
}

const CURSOR = `to_char(c.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || ',' || c.id`;

export async function searchRecordings(sql: Sql, f: RecordingSearch) {
  const [at, id] = f.cursor ? f.cursor.split(',') : [];
  const scored = f.min_score !== undefined || f.max_score !== undefined;
  // Sessions of the dispatcher: each log-in at a seat until the next log-in or log-out there, computed once
  // (MATERIALIZED) and joined on the answering seat and time.
  const sessions = f.dispatcher ? sql`
    WITH s AS MATERIALIZED (
      SELECT l.seat_id, l.at AS since,
             coalesce((SELECT min(o.at) FROM seat_state_log o
                        WHERE o.seat_id = l.seat_id AND o.at > l.at AND (o.from_state = 'logged_out' OR o.to_state = 'logged_out')), 'infinity') AS until
        FROM seat_state_log l
       WHERE l.from_state = 'logged_out' AND l.user_id = ${f.dispatcher})` : sql``;
  // Flags are rare too: `flags <> '{}'` lets the planner use the partial index recordings_flags.
  // Tags are rare (a few per thousand recordings): start from the tagged recordings rather than walking calls.
  const tagged = f.tag ? sql`${f.dispatcher ? sql`,` : sql`WITH`} tg AS MATERIALIZED (SELECT recording_id FROM recording_tags WHERE tag = ${f.tag})` : sql``;
  const tagJoin = f.tag ? sql`JOIN tg ON tg.recording_id = r.id` : sql``;
  const sessionJoin = f.dispatcher ? sql`JOIN s ON c.answered_seat_id = s.seat_id AND c.answered_at >= s.since AND c.answered_at < s.until` : sql``;
  // The page first, then who was logged in at the answering seat for its rows only (as qa/dispatcher-of-call.ts).
  const rows = await sql`
    ${sessions} ${tagged}
    SELECT p.*, d.user_id AS dispatcher_id, d.display_name AS dispatcher_name FROM (
    SELECT r.id AS recording_id, r.status AS recording_status, r.duration_ms, r.started_at, r.sm3,
           c.id AS call_id, c.centre_id, c.caller_number, c.queue_id, c.answered_seat_id AS seat_id, c.arrived_at, c.answered_at,
           c.queue_ms, c.answer_ms, c.talk_ms, c.incident_id,
           q.score AS qa_score, q.grade AS qa_grade, coalesce(q.reviews, 0) AS qa_reviews,
           coalesce((SELECT array_agg(t.tag ORDER BY t.tag) FROM recording_tags t WHERE t.recording_id = r.id), '{}') AS tags, r.flags,
           ${sql.unsafe(CURSOR)} AS cursor
      FROM calls c
      JOIN recordings r ON r.sip_call_id = c.sip_call_id
      ${sessionJoin}
      ${tagJoin}
      LEFT JOIN LATERAL (
        SELECT (array_agg(x.score ORDER BY x.finalised_at DESC))[1]::float8 AS score, (array_agg(x.grade ORDER BY x.finalised_at DESC))[1] AS grade,
               count(*)::int AS reviews
          FROM qa_reviews x WHERE x.call_id = c.id AND x.status = 'final') q ON true
     WHERE true
       ${f.from ? sql`AND c.arrived_at >= ${f.from}` : sql``}
       ${f.to ? sql`AND c.arrived_at < ${f.to}` : sql``}
       ${f.seat_id ? sql`AND c.answered_seat_id = ${f.seat_id}` : sql``}
       ${f.caller_number ? sql`AND c.caller_number = ${f.caller_number}` : sql``}
       ${f.queue_id ? sql`AND c.queue_id = ${f.queue_id}` : sql``}
       ${f.centre_id ? sql`AND c.centre_id = ${f.centre_id}` : sql``}
       ${inScope(sql, 'c.centre_id', f.centres)}
       ${f.incident_id ? sql`AND c.incident_id = ${f.incident_id}` : sql``}
       ${f.status ? sql`AND r.status = ${f.status}` : sql``}
       ${f.flag ? sql`AND r.flags <> '{}' AND r.flags @> ARRAY[${f.flag}]::text[]` : sql``}
       ${f.min_duration !== undefined ? sql`AND r.duration_ms >= ${f.min_duration * 1000}` : sql``}
       ${f.max_duration !== undefined ? sql`AND r.duration_ms <= ${f.max_duration * 1000}` : sql``}
       ${scored ? sql`AND EXISTS (SELECT 1 FROM qa_reviews x WHERE x.call_id = c.id AND x.status = 'final'
                       AND x.score >= ${f.min_score ?? 0} AND x.score <= ${f.max_score ?? 100})` : sql``}
       ${f.cursor ? sql`AND (c.arrived_at, c.id) < (${at}::timestamptz, ${id}::uuid)` : sql``}
     ORDER BY c.arrived_at DESC, c.id DESC
     LIMIT ${f.limit + 1}) p
      LEFT JOIN LATERAL (
        SELECT CASE WHEN l.from_state = 'logged_out' THEN l.user_id END AS user_id,
               CASE WHEN l.from_state = 'logged_out' THEN u.display_name END AS display_name
          FROM seat_state_log l LEFT JOIN users u ON u.id = l.user_id
         WHERE l.seat_id = p.seat_id AND (l.from_state = 'logged_out' OR l.to_state = 'logged_out') AND l.at <= p.answered_at
         ORDER BY l.at DESC, l.id DESC LIMIT 1) d ON true
     ORDER BY p.arrived_at DESC, p.call_id DESC`;
  const more = rows.length > f.limit;
  const items = rows.slice(0, f.limit).map((r) => ({ ...r, cursor: r.cursor as string, audio_url: r.recording_status === 'ready' ? `/v1/recordings/${r.recording_id as string}/audio` : null }));
  return { items, next_cursor: more ? (items[items.length - 1].cursor as string) : null };
}

/** Where a recording's listening copy is (null: none made yet) and the recording's status. */
export async function listeningCopyOf(sql: Sql, recordingId: string): Promise<{ listening_path: string | null; status: string }> {
  const [s] = await sql<{ listening_path: string | null; status: string }[]>`
    SELECT s.listening_path, r.status FROM recordings r LEFT JOIN recording_storage s ON s.recording_id = r.id WHERE r.id = ${recordingId}`;
  if (!s) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: recordingId });
  return s;
}
