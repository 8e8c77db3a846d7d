/**
 * Who is asking, and may they. Every route requires a session unless its route config says
 * `{ public: true }`; `requireRole(...)` narrows a route to roles (see roles.ts for what implies what).
 *
 * The token comes from `Authorization: Bearer <token>` or, for WebSocket upgrades and <audio>
 * elements that cannot set headers, from a `token` query parameter on GET requests. The query
 * parameter is consumed here, so route querystring schemas never see it.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Redis } from 'ioredis';
import { CtiError } from '../errors/catalogue.ts';
import { accessOf, hasAnyRole, type Role } from './roles.ts';
import { resolveToken } from './tokens.ts';
import type { AuthUser } from './user.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in person; set on every route that is not `config.public` (null on public routes). */
    user: AuthUser;
    /** The session token of this request (for logout). */
    authToken: string | null;
  }
  interface FastifyContextConfig {
    /** No session needed (login, health, the OpenAPI document). */
    public?: boolean;
  }
  interface FastifyInstance {
    authRedis: Redis;
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new CtiError('CTI_AUTH_REQUIRED', { reason: 'the Authorization header is not "Bearer <token>"' });
    return m[1];
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (request.method === 'GET' && query && typeof query.token === 'string') return query.token;
  return undefined;
}

function consumeQueryToken(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && 'token' in query) delete query.token;
}

/** Resolves the session of a request and sets request.user; throws 401 CTI_AUTH_REQUIRED / CTI_TOKEN_EXPIRED. */
export async function authenticate(request: FastifyRequest): Promise<AuthUser> {
  if (request.user) return request.user;
  const token = tokenOf(request);
  consumeQueryToken(request);
  if (token === undefined) throw new CtiError('CTI_AUTH_REQUIRED');
  const user = await resolveToken(request.server.authRedis, token);
  if (!user) throw new CtiError('CTI_TOKEN_EXPIRED');
  request.user = user;
  request.authToken = token;
  return user;
}

/** Throws 403 CTI_FORBIDDEN unless the (authenticated) request's user holds one of the roles. */
export function assertRole(request: FastifyRequest, roles: readonly Role[]): void {
  const access = accessOf(request.method);
  if (!hasAnyRole(request.user.roles, roles, access)) {
    throw new CtiError('CTI_FORBIDDEN', { required: roles, access, held: request.user.roles });
  }
}

/**
 * A hook for a route's `onRequest` (checked before the body is validated) or `preHandler`:
 * authenticates if not yet done, then requires one of `roles` ('admin' always passes).
 */
export function requireRole(...roles: Role[]): onRequestHookHandler {
  return async function roleGuard(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    await authenticate(request);
    assertRole(request, roles);
  };
}

/** The root onRequest hook: every non-public route needs a session. */
export async function sessionGuard(request: FastifyRequest): Promise<void> {
  if (request.is404 || request.routeOptions.config?.public === true) {
    consumeQueryToken(request);
    return;
  }
  await authenticate(request);
}
