/**
 * GET /metrics: Prometheus text format (prom-client), on the API's own address. Not a person's session: a scrape
 * token (CTI_METRICS_TOKEN, at least 32 characters) as a bearer, compared in constant time; without a configured
 * token the endpoint is off (404 CTI_METRICS_DISABLED). Series: control/src/metrics/series.ts, docs/operations.md.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CtiError } from '../../errors/catalogue.ts';
import { collectLive, type LiveSources } from '../../metrics/live.ts';
import type { Metrics } from '../../metrics/series.ts';
import { errorResponses } from '../schemas/common.ts';

export const METRICS_TOKEN_MIN_LENGTH = 32;

/** The configured scrape token, checked: a short one is refused at start, not accepted quietly. */
export function metricsTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.CTI_METRICS_TOKEN;
  if (token === undefined || token === '') return undefined;
  if (token.length < METRICS_TOKEN_MIN_LENGTH) throw new Error(`CTI_METRICS_TOKEN must be at least ${METRICS_TOKEN_MIN_LENGTH} characters`);
  return token;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function metricsRoutes(metrics: Metrics, sources: LiveSources, token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', {
      config: { public: true },
      schema: {
        tags: ['health'], summary: 'Prometheus metrics (bearer: the scrape token CTI_METRICS_TOKEN, not a session)', security: [],
        response: { 200: { type: 'string' }, ...errorResponses(401, 404, 500) },
      },
    }, async (request, reply) => {
      if (!expected) throw new CtiError('CTI_METRICS_DISABLED');
      const m = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]), expected)) throw new CtiError('CTI_METRICS_TOKEN_INVALID');
      await collectLive(metrics, sources);
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  };
}
