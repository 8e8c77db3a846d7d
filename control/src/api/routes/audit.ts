/** Reading the audit trail (admin). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { listAudit, type AuditFilter } from '../../audit/query.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { auditPage, auditQuery } from '../schemas/audit.ts';
import { authedErrors } from '../schemas/common.ts';

export function auditRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: AuditFilter }>('/v1/audit', {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['audit'], summary: 'Changes made by people, newest first; page with before_id',
        querystring: auditQuery, response: { 200: auditPage, ...authedErrors() },
      },
    }, async (request) => listAudit(deps.sql, request.query));
  };
}
