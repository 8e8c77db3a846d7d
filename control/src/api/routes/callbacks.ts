/**
 * The abandoned-call work list and callbacks (docs/callbacks.md): dispatchers list, claim (exclusive), release and
 * close their items; supervisors see everything, reassign and close any item; the centre's callback settings.
 * Every change is audited (callbacks/service.ts). Also links Kamailio's outbound-call events (engine-link.ts).
 */
import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { CallbackAuthoriser } from '../../callbacks/authorisation.ts';
import { linkCallbacksToEngine } from '../../callbacks/engine-link.ts';
import type { ItemStatus, PersonOutcome } from '../../callbacks/machine.ts';
import { assertOwnCentre, CallbackService } from '../../callbacks/service.ts';
import { getCallbackSettings, updateCallbackSettings, type SettingsChange } from '../../callbacks/settings.ts';
import { getWorkItem, listWorkItems } from '../../callbacks/store.ts';
import type { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { authedErrors, noQuery } from '../schemas/common.ts';
import {
  assigneeList, changeReply, claimBody, closeBody, itemParams, reassignBody, settingsBody, settingsSchema, workItemSchema, workListPage, workListQuery,
} from '../schemas/callbacks.ts';

type Id = { Params: { id: string } };
interface ListQuery { status?: ItemStatus; queue_id?: string; mine?: boolean; claimed_by?: string; from?: string; to?: string; offset: number; limit: number }

export function callbacksRoutes(deps: AppDeps, engine: { rpc: KamailioRpc; evapi?: EventEmitter }) {
  const authoriser = new CallbackAuthoriser(deps, engine.rpc);
  const service = new CallbackService(deps, authoriser);
  if (engine.evapi) linkCallbacksToEngine(deps, engine.evapi, authoriser);
  return async function routes(app: FastifyInstance): Promise<void> {
    const tags = ['callbacks'];
    const reader = requireRole('dispatcher', 'supervisor');
    const dispatcher = requireRole('dispatcher');
    const holderOrSupervisor = requireRole('dispatcher', 'supervisor');
    const supervisor = requireRole('supervisor');

    app.get<{ Querystring: ListQuery }>('/v1/callbacks', {
      onRequest: reader,
      schema: { tags, summary: 'The abandoned-call work list: open first, then claimed, then done; newest first', querystring: workListQuery, response: { 200: workListPage, ...authedErrors() } },
    }, async (request) => {
      const { mine, ...q } = request.query;
      return listWorkItems(deps.sql, { ...q, centre_id: request.user.centre_id, claimed_by: mine ? request.user.id : q.claimed_by });
    });

    app.get<Id>('/v1/callbacks/:id', {
      onRequest: reader,
      schema: { tags, summary: 'One work-list item', params: itemParams, response: { 200: workItemSchema, ...authedErrors(404) } },
    }, async (request) => assertOwnCentre(await getWorkItem(deps.sql, request.params.id), request.user));

    app.post<Id & { Body: { seat_id?: string } }>('/v1/callbacks/:id/claim', {
      onRequest: dispatcher,
      schema: {
        tags, summary: 'Claim an item (exclusive): my seat may then dial its number; claiming again refreshes that',
        params: itemParams, body: claimBody, response: { 200: changeReply, ...authedErrors(404, 409) },
      },
    }, async (request) => service.claim(changeOf(request), request.params.id, request.body?.seat_id));

    app.post<Id>('/v1/callbacks/:id/release', {
      onRequest: holderOrSupervisor,
      schema: { tags, summary: 'Give a claimed item back to the list (its holder or a supervisor)', params: itemParams, response: { 200: changeReply, ...authedErrors(404, 409) } },
    }, async (request) => service.release(changeOf(request), request.params.id));

    app.post<Id & { Body: { user_id: string; seat_id?: string } }>('/v1/callbacks/:id/reassign', {
      onRequest: supervisor,
      schema: { tags, summary: 'Give an item to a dispatcher (supervisor)', params: itemParams, body: reassignBody, response: { 200: changeReply, ...authedErrors(404, 409) } },
    }, async (request) => service.reassign(changeOf(request), request.params.id, request.body.user_id, request.body.seat_id));

    app.post<Id & { Body: { outcome: PersonOutcome; note?: string } }>('/v1/callbacks/:id/close', {
      onRequest: holderOrSupervisor,
      schema: { tags, summary: 'Close an item with its outcome (its holder, or a supervisor for any item)', params: itemParams, body: closeBody, response: { 200: changeReply, ...authedErrors(404, 409) } },
    }, async (request) => service.close(changeOf(request), request.params.id, request.body.outcome, request.body.note ?? null));

    app.get('/v1/callbacks/assignees', {
      onRequest: supervisor,
      schema: { tags, summary: 'Dispatchers an item can be given to, with the seat each is logged in at (supervisor)', querystring: noQuery, response: { 200: assigneeList, ...authedErrors() } },
    }, async (request) => ({ items: await service.assignees(request.user.centre_id) }));

    app.get('/v1/callbacks/settings', {
      onRequest: reader,
      schema: { tags, summary: 'The number callbacks present and the gateway they leave through', querystring: noQuery, response: { 200: settingsSchema, ...authedErrors() } },
    }, async (request) => getCallbackSettings(deps.sql, request.user.centre_id));

    app.put<{ Body: SettingsChange }>('/v1/callbacks/settings', {
      onRequest: requireRole('admin'),
      schema: { tags, summary: 'Set the callback number and a trunk\'s outbound gateway (admin)', body: settingsBody, response: { 200: settingsSchema, ...authedErrors() } },
    }, async (request) => {
      const after = await updateCallbackSettings(deps, changeOf(request), request.user.centre_id, request.body);
      await authoriser.resyncAuthorisations().catch((err) => deps.log.warn({ err: String(err) }, 'callback authorisations not re-sent'));
      return after;
    });
  };
}
