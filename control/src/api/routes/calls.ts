/**
 * Call records for the consoles, QA and dispatch: the list with filters, one call with its offers,
 * legs and event log, and the abandoned-call work list. Read-only: the call flow writes these rows.
 * `/v1/calls/abandoned` is a static route, so it wins over `/v1/calls/:id` (find-my-way prefers static).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf } from '../../auth/scope.ts';
import { listWorkItems } from '../../callbacks/store.ts';
import { getCall, listCalls, type AbandonedFilter, type CallFilter } from '../../calls/records.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import { abandonedPage, abandonedQuery, callDetail, callPage, listCallsQuery } from '../schemas/calls.ts';

export function callsRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const reader = requireRole('dispatcher', 'qa', 'supervisor', 'integration');
    const tags = ['calls'];
    const head = deps.config.centreId;

    app.get<{ Querystring: CallFilter }>('/v1/calls', {
      onRequest: reader,
      schema: {
        tags, summary: 'Calls, newest first, with their timings; page with before=next_before',
        querystring: listCallsQuery, response: { 200: callPage, ...authedErrors() },
      },
    }, async (request) => listCalls(deps.sql, { ...request.query, centres: scopeOf(request, head) }));

    app.get<{ Querystring: AbandonedFilter }>('/v1/calls/abandoned', {
      onRequest: reader,
      schema: {
        tags, summary: 'The abandoned-call work list for callback: open first, newest first',
        querystring: abandonedQuery, response: { 200: abandonedPage, ...authedErrors() },
      },
    }, async (request) => listWorkItems(deps.sql, { ...request.query, centres: scopeOf(request, head) })); // the same rows as GET /v1/callbacks, in an older, shorter form

    app.get<{ Params: { id: string } }>('/v1/calls/:id', {
      onRequest: reader,
      schema: {
        tags, summary: 'One call: the record with its timings, its offers to seats, its legs and its event log',
        params: uuidParams, response: { 200: callDetail, ...authedErrors(404) },
      },
    }, async (request) => getCall(deps.sql, request.params.id, scopeOf(request, head)));
  };
}
