/** The centres of the network (docs/api.md "Centre scoping"): everyone reads the centres in their scope; admins create and change them (audited). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf } from '../../auth/scope.ts';
import { createCentre, getCentre, listCentres, updateCentre, type CentrePatch, type NewCentre } from '../../centres/store.ts';
import { centreList, centreSchema, createCentreBody, patchCentreBody } from '../schemas/centres.ts';
import { authedErrors, noQuery, slugParams } from '../schemas/common.ts';

type Id = { Params: { id: string } };

export function centresRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const tags = ['centres'];
    const head = deps.config.centreId;

    app.get('/v1/centres', {
      schema: { tags, summary: 'The centres you may see (county staff: their own; the city\'s supervisors, QA and admins: all)', querystring: noQuery, response: { 200: centreList, ...authedErrors() } },
    }, async (request) => ({ items: await listCentres(deps.sql, scopeOf(request, head)) }));

    app.get<Id>('/v1/centres/:id', {
      schema: { tags, summary: 'One centre', params: slugParams, querystring: noQuery, response: { 200: centreSchema, ...authedErrors(404) } },
    }, async (request) => getCentre(deps.sql, request.params.id, scopeOf(request, head)));

    app.post<{ Body: NewCentre }>('/v1/centres', {
      onRequest: admin,
      schema: { tags, summary: 'Add a centre (audited as centre.created)', body: createCentreBody, response: { 201: centreSchema, ...authedErrors(409) } },
    }, async (request, reply) => reply.status(201).send(await createCentre(deps.sql, changeOf(request), request.body)));

    app.patch<Id & { Body: CentrePatch }>('/v1/centres/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Change a centre\'s name, SIP domain or callback number (audited as centre.updated)', params: slugParams, body: patchCentreBody, response: { 200: centreSchema, ...authedErrors(404) } },
    }, async (request) => updateCentre(deps.sql, changeOf(request), request.params.id, request.body));
  };
}
