/** Service-level figures for supervisors and QA: live (last 15 minutes) or over a period, grouped. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { narrowScope, scopeOf } from '../../auth/scope.ts';
import { periodOf, type GroupBy } from '../../stats/figures.ts';
import { serviceLevel } from '../../stats/service-level.ts';
import { authedErrors } from '../schemas/common.ts';
import { serviceLevelQuery, serviceLevelReply } from '../schemas/stats.ts';

interface Query { from?: string; to?: string; queue_id?: string; centre_id?: string; seat_id?: string; group_by: GroupBy }

export function statsRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Query }>('/v1/stats/service-level', {
      onRequest: requireRole('supervisor', 'qa'),
      schema: {
        tags: ['stats'], summary: 'Service level: offered, answered within 10/15/20 s, abandoned, waits, talk; per queue, seat, centre or hour',
        querystring: serviceLevelQuery, response: { 200: serviceLevelReply, ...authedErrors() },
      },
    }, async (request) => {
      const { from, to, group_by: groupBy, centre_id: centreId, ...filter } = request.query;
      const centres = narrowScope(scopeOf(request, deps.config.centreId), centreId);
      return serviceLevel(deps.sql, periodOf({ from, to }), { ...filter, centres }, groupBy);
    });
  };
}
