import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { hasAnyRole } from '../../auth/roles.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { changeOf } from '../../audit/request.ts';
import { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { dropRegistrationOnLogout } from '../../seats/registration/drop-on-logout.ts';
import { regKey } from '../../seats/state/registrations.ts';
import { allSeatsLive, getSeatLive, loadSeats, transitionSeat, type SeatLive } from '../../seats/state/store.ts';
import { CALL_OWNED_STATES } from '../../seats/state/machine.ts';
import type { SeatStateName } from '../../events/schema.ts';
import { ERROR_SCHEMA_ID } from '../schemas/common.ts';

/** Seat state by the people at the seat (dispatchers) and their supervisors: login, ready, not-ready, logout. */
const seatStateSchema = {
  type: 'object',
  required: ['seat_id', 'state', 'reason', 'since', 'registered', 'user_id', 'call'],
  properties: {
    seat_id: { type: 'string' }, state: { type: 'string' }, reason: { type: ['string', 'null'] }, since: { type: 'string' },
    registered: { type: 'boolean' }, user_id: { type: ['string', 'null'] }, call: { type: ['string', 'null'] },
  },
} as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const errorRef = { $ref: `${ERROR_SCHEMA_ID}#` } as const;
const responses = { 200: seatStateSchema, 401: errorRef, 403: errorRef, 404: errorRef, 409: errorRef } as const;

export function seatStateRoutes(deps: AppDeps, onReady: () => void): FastifyPluginAsync {
  const rpc = new KamailioRpc({ url: deps.config.kamailioRpcUrl });
  async function view(s: SeatLive): Promise<Record<string, unknown>> {
    const registered = (await deps.redis.exists(regKey(s.sipUser))) === 1;
    return { seat_id: s.seatId, state: s.state, reason: s.reason, since: new Date(s.sinceMs).toISOString(), registered, user_id: s.userId, call: s.call };
  }

  async function load(id: string): Promise<SeatLive> {
    let s = await getSeatLive(deps.redis, id);
    if (!s) {
      await loadSeats(deps); // a seat created a moment ago
      s = await getSeatLive(deps.redis, id);
    }
    if (!s) throw new CtiError('CTI_SEAT_NOT_FOUND', { seat_id: id });
    return s;
  }

  function assertMayAct(req: FastifyRequest, s: SeatLive): void {
    if (hasAnyRole(req.user.roles, ['supervisor'], 'write')) return;
    if (s.userId && s.userId !== req.user.id) throw new CtiError('CTI_FORBIDDEN', { seat_id: s.seatId, reason: 'another dispatcher is logged in at this seat' });
  }

  async function change(req: FastifyRequest<{ Params: { id: string } }>, to: SeatStateName, reason: string | null, set: Record<string, string | number> = {}) {
    const s = await load(req.params.id);
    assertMayAct(req, s);
    if (CALL_OWNED_STATES.includes(s.state)) throw new CtiError('CTI_SEAT_BUSY', { seat_id: s.seatId, state: s.state });
    await transitionSeat(deps, s.seatId, to, { reason, strict: true, userId: req.user.id, set });
    if (to === 'ready') onReady();
    return view(await load(s.seatId));
  }

  return async (app) => {
    app.get('/v1/seat-states', {
      onRequest: requireRole('dispatcher'),
      schema: { tags: ['seats'], summary: 'Live state of every seat', response: { 200: { type: 'array', items: seatStateSchema }, 401: errorRef } },
    }, async () => Promise.all((await allSeatsLive(deps.redis)).sort((a, b) => a.seatId.localeCompare(b.seatId)).map(view)));

    app.get<{ Params: { id: string } }>('/v1/seats/:id/state', {
      onRequest: requireRole('dispatcher'), schema: { tags: ['seats'], summary: 'Live state of a seat', params, response: responses },
    }, async (req) => view(await load(req.params.id)));

    app.post<{ Params: { id: string } }>('/v1/seats/:id/login', {
      onRequest: requireRole('dispatcher', 'supervisor'), schema: { tags: ['seats'], summary: 'Log in at a seat (state not_ready)', params, response: responses },
    }, async (req) => {
      const s = await load(req.params.id);
      if (s.state !== 'logged_out') assertMayAct(req, s);
      if (s.state === 'logged_out') {
        await transitionSeat(deps, s.seatId, 'not_ready', { reason: 'login', strict: true, userId: req.user.id, set: { user_id: req.user.id } });
      }
      return view(await load(s.seatId));
    });

    app.post<{ Params: { id: string } }>('/v1/seats/:id/ready', {
      onRequest: requireRole('dispatcher', 'supervisor'), schema: { tags: ['seats'], summary: 'Ready for calls', params, response: responses },
    }, async (req) => change(req, 'ready', null, { idle_since: Date.now() }));

    app.post<{ Params: { id: string }; Body: { reason: string } }>('/v1/seats/:id/not-ready', {
      onRequest: requireRole('dispatcher', 'supervisor'),
      schema: {
        tags: ['seats'], summary: 'Not ready, with a reason', params,
        body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: responses,
      },
    }, async (req) => change(req, 'not_ready', req.body.reason));

    app.post<{ Params: { id: string } }>('/v1/seats/:id/logout', {
      onRequest: requireRole('dispatcher', 'supervisor'), schema: { tags: ['seats'], summary: 'Log out of the seat (and remove its SIP registration from Kamailio)', params, response: responses },
    }, async (req) => {
      await change(req, 'logged_out', 'logout', { user_id: '' });
      const s = await load(req.params.id);
      await dropRegistrationOnLogout(deps, rpc, s, changeOf(req));
      return view(s);
    });
  };
}
