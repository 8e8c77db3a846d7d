/**
 * Queue administration, live: list with live figures, create (admin), change and set members
 * (supervisor), inbound routes (admin). Every change is audited and applies at once (queues/changes.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf } from '../../auth/scope.ts';
import { applyQueueChange, type QueueChangeListener } from '../../queues/changes.ts';
import {
  createInboundRoute, deleteInboundRoute, getInboundRoute, listInboundRoutes, updateInboundRoute, type InboundRoutePatch, type NewInboundRoute,
} from '../../queues/inbound-routes.ts';
import { queuesLive } from '../../queues/live.ts';
import { createQueue, getQueue, listQueues, setQueueMembers, updateQueue, type NewQueue, type Queue, type QueuePatch } from '../../queues/service.ts';
import { authedErrors, slugParams } from '../schemas/common.ts';
import {
  createInboundRouteBody, createQueueBody, inboundRouteDeleteReply, inboundRouteList, inboundRouteParams, inboundRouteSchema, listInboundRoutesQuery,
  listQueuesQuery, patchInboundRouteBody, patchQueueBody, queueList, queueMembersBody, queueWithLive,
} from '../schemas/queues.ts';

type Id = { Params: { id: string } };
type RouteId = { Params: { id: number } };

export interface QueuesRoutesOptions {
  /** Runs after every applied change with the queues it touched: main.ts passes the distributor's kick. */
  onChange?: QueueChangeListener;
}

export function queuesRoutes(deps: AppDeps, opts: QueuesRoutesOptions = {}) {
  const withLive = async (queues: Queue[]) => {
    const live = await queuesLive(deps.redis, queues.map((q) => q.id));
    return queues.map((q) => {
      const { queue_id: _id, ...figures } = live.get(q.id)!;
      return { ...q, live: figures };
    });
  };
  const applied = async (queue: Queue, seats: { id: string; queues: string[] }[] = []) => {
    await applyQueueChange(deps.redis, [queue.id], opts.onChange, seats);
    return (await withLive([queue]))[0];
  };
  const routesChanged = () => applyQueueChange(deps.redis, [], undefined);

  return async function routes(app: FastifyInstance): Promise<void> {
    const watch = requireRole('dispatcher');
    const supervisor = requireRole('supervisor');
    const admin = requireRole('admin');
    const tags = ['queues'];

    app.get<{ Querystring: { centre_id?: string } }>('/v1/queues', {
      onRequest: watch,
      schema: { tags, summary: 'Queues with live figures (waiting, longest wait, ready seats)', querystring: listQueuesQuery, response: { 200: queueList, ...authedErrors() } },
    }, async (request) => ({ items: await withLive(await listQueues(deps, { ...request.query, centres: scopeOf(request, deps.config.centreId) })) }));

    app.get<Id>('/v1/queues/:id', {
      onRequest: watch,
      schema: { tags, summary: 'A queue with live figures', params: slugParams, response: { 200: queueWithLive, ...authedErrors(404) } },
    }, async (request) => (await withLive([await getQueue(deps, request.params.id, scopeOf(request, deps.config.centreId))]))[0]);

    app.post<{ Body: NewQueue }>('/v1/queues', {
      onRequest: admin,
      schema: { tags, summary: 'Create a queue', body: createQueueBody, response: { 201: queueWithLive, ...authedErrors(409) } },
    }, async (request, reply) => reply.status(201).send(await applied(await createQueue(deps, changeOf(request), request.body))));

    app.patch<Id & { Body: QueuePatch }>('/v1/queues/:id', {
      onRequest: supervisor,
      schema: {
        tags, summary: 'Change a queue (strategy, timers, priority, alarm thresholds, announcements); applies to waiting calls at once',
        params: slugParams, body: patchQueueBody, response: { 200: queueWithLive, ...authedErrors(404) },
      },
    }, async (request) => applied(await updateQueue(deps, changeOf(request), request.params.id, request.body)));

    app.put<Id & { Body: { seat_ids: string[] } }>('/v1/queues/:id/seats', {
      onRequest: supervisor,
      schema: {
        tags, summary: 'Set the member seats of a queue; a seat that joins takes a waiting call at once',
        params: slugParams, body: queueMembersBody, response: { 200: queueWithLive, ...authedErrors(404) },
      },
    }, async (request) => {
      const change = await setQueueMembers(deps, changeOf(request), request.params.id, request.body.seat_ids);
      return applied(change.queue, change.seats);
    });

    app.get<{ Querystring: { centre_id?: string; queue_id?: string } }>('/v1/inbound-routes', {
      onRequest: supervisor,
      schema: { tags, summary: 'Inbound routes (called number, trunk -> queue)', querystring: listInboundRoutesQuery, response: { 200: inboundRouteList, ...authedErrors() } },
    }, async (request) => ({ items: await listInboundRoutes(deps, request.query) }));

    app.get<RouteId>('/v1/inbound-routes/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'An inbound route', params: inboundRouteParams, response: { 200: inboundRouteSchema, ...authedErrors(404) } },
    }, async (request) => getInboundRoute(deps, request.params.id));

    app.post<{ Body: NewInboundRoute }>('/v1/inbound-routes', {
      onRequest: admin,
      schema: { tags, summary: 'Add an inbound route', body: createInboundRouteBody, response: { 201: inboundRouteSchema, ...authedErrors(409) } },
    }, async (request, reply) => {
      const route = await createInboundRoute(deps, changeOf(request), request.body);
      await routesChanged();
      return reply.status(201).send(route);
    });

    app.patch<RouteId & { Body: InboundRoutePatch }>('/v1/inbound-routes/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Change an inbound route', params: inboundRouteParams, body: patchInboundRouteBody, response: { 200: inboundRouteSchema, ...authedErrors(404, 409) } },
    }, async (request) => {
      const route = await updateInboundRoute(deps, changeOf(request), request.params.id, request.body);
      await routesChanged();
      return route;
    });

    app.delete<RouteId>('/v1/inbound-routes/:id', {
      onRequest: admin,
      schema: { tags, summary: 'Remove an inbound route (calls to the number then land in the centre\'s first queue)', params: inboundRouteParams, response: { 200: inboundRouteDeleteReply, ...authedErrors(404) } },
    }, async (request) => {
      const gone = await deleteInboundRoute(deps, changeOf(request), request.params.id);
      await routesChanged();
      return { id: gone.id, deleted: true };
    });
  };
}
