/** Trunk group administration (admin): members, audited; every change asks Kamailio to reload (dispatcher). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { reloadTrunkAddresses, type AddressReloader } from '../../trunks/reload.ts';
import {
  createTrunkGroup, deleteTrunkGroup, getTrunkGroup, listTrunkGroups, updateTrunkGroup, type NewTrunkGroup, type TrunkGroupPatch,
} from '../../trunks/groups.ts';
import { authedErrors, slugParams } from '../schemas/common.ts';
import { createTrunkGroupBody, patchTrunkGroupBody, trunkGroupChangeReply, trunkGroupList, trunkGroupSchema } from '../schemas/trunk-groups.ts';
import { listTrunksQuery, trunkDeleteReply } from '../schemas/trunks.ts';

type Id = { Params: { id: string } };

export function trunkGroupsRoutes(deps: AppDeps & { kamailio?: AddressReloader }) {
  const reload = () => reloadTrunkAddresses(deps.kamailio, deps.log);
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const tags = ['trunks'];

    app.post<{ Body: NewTrunkGroup }>('/v1/trunk-groups', {
      onRequest: admin,
      schema: { tags, summary: 'Add a trunk group (gateways that back each other up)', body: createTrunkGroupBody, response: { 201: trunkGroupChangeReply, ...authedErrors(409) } },
    }, async (request, reply) => {
      const group = await createTrunkGroup(deps, changeOf(request), request.body);
      return reply.status(201).send({ ...group, ...(await reload()) });
    });

    app.get<{ Querystring: { centre_id?: string } }>('/v1/trunk-groups', {
      onRequest: admin,
      schema: { tags, summary: 'List trunk groups', querystring: listTrunksQuery, response: { 200: trunkGroupList, ...authedErrors() } },
    }, async (request) => ({ items: await listTrunkGroups(deps, request.query) }));

    app.get<Id>('/v1/trunk-groups/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Get a trunk group', params: slugParams, response: { 200: trunkGroupSchema, ...authedErrors(404) } },
    }, async (request) => getTrunkGroup(deps, request.params.id));

    app.patch<Id & { Body: TrunkGroupPatch }>('/v1/trunk-groups/:id', {
      onRequest: admin,
      schema: {
        tags, summary: 'Rename a trunk group or set its members', params: slugParams, body: patchTrunkGroupBody,
        response: { 200: trunkGroupChangeReply, ...authedErrors(404, 409) },
      },
    }, async (request) => ({ ...(await updateTrunkGroup(deps, changeOf(request), request.params.id, request.body)), ...(await reload()) }));

    app.delete<Id>('/v1/trunk-groups/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Remove a trunk group (its trunks stay)', params: slugParams, response: { 200: trunkDeleteReply, ...authedErrors(404) } },
    }, async (request) => {
      const gone = await deleteTrunkGroup(deps, changeOf(request), request.params.id);
      return { id: gone.id, deleted: true, ...(await reload()) };
    });
  };
}
