/**
 * Blind transfer of a connected call (docs/transfers.md):
 *   POST /v1/calls/:id/transfers   {destination: {destination_id} | {number}, mode: "blind"}   the call's dispatcher or a supervisor
 *   GET  /v1/calls/:id/transfers                                                              the call's transfers, newest last
 * The answer's refer_to is the URI the seat's softphone sends its REFER with; progress comes as events
 * (call.transfer_started.v1, call.transferred.v1, call.transfer_failed.v1) and in the transfer's state here.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { PerKeySerializer } from '../../app/serial.ts';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { startTransfer, transferDeadlineMs, type TransferRequest, type TransferRpc } from '../../calls/transfer/start.ts';
import { transfersOfCall } from '../../calls/transfer/store.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { callOwnership } from '../../calls/records.ts';
import { authedErrors, dateTime, uuid, uuidParams } from '../schemas/common.ts';
import { dialTargetSchema, resolveBody } from '../schemas/linkage.ts';

export interface TransfersOptions {
  rpc: TransferRpc;
  serial: PerKeySerializer;
  /** How long the gateway has to send its new INVITE (CTI_TRANSFER_DEADLINE_MS, default 30 s). */
  deadlineMs?: number;
}

const nullableInt = { type: ['integer', 'null'] } as const;
const transferSchema = {
  type: 'object', required: ['id', 'call_id', 'state', 'target'],
  properties: {
    id: uuid, call_id: uuid, mode: { enum: ['blind'] }, state: { enum: ['requested', 'referred', 'ringing', 'succeeded', 'failed'] }, target: dialTargetSchema,
    from_seat_id: { type: ['string', 'null'] }, new_sip_call_id: { type: ['string', 'null'] }, refer_status: nullableInt, final_status: nullableInt,
    fail_reason: { type: ['string', 'null'] }, requested_at: dateTime, ended_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export function transfersRoutes(deps: AppDeps, opts: TransfersOptions): FastifyPluginAsync {
  const deadlineMs = opts.deadlineMs ?? transferDeadlineMs(process.env);
  const rt = { deps, rpc: opts.rpc, serial: opts.serial, deadlineMs };
  return async (app) => {
    app.post<{ Params: { id: string }; Body: TransferRequest }>('/v1/calls/:id/transfers', {
      onRequest: requireRole('dispatcher', 'supervisor'),
      schema: {
        tags: ['calls'], summary: 'Transfer a connected call (blind) to a destination of the linkage directory', params: uuidParams,
        body: {
          type: 'object', additionalProperties: false, required: ['destination', 'mode'],
          properties: { destination: resolveBody, mode: { enum: ['blind'] } },
        },
        response: {
          201: {
            type: 'object', required: ['transfer_id', 'call_id', 'state', 'target', 'refer_to', 'expires_at'],
            properties: { transfer_id: uuid, call_id: uuid, state: { type: 'string' }, target: dialTargetSchema, refer_to: { type: 'string' }, expires_at: dateTime },
          },
          ...authedErrors(403, 404, 409, 501, 502, 503),
        },
      },
    }, async (req, reply) => reply.status(201).send(await startTransfer(rt, changeOf(req), req.params.id, req.body)));

    app.get<{ Params: { id: string } }>('/v1/calls/:id/transfers', {
      onRequest: requireRole('dispatcher', 'supervisor'),
      schema: {
        tags: ['calls'], summary: 'The transfers of a call and how each went', params: uuidParams,
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: transferSchema } } }, ...authedErrors(404) },
      },
    }, async (req) => {
      const call = await callOwnership(deps.sql, req.params.id);
      if (call.centre_id !== req.user.centre_id && !req.user.roles.includes('admin')) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: req.params.id });
      return { items: await transfersOfCall(deps.sql, req.params.id) };
    });
  };
}
