/**
 * A supervisor's whisper and barge-in on a connected call (docs/mixer.md "Whisper and barge-in", calls/coach/):
 *   POST   /v1/calls/:id/coach                      {mode, sdp}  supervisor: start (the browser's offer); 201 with rtpengine's answer once the dispatcher's page took the leg
 *   PUT    /v1/calls/:id/coach/:coach_id            {mode}       supervisor: whisper <-> barge
 *   DELETE /v1/calls/:id/coach/:coach_id                         supervisor: end (listen-in goes on)
 *   GET    /v1/calls/:id/coach/:coach_id/offer                   the dispatcher at the call's seat: the offer for their page
 *   POST   /v1/calls/:id/coach/:coach_id/answer     {sdp}        the dispatcher at the call's seat: their page's answer
 * Audited (call.coach_started, call.coach_mode_changed, call.coach_stopped); `call.coached.v1` on the call's timeline.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { setCoachMode, stopCoach } from '../../calls/coach/end.ts';
import { COACH_MODES, type CoachMode } from '../../calls/coach/machine.ts';
import type { CoachEngine } from '../../calls/coach/media.ts';
import { seatAnswer, seatOffer } from '../../calls/coach/seat.ts';
import { startCoach } from '../../calls/coach/start.ts';
import { authedErrors, uuid, uuidParams } from '../schemas/common.ts';

const coachParams = {
  type: 'object', additionalProperties: false, required: ['id', 'coach_id'], properties: { id: uuid, coach_id: uuid },
} as const;
const sdpText = { type: 'string', minLength: 10, maxLength: 20_000, pattern: '^v=0' } as const;
const mode = { type: 'string', enum: COACH_MODES } as const;
const sessionReply = {
  type: 'object', required: ['coach_id', 'mode'],
  properties: { coach_id: uuid, mode: { enum: [...COACH_MODES, 'offered'] }, sdp: { type: 'string' } },
} as const;

export function coachRoutes(deps: AppDeps, ng: CoachEngine): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { id: string }; Body: { mode: CoachMode; sdp: string } }>('/v1/calls/:id/coach', {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['calls'], summary: 'Whisper to the dispatcher or barge into a connected call (the browser\'s SDP offer)', params: uuidParams,
        body: { type: 'object', additionalProperties: false, required: ['mode', 'sdp'], properties: { mode, sdp: sdpText } },
        response: { 201: sessionReply, ...authedErrors(404, 409, 502, 503, 504) },
      },
    }, async (req, reply) => reply.status(201).send(await startCoach(deps, ng, req.params.id, req.body.mode, req.body.sdp, changeOf(req))));

    app.put<{ Params: { id: string; coach_id: string }; Body: { mode: CoachMode } }>('/v1/calls/:id/coach/:coach_id', {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['calls'], summary: 'Switch between whisper and barge-in', params: coachParams,
        body: { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode } },
        response: { 200: sessionReply, ...authedErrors(404, 409) },
      },
    }, async (req) => {
      const s = await setCoachMode(deps, req.params.id, req.params.coach_id, req.body.mode, changeOf(req));
      return { coach_id: s.coach_id, mode: s.state };
    });

    app.delete<{ Params: { id: string; coach_id: string } }>('/v1/calls/:id/coach/:coach_id', {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['calls'], summary: 'End the whisper or barge-in (listen-in goes on)', params: coachParams, response: { 204: { type: 'null' }, ...authedErrors(404) } },
    }, async (req, reply) => {
      await stopCoach(deps, ng, req.params.id, req.params.coach_id, changeOf(req));
      return reply.status(204).send();
    });

    app.get<{ Params: { id: string; coach_id: string } }>('/v1/calls/:id/coach/:coach_id/offer', {
      onRequest: requireRole('dispatcher'),
      schema: {
        tags: ['calls'], summary: 'The talk-back leg\'s offer for the page of the dispatcher at the call\'s seat', params: coachParams,
        response: {
          200: { type: 'object', required: ['sdp', 'mode', 'state'], properties: { sdp: { type: 'string' }, mode, state: { type: 'string' } } },
          ...authedErrors(404),
        },
      },
    }, async (req) => seatOffer(deps, req.user, req.params.id, req.params.coach_id));

    app.post<{ Params: { id: string; coach_id: string }; Body: { sdp: string } }>('/v1/calls/:id/coach/:coach_id/answer', {
      onRequest: requireRole('dispatcher'),
      schema: {
        tags: ['calls'], summary: 'The dispatcher\'s page answers the talk-back leg', params: coachParams,
        body: { type: 'object', additionalProperties: false, required: ['sdp'], properties: { sdp: sdpText } },
        response: { 204: { type: 'null' }, ...authedErrors(404, 409, 502, 503) },
      },
    }, async (req, reply) => {
      await seatAnswer(deps, ng, req.user, req.params.id, req.params.coach_id, req.body.sdp);
      return reply.status(204).send();
    });
  };
}
