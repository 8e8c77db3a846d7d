/** Trunk administration (admin); every change asks Kamailio to reload its address table. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { reloadTrunkAddresses, type AddressReloader } from '../../trunks/reload.ts';
import { createTrunk, deleteTrunk, getTrunk, listTrunks, updateTrunk, type NewTrunk, type TrunkPatch } from '../../trunks/service.ts';
import { authedErrors, slugParams } from '../schemas/common.ts';
import { createTrunkBody, listTrunksQuery, patchTrunkBody, trunkChangeReply, trunkDeleteReply, trunkList, trunkSchema } from '../schemas/trunks.ts';

type Id = { Params: { id: string } };

export function trunksRoutes(deps: AppDeps & { kamailio?: AddressReloader }) {
  const reload = () => reloadTrunkAddresses(deps.kamailio, deps.log);
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const tags = ['trunks'];

    app.post<{ Body: NewTrunk }>('/v1/trunks', {
      onRequest: admin,
      schema: { tags, summary: 'Add a trunk gateway', body: createTrunkBody, response: { 201: trunkChangeReply, ...authedErrors(409) } },
    }, async (request, reply) => {
      const trunk = await createTrunk(deps, changeOf(request), request.body);
      return reply.status(201).send({ ...trunk, ...(await reload()) });
    });

    app.get<{ Querystring: { centre_id?: string } }>('/v1/trunks', {
      onRequest: admin,
      schema: { tags, summary: 'List trunks', querystring: listTrunksQuery, response: { 200: trunkList, ...authedErrors() } },
    }, async (request) => ({ items: await listTrunks(deps, request.query) }));

    app.get<Id>('/v1/trunks/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Get a trunk', params: slugParams, response: { 200: trunkSchema, ...authedErrors(404) } },
    }, async (request) => getTrunk(deps, request.params.id));

    app.patch<Id & { Body: TrunkPatch }>('/v1/trunks/:id', {
      onRequest: admin,
      schema: {
        tags, summary: 'Change a trunk', params: slugParams, body: patchTrunkBody,
        response: { 200: trunkChangeReply, ...authedErrors(404, 409) },
      },
    }, async (request) => ({ ...(await updateTrunk(deps, changeOf(request), request.params.id, request.body)), ...(await reload()) }));

    app.delete<Id>('/v1/trunks/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Remove a trunk', params: slugParams, response: { 200: trunkDeleteReply, ...authedErrors(404) } },
    }, async (request) => {
      const gone = await deleteTrunk(deps, changeOf(request), request.params.id);
      return { id: gone.id, deleted: true, ...(await reload()) };
    });
  };
}
