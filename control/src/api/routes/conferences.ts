/**
 * Conference rooms of a call (docs/mixer.md):
 *   POST   /v1/calls/:id/conference                               open the call's room (Janus AudioBridge)
 *   POST   /v1/calls/:id/three-way {destination}                  a three-way call: caller and seat into the room, the
 *                                                                  destination dialled in (calls/conference/anchor.ts)
 *   GET    /v1/conferences/:room_id                               the room and its parties
 *   POST   /v1/conferences/:room_id/invitations                   a one-time SIP address for one party to join
 *   POST   /v1/conferences/:room_id/participants/:pid/mute {muted} mute or unmute a party
 *   POST   /v1/calls/:id/three-way/leave                          the dispatcher leaves; the caller talks on with the
 *                                                                  others, the seat goes to wrap-up (seat-leaves.ts)
 *   DELETE /v1/conferences/:room_id/participants/:pid             drop a party (it gets a BYE); the seat's own
 *                                                                  participant: the dispatcher leaves; the caller: 409
 *   DELETE /v1/conferences/:room_id                               close the room (every party gets a BYE)
 * Mixer down: 503 CTI_MIXER_UNAVAILABLE, nothing changed (the two-party call goes on). A dispatcher acts only on
 * the call answered at their seat and its room, a supervisor on any (calls/conference/access.ts); else 404/403.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { closeRoom, leave, setMuted, type LegEnv } from '../../calls/conference/legs.ts';
import { invite, openRoom, openRoomOrThrow } from '../../calls/conference/rooms.ts';
import { assertMayUseCall, assertMayUseRoom } from '../../calls/conference/access.ts';
import type { AuthUser } from '../../auth/user.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import { resolveBody } from '../schemas/linkage.ts';
import { changeOf } from '../../audit/request.ts';
import { startThreeWay, type ThreeWayRequest } from '../../calls/conference/anchor.ts';
import { seatLeaves } from '../../calls/conference/seat-leaves.ts';
import { afterPartyLeft } from '../../calls/conference/caller-alone.ts';
import { recordAudit } from '../../audit/record.ts';

const roomParams = {
  type: 'object', additionalProperties: false, required: ['room_id'], properties: { room_id: { type: 'string', pattern: '^[0-9]{9}$' } },
} as const;
const partParams = {
  type: 'object', additionalProperties: false, required: ['room_id', 'pid'],
  properties: { room_id: { type: 'string', pattern: '^[0-9]{9}$' }, pid: { type: 'string', format: 'uuid' } },
} as const;

export function conferencesRoutes(deps: AppDeps, env: LegEnv): FastifyPluginAsync {
  const roles = requireRole('dispatcher', 'supervisor');
  /** The room, if this user may act on its call (else not found). */
  const roomFor = async (user: AuthUser, roomId: string) => {
    const room = await openRoomOrThrow(env, roomId);
    await assertMayUseRoom(deps, user, room);
    return room;
  };
  return async (app) => {
    app.post<{ Params: { id: string } }>('/v1/calls/:id/conference', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'Open the call\'s conference room', params: uuidParams, response: authedErrors(403, 404, 503) },
    }, async (req, reply) => {
      const room = await openRoom(env, await assertMayUseCall(deps, req.user, req.params.id));
      return reply.status(201).send({ room_id: room.room_id, call_id: room.call_id, state: room.state, recording: room.recording });
    });

    app.post<{ Params: { id: string }; Body: ThreeWayRequest }>('/v1/calls/:id/three-way', {
      onRequest: roles,
      schema: {
        tags: ['calls'], summary: 'Bring an outside party (110, 119, 122, a doctor) onto a connected call', params: uuidParams,
        body: { type: 'object', additionalProperties: false, required: ['destination'], properties: { destination: resolveBody } },
        response: {
          201: {
            type: 'object', required: ['call_id', 'room_id', 'state', 'destination', 'anchor'],
            properties: {
              call_id: { type: 'string' }, room_id: { type: 'string' }, state: { type: 'string' },
              destination: { type: 'object', properties: { destination_id: { type: 'string' }, name: { type: 'string' }, number: { type: 'string' } } },
              anchor: { type: ['object', 'null'], properties: { header: { type: 'string' }, token: { type: 'string' }, expires_s: { type: 'integer' } } },
            },
          },
          ...authedErrors(403, 404, 409, 501, 502, 503),
        },
      },
    }, async (req, reply) => reply.status(201).send(await startThreeWay(env, changeOf(req), req.params.id, req.body)));

    app.post<{ Params: { id: string } }>('/v1/calls/:id/three-way/leave', {
      onRequest: roles,
      schema: {
        tags: ['calls'], summary: 'The dispatcher leaves a three-way call: the caller and the other parties talk on', params: uuidParams,
        response: {
          200: {
            type: 'object', required: ['call_id', 'room_id', 'state', 'parties'],
            properties: {
              call_id: { type: 'string' }, room_id: { type: 'string' }, state: { type: 'string' },
              parties: { type: 'array', items: { type: 'object', properties: { participant_id: { type: 'string' }, party: { type: ['string', 'null'] } } } },
            },
          },
          ...authedErrors(403, 404, 409, 502),
        },
      },
    }, async (req) => seatLeaves(env, changeOf(req), req.params.id));

    app.get<{ Params: { room_id: string } }>('/v1/conferences/:room_id', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'A conference room and its parties', params: roomParams, response: authedErrors(404) },
    }, async (req) => {
      const room = await roomFor(req.user, req.params.room_id);
      const parts = await env.store.participants(room.room_id);
      return { ...room, participants: parts.map((p) => ({ participant_id: p.participant_id, party: p.party, state: p.state, leg_id: p.leg_id ?? null, anchored: p.anchored ?? null })) };
    });

    app.post<{ Params: { room_id: string } }>('/v1/conferences/:room_id/invitations', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'A one-time SIP address for one party', params: roomParams, response: authedErrors(404, 409, 503) },
    }, async (req, reply) => {
      await roomFor(req.user, req.params.room_id);
      return reply.status(201).send(await invite(env, req.params.room_id));
    });

    app.post<{ Params: { room_id: string; pid: string }; Body: { muted: boolean } }>('/v1/conferences/:room_id/participants/:pid/mute', {
      onRequest: roles,
      schema: {
        tags: ['calls'], summary: 'Mute or unmute a party', params: partParams,
        body: { type: 'object', additionalProperties: false, required: ['muted'], properties: { muted: { type: 'boolean' } } },
        response: authedErrors(404, 409, 503),
      },
    }, async (req) => {
      await roomFor(req.user, req.params.room_id);
      const p = await setMuted(env, req.params.room_id, req.params.pid, req.body.muted);
      return { participant_id: p.participant_id, state: p.state };
    });

    app.delete<{ Params: { room_id: string; pid: string } }>('/v1/conferences/:room_id/participants/:pid', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'Drop a party (it gets a BYE)', params: partParams, response: authedErrors(404, 409) },
    }, async (req, reply) => {
      await roomFor(req.user, req.params.room_id);
      const p = await env.store.participant(req.params.room_id, req.params.pid);
      if (!p) throw new CtiError('CTI_CONFERENCE_NOT_FOUND', { room_id: req.params.room_id, participant_id: req.params.pid });
      if (p.anchored === 'caller') throw new CtiError('CTI_CONFERENCE_CALLER_NOT_DROPPABLE', { room_id: req.params.room_id, participant_id: p.participant_id });
      if (p.anchored === 'seat') {
        await seatLeaves(env, changeOf(req), p.call_id);
        return reply.status(204).send();
      }
      await leave(env, p, 'dropped');
      await recordAudit(deps.sql, {
        actor: req.user, ip: changeOf(req).ip, action: 'call.party_dropped', target_type: 'call', target_id: p.call_id,
        before: { participant_id: p.participant_id, party: p.party }, after: { left: 'dropped' },
      });
      await afterPartyLeft(env, p.room_id);
      return reply.status(204).send();
    });

    app.delete<{ Params: { room_id: string } }>('/v1/conferences/:room_id', {
      onRequest: roles, schema: { tags: ['calls'], summary: 'Close the room', params: roomParams, response: authedErrors(404) },
    }, async (req, reply) => {
      await closeRoom(env, await roomFor(req.user, req.params.room_id), 'room_closed');
      return reply.status(204).send();
    });
  };
}
