/**
 * Recordings for QA and supervisors: metadata, and the WAV with HTTP Range (an <audio> element seeks
 * with it). The session token may come as ?token= for <audio src>. Every GET of audio is audited.
 * The dispatch system (CAD, a supervisor account) attaches its incident id to a call (audited).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf, type CentreScope } from '../../auth/scope.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { attachIncident } from '../../recordings/incident.ts';
import { openPlayback } from '../../recordings/playback.ts';
import { recordingById, recordingOfCall, type RecordingRow } from '../../recordings/store.ts';
import { authedErrors, noQuery, uuidParams } from '../schemas/common.ts';
import { audioResponses, incidentBody, incidentLink, recordingMeta } from '../schemas/recordings.ts';

type Id = { Params: { id: string } };

export function metaOf(row: RecordingRow) {
  const { path: _path, ...rest } = row;
  return { ...rest, audio_url: row.status === 'ready' ? `/v1/recordings/${row.id}/audio` : null };
}

export function recordingsRoutes(deps: AppDeps) {
  const byId = async (id: string, centres: CentreScope) => {
    const row = await recordingById(deps.sql, id, centres);
    if (!row) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: id });
    return row;
  };
  const ofCall = async (callId: string, centres: CentreScope) => {
    const row = await recordingOfCall(deps.sql, callId, centres);
    if (!row) throw new CtiError('CTI_RECORDING_NOT_FOUND', { call_id: callId });
    return row;
  };

  async function sendAudio(request: FastifyRequest, reply: FastifyReply, row: RecordingRow) {
    try {
      const p = await openPlayback(deps.sql, row, request.headers.range, changeOf(request), request.method);
      return reply.status(p.status).headers(p.headers).send(p.body);
    } catch (e) {
      if (isCtiError(e, 'CTI_RANGE_NOT_SATISFIABLE')) {
        void reply.header('content-range', (e.details as { contentRange: string }).contentRange);
      }
      throw e;
    }
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const reader = requireRole('qa', 'supervisor');
    const tags = ['recordings'];
    const meta = { 200: recordingMeta, ...authedErrors(404) };
    const audio = { ...audioResponses, ...authedErrors(404, 416) };

    app.get<Id>('/v1/recordings/:id', {
      onRequest: reader,
      schema: { tags, summary: 'A recording\'s metadata: status, duration, SM3 digest, per-channel statistics', params: uuidParams, querystring: noQuery, response: meta },
    }, async (request) => metaOf(await byId(request.params.id, scopeOf(request, deps.config.centreId))));

    app.get<Id>('/v1/recordings/:id/audio', {
      onRequest: reader,
      schema: { tags, summary: 'The WAV (Range requests: 206; audited as recording.played)', params: uuidParams, querystring: noQuery, response: audio },
    }, async (request, reply) => sendAudio(request, reply, await byId(request.params.id, scopeOf(request, deps.config.centreId))));

    app.get<Id>('/v1/calls/:id/recording', {
      onRequest: reader,
      schema: { tags, summary: 'The call\'s WAV (Range requests: 206; audited as recording.played)', params: uuidParams, querystring: noQuery, response: audio },
    }, async (request, reply) => sendAudio(request, reply, await ofCall(request.params.id, scopeOf(request, deps.config.centreId))));

    app.get<Id>('/v1/calls/:id/recording/meta', {
      onRequest: reader,
      schema: { tags, summary: 'The call\'s recording metadata', params: uuidParams, querystring: noQuery, response: meta },
    }, async (request) => metaOf(await ofCall(request.params.id, scopeOf(request, deps.config.centreId))));

    app.put<Id & { Body: { incident_id: string } }>('/v1/calls/:id/incident', {
      onRequest: requireRole('supervisor', 'integration'),
      schema: { tags, summary: 'Attach the dispatch system\'s (CAD) incident id to a call; its recording is then found by incident_id (audited as call.incident_attached)', params: uuidParams, body: incidentBody, response: { 200: incidentLink, ...authedErrors(404) } },
    }, async (request) => attachIncident(deps.sql, request.params.id, request.body.incident_id, changeOf(request), scopeOf(request, deps.config.centreId)));
  };
}
