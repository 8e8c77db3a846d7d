/** Surges and seat templates: supervisors (and admins) create, change and end; see docs/surge.md. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { changeSurge, type SurgePatch } from '../../surge/change.ts';
import { createSurge, type NewSurge } from '../../surge/create.ts';
import { endSurge } from '../../surge/end.ts';
import { getSurge, listSurges } from '../../surge/store.ts';
import { createSeatTemplate, listSeatTemplates, type NewSeatTemplate } from '../../surge/templates.ts';
import type { UsrlocRpc } from '../../seats/registration/unregister.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import {
  createSeatTemplateBody, createSurgeBody, listSurgesQuery, patchSurgeBody, seatTemplateList, seatTemplateSchema,
  surgeCreatedSchema, surgeList, surgeSchema,
} from '../schemas/surge.ts';

type Id = { Params: { id: string } };

export interface SurgeRoutesOptions {
  /** Kamailio's RPC, to drop an ended seat's registrations at once (without it they are refused at the next REGISTER). */
  rpc?: UsrlocRpc;
  /** The origin of the login links, e.g. http://10.1.2.3:8080; by default the one the supervisor's request came to. */
  publicOrigin?: string;
}

function originOf(request: FastifyRequest, opts: SurgeRoutesOptions): string {
  return opts.publicOrigin ?? `${request.protocol}://${request.host}`;
}

export function surgeRoutes(deps: AppDeps, opts: SurgeRoutesOptions = {}) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const supervisor = requireRole('supervisor');
    const tags = ['surge'];

    app.post<{ Body: NewSeatTemplate }>('/v1/seat-templates', {
      onRequest: supervisor,
      schema: { tags, summary: 'Create a seat template (queues, tier, skills, wrap-up, role)', body: createSeatTemplateBody, response: { 201: seatTemplateSchema, ...authedErrors(409) } },
    }, async (request, reply) => reply.status(201).send(await createSeatTemplate(deps, changeOf(request), request.body)));

    app.get('/v1/seat-templates', {
      onRequest: supervisor,
      schema: { tags, summary: 'List seat templates', response: { 200: seatTemplateList, ...authedErrors() } },
    }, async () => ({ items: await listSeatTemplates(deps) }));

    app.post<{ Body: NewSurge }>('/v1/surges', {
      onRequest: supervisor,
      schema: {
        tags, summary: 'Create N surge seats from a template: SIP passwords and login links are returned once',
        body: createSurgeBody, response: { 201: surgeCreatedSchema, ...authedErrors(404, 409) },
      },
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(await createSurge(deps, changeOf(request), request.body, originOf(request, opts)));
    });

    app.get<{ Querystring: { open: boolean; limit: number } }>('/v1/surges', {
      onRequest: supervisor,
      schema: { tags, summary: 'List surges, newest first', querystring: listSurgesQuery, response: { 200: surgeList, ...authedErrors() } },
    }, async (request) => ({ items: await listSurges(deps.sql, request.query) }));

    app.get<Id>('/v1/surges/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'Get a surge and the status of its seats', params: uuidParams, response: { 200: surgeSchema, ...authedErrors(404) } },
    }, async (request) => getSurge(deps.sql, request.params.id));

    app.patch<Id & { Body: SurgePatch }>('/v1/surges/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'Move a running surge\'s expiry', params: uuidParams, body: patchSurgeBody, response: { 200: surgeSchema, ...authedErrors(404, 409) } },
    }, async (request) => changeSurge(deps, changeOf(request), request.params.id, request.body));

    app.post<Id>('/v1/surges/:id/end', {
      onRequest: supervisor,
      schema: {
        tags, summary: 'End a surge now: idle seats are disabled at once, seats in a call after the call',
        params: uuidParams, response: { 200: surgeSchema, ...authedErrors(404, 409) },
      },
    }, async (request) => endSurge(deps, changeOf(request), request.params.id, { rpc: opts.rpc }));
  };
}
