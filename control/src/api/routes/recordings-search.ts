/**
 * Finding recordings (GET /v1/recordings: calls x recordings x QA scores, newest first, keyset paging on
 * (arrived_at, id)), and what makes a recording trustworthy and usable: its integrity check against the
 * SM3 chain and the signed manifest, the signed manifests themselves, the evidence bundle, and the
 * compressed listening copy (Range, decrypting SM4 when encryption at rest is on). Handing out audio is audited.
 */
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import { contentRange, parseRange } from '../../../../recordings/src/range.ts';
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit } from '../../audit/record.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { checkRecording } from '../../recordings/integrity/check-recording.ts';
import { latestManifest } from '../../recordings/integrity/manifest.ts';
import { loadSigningKey, type SigningKey } from '../../recordings/integrity/signing-key.ts';
import { buildExport } from '../../recordings/storage/export.ts';
import { keyDirOf } from '../../recordings/storage/maintenance.ts';
import { openAudioSource, sm4KeyFromEnv, type Sm4Key } from '../../recordings/storage/sm4-file.ts';
import { authedErrors, noQuery, uuidParams } from '../schemas/common.ts';
import { integritySchema, manifestParams, manifestSchema, oggResponses, recordingSearchPage, recordingSearchQuery, tarResponse } from '../schemas/recordings-search.ts';

export interface RecordingSearch {
  from?: string; to?: string; seat_id?: string; dispatcher?: string; caller_number?: string; queue_id?: string; centre_id?: string;
  incident_id?: string; flag?: string; min_duration?: number; max_duration?: number; min_score?: number; max_score?: number; tag?: string;
  status?: string; limit: number; cursor?: string;
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

export interface RecordingsSearchOptions {
  /** The SM2 key (default: loaded from CTI_RECORDING_KEY_DIR or <runDir>/keys on first use). */
  signingKey?: SigningKey;
  sm4?: Sm4Key;
}

export function recordingsSearchRoutes(deps: AppDeps, opts: RecordingsSearchOptions = {}) {
  let key: Promise<SigningKey> | undefined = opts.signingKey ? Promise.resolve(opts.signingKey) : undefined;
  const signingKey = () => (key ??= loadSigningKey(keyDirOf(deps.config)).catch((e: unknown) => { key = undefined; throw e; }));
  const sm4 = opts.sm4 ?? sm4KeyFromEnv();

  return async function routes(app: FastifyInstance): Promise<void> {
    const reader = requireRole('qa', 'supervisor');
    const tags = ['recordings'];

    app.get<{ Querystring: RecordingSearch }>('/v1/recordings', {
      onRequest: reader,
      schema: { tags, summary: 'Search recordings by time, seat, dispatcher, caller, queue, centre, duration, QA score, tag, flag, incident; newest first', querystring: recordingSearchQuery, response: { 200: recordingSearchPage, ...authedErrors() } },
    }, async (req) => searchRecordings(deps.sql, req.query));

    app.get<{ Params: { id: string } }>('/v1/recordings/:id/integrity', {
      onRequest: reader,
      schema: { tags, summary: 'Verify a recording now against its SM3 chain and signed manifest; locates a changed, dropped or moved chunk', params: uuidParams, querystring: noQuery, response: { 200: integritySchema, ...authedErrors(404, 409) } },
    }, async (req) => {
      const c = await checkRecording(deps.sql, req.params.id, sm4);
      return { recording_id: req.params.id, ok: c.ok, chunk_size: c.chain.chunkSize, chunks: c.chunkCount, size_bytes: c.sizeBytes, head: c.head, file_sm3: c.fileSm3, findings: c.findings, manifest: c.manifest };
    });

    app.get<{ Params: { centre: string; day: string } }>('/v1/recording-manifests/:centre/:day', {
      onRequest: reader,
      schema: { tags, summary: 'The latest signed manifest of a centre\'s day (Asia/Shanghai)', params: manifestParams, querystring: noQuery, response: { 200: manifestSchema, ...authedErrors(404) } },
    }, async (req) => {
      const m = await latestManifest(deps.sql, req.params.centre, req.params.day);
      return { ...m, signature: m.signature.toString('base64') };
    });

    app.get<{ Params: { id: string } }>('/v1/recordings/:id/export', {
      onRequest: requireRole('supervisor', 'qa'),
      schema: { tags, summary: 'The evidence bundle (tar): WAV, SM3 chain, signed manifest, public key, README (audited as recording.exported)', params: uuidParams, querystring: noQuery, response: { ...tarResponse, ...authedErrors(404, 409) } },
    }, async (req, reply) => {
      const bundle = await buildExport(deps.sql, await signingKey(), req.params.id, sm4);
      await recordAudit(deps.sql, {
        actor: req.user, ip: req.ip, action: 'recording.exported', target_type: 'recording', target_id: req.params.id,
        after: { manifest_day: bundle.manifest.day, manifest_version: bundle.manifest.version },
      });
      return reply.header('content-type', 'application/x-tar').header('content-disposition', `attachment; filename="${bundle.fileName}"`)
        .header('cache-control', 'private, no-store').send(bundle.stream);
    });

    app.get<{ Params: { id: string } }>('/v1/recordings/:id/listening', {
      onRequest: reader,
      schema: { tags, summary: 'The compressed listening copy (Opus in Ogg; Range requests: 206; audited as recording.played)', params: uuidParams, querystring: noQuery, response: { ...oggResponses, ...authedErrors(404, 416) } },
    }, async (req, reply) => {
      const [s] = await deps.sql<{ listening_path: string | null; status: string }[]>`
        SELECT s.listening_path, r.status FROM recordings r LEFT JOIN recording_storage s ON s.recording_id = r.id WHERE r.id = ${req.params.id}`;
      if (!s) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: req.params.id });
      if (!s.listening_path || s.status !== 'ready') throw new CtiError('CTI_LISTENING_COPY_UNAVAILABLE', { recording_id: req.params.id, status: s.status });
      let src;
      try {
        src = await openAudioSource(s.listening_path, sm4);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CtiError('CTI_LISTENING_COPY_UNAVAILABLE', { recording_id: req.params.id, reason: 'file missing' });
        throw e;
      }
      let range;
      try {
        range = parseRange(req.headers.range, src.size);
      } catch (e) {
        if (isCtiError(e, 'CTI_RANGE_NOT_SATISFIABLE')) void reply.header('content-range', (e.details as { contentRange: string }).contentRange);
        throw e;
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? src.size - 1;
      await recordAudit(deps.sql, {
        actor: req.user, ip: req.ip, action: 'recording.played', target_type: 'recording', target_id: req.params.id,
        after: { copy: 'listening', range: req.headers.range ?? null, bytes: `${start}-${end}/${src.size}` },
      });
      void reply.status(range ? 206 : 200).headers({
        'content-type': 'audio/ogg', 'accept-ranges': 'bytes', 'content-length': String(src.size === 0 ? 0 : end - start + 1), 'cache-control': 'private, no-store',
      });
      if (range) void reply.header('content-range', contentRange(range, src.size));
      return reply.send(src.stream(start, end));
    });
  };
}
