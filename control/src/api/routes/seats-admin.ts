/** Seat administration: admin writes, supervisors (and admins) read. The seat state routes live elsewhere. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf } from '../../auth/scope.ts';
import { createSeat, disableSeat, getSeat, listSeats, updateSeat, type NewSeat, type SeatPatch } from '../../seats/admin/service.ts';
import { authedErrors, slugParams } from '../schemas/common.ts';
import { createSeatBody, listSeatsQuery, patchSeatBody, seatList, seatSchema } from '../schemas/seats.ts';

type Id = { Params: { id: string } };

export function seatsAdminRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const admin = requireRole('admin');
    const reader = requireRole('supervisor');
    const tags = ['seats'];

    app.post<{ Body: NewSeat }>('/v1/seats', {
      onRequest: admin,
      schema: {
        tags, summary: 'Create a seat with its SIP credentials (only the digest HA1 is stored)',
        body: createSeatBody, response: { 201: seatSchema, ...authedErrors(409) },
      },
    }, async (request, reply) => reply.status(201).send(await createSeat(deps, changeOf(request), request.body)));

    app.get<{ Querystring: { centre_id?: string; include_disabled: boolean } }>('/v1/seats', {
      onRequest: reader,
      schema: { tags, summary: 'List seats', querystring: listSeatsQuery, response: { 200: seatList, ...authedErrors() } },
    }, async (request) => ({ items: await listSeats(deps, { ...request.query, centres: scopeOf(request, deps.config.centreId) }) }));

    app.get<Id>('/v1/seats/:id', {
      onRequest: reader,
      schema: { tags, summary: 'Get a seat', params: slugParams, response: { 200: seatSchema, ...authedErrors(404) } },
    }, async (request) => getSeat(deps, request.params.id, scopeOf(request, deps.config.centreId)));

    app.patch<Id & { Body: SeatPatch }>('/v1/seats/:id', {
      onRequest: admin,
      schema: {
        tags, summary: 'Change a seat (a new sip_username needs the sip_password too)',
        params: slugParams, body: patchSeatBody, response: { 200: seatSchema, ...authedErrors(404, 409) },
      },
    }, async (request) => updateSeat(deps, changeOf(request), request.params.id, request.body));

    app.delete<Id>('/v1/seats/:id', {
      onRequest: admin,
      schema: {
        tags, summary: 'Disable a seat: Kamailio refuses its REGISTER and INVITE at once; its history stays',
        params: slugParams, response: { 200: seatSchema, ...authedErrors(404) },
      },
    }, async (request) => disableSeat(deps, changeOf(request), request.params.id));
  };
}
