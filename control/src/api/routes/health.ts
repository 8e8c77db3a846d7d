/**
 * GET /health (no session): PostgreSQL, Redis and whatever main.ts adds (Kamailio connected, rtpengine,
 * recording disk ...) through the registry: `app.health.add('kamailio', async () => { ... })`.
 * A check passes by resolving and fails by throwing (or by taking longer than its timeout).
 * The answer is always 200; `status: 'degraded'` names the failing checks.
 */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../schemas/common.ts';
import { healthReply } from '../schemas/health.ts';

export type HealthCheck = () => Promise<unknown>;

export interface CheckResult {
  status: 'ok' | 'fail';
  latency_ms: number;
  error?: string;
  /** What a check that answers with a string says, e.g. control_plane: active | standby. */
  detail?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<string, CheckResult>;
}

const DEFAULT_TIMEOUT_MS = 2000;

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const answer = await Promise.race([check(), timeout]);
    const result: CheckResult = { status: 'ok', latency_ms: Math.round(performance.now() - started) };
    if (typeof answer === 'string') result.detail = answer;
    return result;
  } catch (err) {
    return { status: 'fail', latency_ms: Math.round(performance.now() - started), error: (err as Error)?.message ?? String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export class HealthRegistry {
  private readonly checks = new Map<string, { check: HealthCheck; timeoutMs: number }>();

  /** Adds (or replaces) a named check. */
  add(name: string, check: HealthCheck, timeoutMs = DEFAULT_TIMEOUT_MS): this {
    this.checks.set(name, { check, timeoutMs });
    return this;
  }

  remove(name: string): void {
    this.checks.delete(name);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  async run(): Promise<HealthReport> {
    const entries = await Promise.all([...this.checks].map(async ([name, c]) => [name, await runCheck(c.check, c.timeoutMs)] as const));
    const checks = Object.fromEntries(entries);
    return { status: entries.every(([, r]) => r.status === 'ok') ? 'ok' : 'degraded', checks };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthRegistry;
  }
}

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', {
    config: { public: true },
    schema: {
      tags: ['health'], summary: 'Health of the control plane and its backends', security: [],
      response: { 200: healthReply, ...errorResponses(500) },
    },
  }, async () => app.health.run());
}
