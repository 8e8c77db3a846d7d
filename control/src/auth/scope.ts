/**
 * Which centres a person may see and act on (issue 15; docs/api.md "Centre scoping"). The one rule, used by
 * every scoped route and pushed down into the stores' SQL (`inScope`), never applied to rows after the fact:
 *   - admin                                              -> every centre
 *   - supervisor or QA of the head centre (the city centre: the control plane's own CTI_CENTRE_ID) -> every centre
 *   - everyone else (county staff, city dispatchers, integration clients) -> their own centre only
 * A single-centre deployment has one centre, so every person sees exactly what they saw before scoping.
 */
import type { FastifyRequest } from 'fastify';
import type { Sql, TransactionSql } from 'postgres';
import { CtiError } from '../errors/catalogue.ts';
import type { AuthUser } from './user.ts';

/** The centres a person may see: null means all of them. */
export type CentreScope = readonly string[] | null;

const NETWORK_WIDE_ROLES = ['supervisor', 'qa'] as const;

export function centreScope(user: Pick<AuthUser, 'roles' | 'centre_id'>, headCentre: string): CentreScope {
  if (user.roles.includes('admin')) return null;
  if (user.centre_id === headCentre && NETWORK_WIDE_ROLES.some((r) => user.roles.includes(r))) return null;
  return [user.centre_id];
}

/** The scope of an authenticated request (the head centre is the control plane's own centre). */
export function scopeOf(request: FastifyRequest, headCentre: string): CentreScope {
  return centreScope(request.user, headCentre);
}

export function mayAccess(scope: CentreScope, centreId: string): boolean {
  return scope === null || scope.includes(centreId);
}

/**
 * A `?centre_id=` the person asked for, narrowed to their scope: a centre outside it is 403
 * CTI_CENTRE_OUT_OF_SCOPE (never an empty page that looks like "no calls").
 */
export function narrowScope(scope: CentreScope, requested: string | undefined): CentreScope {
  if (requested === undefined) return scope;
  if (!mayAccess(scope, requested)) throw new CtiError('CTI_CENTRE_OUT_OF_SCOPE', { centre_id: requested });
  return [requested];
}

/** The SQL condition `AND <column> = ANY(<scope>)` (nothing when the scope is every centre). `column` is a constant of the caller. */
export function inScope(sql: Sql | TransactionSql, column: string, scope: CentreScope | undefined) {
  if (scope === null || scope === undefined) return sql``;
  return sql`AND ${sql.unsafe(column)} = ANY(${sql.array(scope as string[])}::text[])`;
}
