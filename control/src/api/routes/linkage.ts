/**
 * The linkage directory (issue 14): admins manage it (audited); dispatchers and supervisors read their centre's
 * entries that their role may dial (the console's directory search and one-key 110/119/122) and check a dial.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { requireRole } from '../../auth/authenticate.ts';
import {
  createDestination, deleteDestination, getDestination, listDestinations, updateDestination,
  type DestinationPatch, type NewDestination,
} from '../../linkage/directory.ts';
import { mayUse, resolveDial, type DialRequest, type LinkageKind } from '../../linkage/resolve.ts';
import { authedErrors, slugParams } from '../schemas/common.ts';
import {
  createDestinationBody, destinationList, destinationSchema, dialTargetSchema, listDestinationsQuery, patchDestinationBody, resolveBody,
} from '../schemas/linkage.ts';

type Id = { Params: { id: string } };
type ListQuery = { q?: string; kind?: LinkageKind; include_disabled?: boolean };

export function linkageRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const dialler = requireRole('dispatcher', 'supervisor');
    const tags = ['linkage'];

    app.get<{ Querystring: ListQuery }>('/v1/linkage/destinations', {
      onRequest: dialler,
      schema: { tags, summary: 'The linkage directory of your centre (what your role may dial)', querystring: listDestinationsQuery, response: { 200: destinationList, ...authedErrors() } },
    }, async (request) => {
      const isAdmin = request.user.roles.includes('admin');
      const items = await listDestinations(deps.sql, { ...request.query, include_disabled: isAdmin && request.query.include_disabled, centre_id: request.user.centre_id });
      return { items: isAdmin ? items : items.filter((d) => mayUse(d, request.user.roles)) };
    });

    app.get<Id>('/v1/linkage/destinations/:id', {
      onRequest: dialler,
      schema: { tags, summary: 'One destination of your centre\'s directory', params: slugParams, response: { 200: destinationSchema, ...authedErrors(404) } },
    }, async (request) => {
      const d = await getDestination(deps.sql, request.params.id, request.user.roles.includes('admin') ? null : request.user.centre_id);
      // an entry the role may not dial is not shown to it either
      if (!mayUse(d, request.user.roles)) throw new CtiError('CTI_LINKAGE_DESTINATION_NOT_FOUND', { id: d.id });
      return d;
    });

    app.post<{ Body: DialRequest }>('/v1/linkage/resolve', {
      onRequest: dialler,
      schema: {
        tags, summary: 'Check a dial: where a directory entry or a number would go, or why it may not be dialled', body: resolveBody,
        response: { 200: dialTargetSchema, ...authedErrors(403, 404) },
      },
    }, async (request) => {
      const entries = await listDestinations(deps.sql, { centre_id: request.user.centre_id });
      return resolveDial(entries, request.user.roles, request.body);
    });

    app.post<{ Body: NewDestination }>('/v1/linkage/destinations', {
      onRequest: admin,
      schema: { tags, summary: 'Add a destination to a centre\'s linkage directory', body: createDestinationBody, response: { 201: destinationSchema, ...authedErrors(409) } },
    }, async (request, reply) => reply.status(201).send(await createDestination(deps, changeOf(request), request.body)));

    app.patch<Id & { Body: DestinationPatch }>('/v1/linkage/destinations/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Change a destination', params: slugParams, body: patchDestinationBody, response: { 200: destinationSchema, ...authedErrors(404, 409) } },
    }, async (request) => updateDestination(deps, changeOf(request), request.params.id, request.body));

    app.delete<Id>('/v1/linkage/destinations/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Remove a destination', params: slugParams, response: { 200: destinationSchema, ...authedErrors(404) } },
    }, async (request) => deleteDestination(deps, changeOf(request), request.params.id));
  };
}
