/** Alarms for the supervisor console: open first by level, then newest. Raised by the modules, never by people. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { listAlarms, type AlarmFilter } from '../../alarms/service.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { alarmList, alarmsQuery } from '../schemas/alarms.ts';
import { authedErrors } from '../schemas/common.ts';

export function alarmsRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: AlarmFilter }>('/v1/alarms', {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['alarms'], summary: 'Alarms, critical first then newest; ?open=true for the ones still open',
        querystring: alarmsQuery, response: { 200: alarmList, ...authedErrors() },
      },
    }, async (request) => ({ items: await listAlarms(deps.sql, request.query) }));
  };
}
