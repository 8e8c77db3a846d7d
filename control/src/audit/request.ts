import type { FastifyRequest } from 'fastify';
import type { Change } from './record.ts';

/** The actor and address of an authenticated request, for the audit row of the change it makes. */
export function changeOf(request: FastifyRequest): Change {
  return { actor: request.user, ip: request.ip };
}
