/**
 * The HTTP API of the control plane (Fastify 5): schemas on every route, one coded error handler,
 * a session on every route that is not marked public, the OpenAPI document at /openapi.json.
 * Other modules add their routes as `plugins`, registered after these under the same hooks:
 * they use `requireRole(...)` / `authenticate(request)` from auth/authenticate.ts and `request.user`.
 * listen() is main.ts's business.
 */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app/deps.ts';
import { sessionGuard } from '../auth/authenticate.ts';
import type { AddressReloader } from '../trunks/reload.ts';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.ts';
import { registerOpenApi } from './openapi.ts';
import { auditRoutes } from './routes/audit.ts';
import { centresRoutes } from './routes/centres.ts';
import { authRoutes } from './routes/auth.ts';
import { HealthRegistry, healthRoutes } from './routes/health.ts';
import { seatsAdminRoutes } from './routes/seats-admin.ts';
import { trunkGroupsRoutes } from './routes/trunk-groups.ts';
import { trunksRoutes } from './routes/trunks.ts';
import { usersRoutes } from './routes/users.ts';
import { BODY_ERROR_STATUSES, errorResponses, errorSchema } from './schemas/common.ts';
import { lazySerializers, refuseUnexpectedBody, strictBodyValidators } from './validation.ts';

export { authenticate, requireRole } from '../auth/authenticate.ts';
export { HealthRegistry, type HealthCheck, type HealthReport } from './routes/health.ts';

export interface ApiDeps extends AppDeps {
  /** Kamailio's RPC (KamailioRpc); absent in tests without Kamailio: trunk changes then report engine_reloaded: false. */
  kamailio?: AddressReloader;
  /** A health registry to share with main.ts; one is made if absent (reach it as app.health). */
  health?: HealthRegistry;
}

/** A registered route, as recorded for the OpenAPI contract tests and diagnostics. */
export interface ApiRoute {
  method: string;
  url: string;
  hidden: boolean;
  websocket: boolean;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    apiRoutes: readonly ApiRoute[];
  }
}

const BODY_LIMIT = 1024 * 1024;
/** Methods whose routes without a body schema refuse a body (validation.ts refuseUnexpectedBody). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function buildServer(deps: ApiDeps, plugins: FastifyPluginAsync[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // bodies are validated without type coercion, the text parts of a request with it (validation.ts)
    schemaController: { compilersFactory: { buildValidator: strictBodyValidators(), buildSerializer: lazySerializers() } },
    // errors before routing (a malformed request line or headers, a bad URL) carry the coded body too
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler(deps.log),
  });
  // a body is JSON or nothing: text/plain is not parsed as a string but answered 415 (docs/api.md)
  app.removeContentTypeParser('text/plain');

  app.decorate('authRedis', deps.redis);
  const health = (deps.health ?? new HealthRegistry())
    .add('postgres', async () => deps.sql`SELECT 1`)
    .add('redis', async () => deps.redis.ping());
  app.decorate('health', health);
  app.decorateRequest('user', null as never);
  app.decorateRequest('authToken', null);

  app.setErrorHandler(errorHandler(deps.log));
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(errorSchema);
  const routes: ApiRoute[] = [];
  app.decorate('apiRoutes', routes);
  app.addHook('onRoute', (route) => {
    // what the HTTP layer answers for any body (too large, not JSON, not valid) is in the OpenAPI document too
    if (route.schema?.body && route.schema.response) {
      route.schema = { ...route.schema, response: { ...errorResponses(...BODY_ERROR_STATUSES), ...(route.schema.response as object) } };
    }
    if (!route.websocket && !route.schema?.body && [route.method].flat().some((m) => BODY_METHODS.has(m))) {
      route.preValidation = [refuseUnexpectedBody, ...[route.preValidation ?? []].flat()];
    }
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, hidden, websocket: route.websocket === true, public: route.config?.public === true });
    }
    if (!hidden && !route.websocket && !route.schema?.response) {
      deps.log.warn({ method: route.method, url: route.url }, 'route without a response schema: add one (every route has a schema)');
    }
  });

  await registerOpenApi(app);
  await app.register(websocket);
  app.addHook('onRequest', sessionGuard);

  await app.register(healthRoutes);
  await app.register(authRoutes(deps));
  await app.register(usersRoutes(deps));
  await app.register(seatsAdminRoutes(deps));
  await app.register(trunksRoutes(deps));
  await app.register(trunkGroupsRoutes(deps));
  await app.register(auditRoutes(deps));
  await app.register(centresRoutes(deps));
  for (const plugin of plugins) await app.register(plugin);
  return app;
}
