/**
 * The OpenAPI 3 document (generated from the route schemas by @fastify/swagger) at GET /openapi.json,
 * and swagger-ui at /docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'cti120 control plane',
        version: '1',
        description: 'Telephony core of a 120 emergency medical call centre. Errors are `{code, message, details?}`; see docs/api.md. '
          + 'Bodies are JSON (`Content-Type: application/json`, else 415 CTI_UNSUPPORTED_MEDIA_TYPE), at most 1 MiB (else 413), and are '
          + 'validated without type conversion: "7" is not a number, [12] is not 12, "false" is not a boolean (400 CTI_BAD_REQUEST). '
          + 'Query strings and path parameters are text and are converted. Any request may also get 431 CTI_HEADERS_TOO_LARGE '
          + '(headers over 16 KiB), 414 CTI_URI_TOO_LONG or 400 CTI_BAD_REQUEST for a malformed request.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The token from POST /v1/auth/login.' },
          queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'The same token, for WebSocket upgrades and media URLs (GET only).' },
        },
      },
      security: [{ bearer: [] }, { queryToken: [] }],
    },
    refResolver: {
      buildLocalReference(json, _baseUri, _fragment, i) {
        return typeof json.$id === 'string' ? json.$id : `def-${i}`;
      },
    },
  });
  app.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}
