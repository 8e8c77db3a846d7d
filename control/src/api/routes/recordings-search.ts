/**
 * Finding recordings (GET /v1/recordings: calls x recordings x QA scores, recordings/search.ts), and what makes a recording trustworthy and usable: its integrity check against the
 * SM3 chain and the signed manifest, the signed manifests themselves, the evidence bundle, and the
 * compressed listening copy (Range, decrypting SM4 when encryption at rest is on). Handing out audio is audited.
 */
import type { FastifyInstance } from 'fastify';
import { contentRange, parseRange } from '../../../../recordings/src/range.ts';
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit } from '../../audit/record.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { narrowScope, scopeOf } from '../../auth/scope.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { checkRecording } from '../../recordings/integrity/check-recording.ts';
import { latestManifest } from '../../recordings/integrity/manifest.ts';
import { listeningCopyOf, searchRecordings, type RecordingSearch } from '../../recordings/search.ts';
import { loadSigningKey, type SigningKey } from '../../recordings/integrity/signing-key.ts';
import { assertRecordingInScope } from '../../recordings/store.ts';
import { buildExport } from '../../recordings/storage/export.ts';
import { keyDirOf } from '../../recordings/storage/maintenance.ts';
import { openAudioSource, sm4KeyFromEnv, type Sm4Key } from '../../recordings/storage/sm4-file.ts';
import { authedErrors, noQuery, uuidParams } from '../schemas/common.ts';
import { integritySchema, manifestParams, manifestSchema, oggResponses, recordingSearchPage, recordingSearchQuery, tarResponse } from '../schemas/recordings-search.ts';

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
    const head = deps.config.centreId;

    app.get<{ Querystring: RecordingSearch }>('/v1/recordings', {
      onRequest: reader,
      schema: { tags, summary: 'Search recordings by time, seat, dispatcher, caller, queue, centre, duration, QA score, tag, flag, incident; newest first', querystring: recordingSearchQuery, response: { 200: recordingSearchPage, ...authedErrors() } },
    }, async (req) => {
      const { centre_id: centreId, ...q } = req.query;
      const centres = narrowScope(scopeOf(req, head), centreId);
      return searchRecordings(deps.sql, { ...q, centres });
    });

    app.get<{ Params: { id: string } }>('/v1/recordings/:id/integrity', {
      onRequest: reader,
      schema: { tags, summary: 'Verify a recording now against its SM3 chain and signed manifest; locates a changed, dropped or moved chunk', params: uuidParams, querystring: noQuery, response: { 200: integritySchema, ...authedErrors(404, 409) } },
    }, async (req) => {
      await assertRecordingInScope(deps.sql, req.params.id, scopeOf(req, head));
      const c = await checkRecording(deps.sql, req.params.id, sm4);
      return { recording_id: req.params.id, ok: c.ok, chunk_size: c.chain.chunkSize, chunks: c.chunkCount, size_bytes: c.sizeBytes, head: c.head, file_sm3: c.fileSm3, findings: c.findings, manifest: c.manifest };
    });

    app.get<{ Params: { centre: string; day: string } }>('/v1/recording-manifests/:centre/:day', {
      onRequest: reader,
      schema: { tags, summary: 'The latest signed manifest of a centre\'s day (Asia/Shanghai)', params: manifestParams, querystring: noQuery, response: { 200: manifestSchema, ...authedErrors(404) } },
    }, async (req) => {
      narrowScope(scopeOf(req, head), req.params.centre);
      const m = await latestManifest(deps.sql, req.params.centre, req.params.day);
      return { ...m, signature: m.signature.toString('base64') };
    });

    app.get<{ Params: { id: string } }>('/v1/recordings/:id/export', {
      onRequest: requireRole('supervisor', 'qa'),
      schema: { tags, summary: 'The evidence bundle (tar): WAV, SM3 chain, signed manifest, public key, README (audited as recording.exported)', params: uuidParams, querystring: noQuery, response: { ...tarResponse, ...authedErrors(404, 409) } },
    }, async (req, reply) => {
      await assertRecordingInScope(deps.sql, req.params.id, scopeOf(req, head));
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
      await assertRecordingInScope(deps.sql, req.params.id, scopeOf(req, head));
      const s = await listeningCopyOf(deps.sql, req.params.id);
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
