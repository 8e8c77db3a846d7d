/**
 * Consultative transfer (docs/mixer.md "Consultative transfer"; calls/consult/):
 *   POST /v1/calls/:id/consultations {destination}   hold the caller in the call's room, dial the target privately
 *   GET  /v1/calls/:id/consultations                 the phase: requested, dialling, talking, target_failed (with why),
 *                                                    completed, merged, cancelled, failed, ended
 *   POST /v1/calls/:id/consultations/complete        caller and target connected, the dispatcher leaves (wrap-up)
 *   POST /v1/calls/:id/consultations/merge           a three-way call (caller, dispatcher, target)
 *   POST /v1/calls/:id/consultations/cancel          the target dropped, the caller back with the dispatcher
 * An action the phase does not allow: 409 CTI_CONSULT_ILLEGAL_TRANSITION, nothing sent. A dispatcher acts only on
 * the call answered at their seat, a supervisor on any (calls/conference/access.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { changeOf } from '../../audit/request.ts';
import type { ThreeWayRequest } from '../../calls/conference/anchor.ts';
import { assertMayUseCall } from '../../calls/conference/access.ts';
import type { LegEnv } from '../../calls/conference/legs.ts';
import { cancelConsultation } from '../../calls/consult/cancel.ts';
import { completeConsultation } from '../../calls/consult/complete.ts';
import { consultationNow, consultationView } from '../../calls/consult/current.ts';
import { mergeConsultation } from '../../calls/consult/merge.ts';
import { startConsultation } from '../../calls/consult/start.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import { resolveBody } from '../schemas/linkage.ts';

const view = {
  type: 'object', required: ['call_id', 'room_id', 'phase'],
  properties: {
    call_id: { type: 'string' }, room_id: { type: 'string' }, phase: { type: 'string' },
    destination: { type: 'object', properties: { destination_id: { type: 'string' }, name: { type: 'string' }, number: { type: 'string' } } },
    started_at: { type: 'string' }, deadline_at: { type: 'string' }, ended_by: { type: ['string', 'null'] }, ended_at: { type: ['string', 'null'] },
    target: { type: ['object', 'null'], properties: { participant_id: { type: 'string' }, state: { type: 'string' } } },
    target_failure: { type: ['string', 'null'] },
  },
} as const;

export function consultationsRoutes(deps: AppDeps, env: LegEnv): FastifyPluginAsync {
  const roles = requireRole('dispatcher', 'supervisor');
  const actions = { complete: completeConsultation, merge: mergeConsultation, cancel: cancelConsultation } as const;
  return async (app) => {
    app.post<{ Params: { id: string }; Body: ThreeWayRequest }>('/v1/calls/:id/consultations', {
      onRequest: roles,
      schema: {
        tags: ['calls'], summary: 'Consult a target (110, a doctor, a centre) while the caller hears the hold audio', params: uuidParams,
        body: { type: 'object', additionalProperties: false, required: ['destination'], properties: { destination: resolveBody } },
        response: {
          201: {
            type: 'object', required: ['call_id', 'room_id', 'phase', 'anchor', 'deadline_at'],
            properties: {
              call_id: { type: 'string' }, room_id: { type: 'string' }, phase: { type: 'string' }, deadline_at: { type: 'string' },
              destination: view.properties.destination,
              anchor: { type: ['object', 'null'], properties: { header: { type: 'string' }, token: { type: 'string' }, expires_s: { type: 'integer' } } },
            },
          },
          ...authedErrors(403, 404, 409, 501, 502, 503),
        },
      },
    }, async (req, reply) => reply.status(201).send(await startConsultation(env, changeOf(req), req.params.id, req.body)));

    app.get<{ Params: { id: string } }>('/v1/calls/:id/consultations', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'The call\'s consultation and its phase', params: uuidParams, response: { 200: view, ...authedErrors(403, 404) } },
    }, async (req) => {
      await assertMayUseCall(deps, req.user, req.params.id);
      return consultationView(env, await consultationNow(env, req.params.id));
    });

    for (const [action, run] of Object.entries(actions)) {
      app.post<{ Params: { id: string } }>(`/v1/calls/:id/consultations/${action}`, {
        onRequest: roles, schema: { tags: ['calls'], summary: `${action[0]!.toUpperCase()}${action.slice(1)} the consultation`, params: uuidParams, response: { 200: view, ...authedErrors(403, 404, 409, 502) } },
      }, async (req) => consultationView(env, await run(env, changeOf(req), req.params.id)));
    }
  };
}
