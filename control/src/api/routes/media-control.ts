/**
 * Media control on a connected call (docs/consoles.md "Hold" and "Listen-in"):
 *   POST   /v1/calls/:id/hold                        {on}   hold audio to the caller / resume (the call's dispatcher or a supervisor)
 *   GET    /v1/calls/:id/hold                               whether the call is held
 *   POST   /v1/calls/:id/listen                             a supervisor's listen-in: the SDP offer for the browser
 *   POST   /v1/calls/:id/listen/:listen_id/answer    {sdp}  the browser's SDP answer
 *   DELETE /v1/calls/:id/listen/:listen_id                  stop listening
 * rtpengine is driven over its NG protocol (engine/rtpengine); every change is audited.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { holdAudioFromEnv, holdState, setHold } from '../../calls/actions/hold.ts';
import { answerListen, startListen, stopListen } from '../../calls/actions/listen-in.ts';
import { assertMayControl, talkingCall, type MediaEngine } from '../../calls/media/session.ts';
import { NgClient } from '../../engine/rtpengine/ng-client.ts';
import { authedErrors, uuid, uuidParams } from '../schemas/common.ts';

export interface MediaControlOptions {
  /** The hold file rtpengine plays (it reads the file itself, so an absolute path on its host). Default: CTI_HOLD_AUDIO / media/hold/hold-zh.wav. */
  holdAudio?: string;
  /** The NG client; default: one for config.rtpengineNg, closed with the app. */
  engine?: MediaEngine;
}

const holdReply = {
  type: 'object', required: ['call_id', 'held', 'since'],
  properties: { call_id: uuid, held: { type: 'boolean' }, since: { type: ['string', 'null'], format: 'date-time' } },
} as const;
const listenParams = {
  type: 'object', additionalProperties: false, required: ['id', 'listen_id'],
  properties: { id: uuid, listen_id: { type: 'string', pattern: '^[A-Za-z0-9_.+-]{1,128}$' } },
} as const;
const sdpText = { type: 'string', minLength: 10, maxLength: 20_000, pattern: '^v=0' } as const;

export function mediaControlRoutes(deps: AppDeps, opts: MediaControlOptions = {}): FastifyPluginAsync {
  const holdAudio = opts.holdAudio ?? holdAudioFromEnv(process.env);
  return async (app) => {
    let engine = opts.engine;
    if (!engine) {
      const client = new NgClient({ ...deps.config.rtpengineNg, log: deps.log });
      app.addHook('onClose', async () => client.close());
      engine = client;
    }
    const ng = engine;

    app.get<{ Params: { id: string } }>('/v1/calls/:id/hold', {
      onRequest: requireRole('dispatcher'),
      schema: { tags: ['calls'], summary: 'Whether the call is on hold', params: uuidParams, response: { 200: holdReply, ...authedErrors(404) } },
    }, async (req) => ({ call_id: req.params.id, ...(await holdState(deps, req.params.id)) }));

    app.post<{ Params: { id: string }; Body: { on: boolean } }>('/v1/calls/:id/hold', {
      onRequest: requireRole('dispatcher', 'supervisor'),
      schema: {
        tags: ['calls'], summary: 'Hold (the caller hears the hold audio) or resume a connected call', params: uuidParams,
        body: { type: 'object', additionalProperties: false, required: ['on'], properties: { on: { type: 'boolean' } } },
        response: { 200: holdReply, ...authedErrors(404, 409, 502, 503) },
      },
    }, async (req) => {
      const call = await talkingCall(deps, req.params.id);
      await assertMayControl(deps, req.user, call);
      return { call_id: call.id, ...(await setHold(deps, ng, holdAudio, call, req.body.on, changeOf(req))) };
    });

    app.post<{ Params: { id: string } }>('/v1/calls/:id/listen', {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['calls'], summary: 'Listen in to a connected call: an SDP offer (WebRTC) with one audio m-line per party', params: uuidParams,
        response: {
          201: {
            type: 'object', required: ['listen_id', 'sdp', 'parties'],
            properties: { listen_id: { type: 'string' }, sdp: { type: 'string' }, parties: { type: 'array', items: { enum: ['caller', 'seat'] } } },
          },
          ...authedErrors(404, 409, 502, 503),
        },
      },
    }, async (req, reply) => {
      const call = await talkingCall(deps, req.params.id);
      return reply.status(201).send(await startListen(deps, ng, call, changeOf(req)));
    });

    app.post<{ Params: { id: string; listen_id: string }; Body: { sdp: string } }>('/v1/calls/:id/listen/:listen_id/answer', {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['calls'], summary: 'The browser\'s SDP answer to a listen-in offer', params: listenParams,
        body: { type: 'object', additionalProperties: false, required: ['sdp'], properties: { sdp: sdpText } },
        response: { 204: { type: 'null' }, ...authedErrors(404, 409, 502, 503) },
      },
    }, async (req, reply) => {
      await answerListen(deps, ng, req.params.id, req.params.listen_id, req.body.sdp, changeOf(req));
      return reply.status(204).send();
    });

    app.delete<{ Params: { id: string; listen_id: string } }>('/v1/calls/:id/listen/:listen_id', {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['calls'], summary: 'Stop listening in', params: listenParams, response: { 204: { type: 'null' }, ...authedErrors(404) } },
    }, async (req, reply) => {
      await stopListen(deps, ng, req.params.id, req.params.listen_id, changeOf(req));
      return reply.status(204).send();
    });
  };
}
