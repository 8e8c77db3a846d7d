/**
 * One real backend for the API integration tests: startStack (PostgreSQL with the migrations applied,
 * Redis, rtpengine, Kamailio) without the control plane; the API is built in-process and driven with
 * fastify.inject(). Nothing is mocked but the logger, which keeps lines in memory so tests can read them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { removeStackState, startStack, type Stack } from '../../../../scripts/stack/stack.ts';
import { buildServer } from '../../../../control/src/api/server.ts';
import type { AppDeps } from '../../../../control/src/app/deps.ts';
import type { Logger } from '../../../../control/src/app/logger.ts';
import { ensureBootstrapAdmin } from '../../../../control/src/auth/bootstrap.ts';
import type { Config } from '../../../../control/src/config.ts';
import { KamailioRpc } from '../../../../control/src/engine/kamailio/jsonrpc.ts';
import { EventBus } from '../../../../control/src/events/bus.ts';

export interface LogLine { level: string; obj: object | string; msg?: string }

export function memoryLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (obj: object | string, msg?: string) => { lines.push({ level, obj, msg }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface Harness {
  stack: Stack;
  deps: AppDeps & { kamailio: KamailioRpc };
  app: FastifyInstance;
  log: ReturnType<typeof memoryLogger>;
  runDir: string;
  close(): Promise<void>;
}

export function configFor(stack: Stack, runDir: string, overrides: Partial<Config> = {}): Config {
  const i = stack.info;
  const [evHost, evPort] = i.kamailio.evapi.split(':');
  const [ngHost, ngPort] = i.rtpengine.ng.split(':');
  return {
    httpHost: '127.0.0.1', httpPort: 0, pgUrl: i.postgres.url, redisUrl: i.redis.url,
    evapi: { host: evHost, port: Number(evPort) }, kamailioRpcUrl: i.kamailio.rpcUrl,
    rtpengineNg: { host: ngHost, port: Number(ngPort) }, spoolDir: i.spoolDir, recordingsDir: i.recordingsDir,
    sipDomain: i.sip.domain, runDir, centreId: 'city', bootstrapAdminPassword: ADMIN_PASSWORD,
    tokenTtlS: 3600, registrationGraceS: 30, screeningEnabled: true, mediaDir: 'media', ...overrides,
  };
}

export interface HarnessOptions {
  /** Route plugins of other modules, registered after the API's own (built from the harness's deps). */
  plugins?: (deps: AppDeps) => FastifyPluginAsync[];
  /** Config fields that differ from configFor's, computed from the run folder (e.g. a recordings folder inside it). */
  config?: (runDir: string) => Partial<Config>;
  /** Prefix of the temporary run folder. */
  runDirPrefix?: string;
}

/**
 * A stack without the control plane and the API built in-process on it. Every integration harness of the
 * read side (events, recordings, QA, queues) is this with its own plugins.
 */
export async function startHarness(name: string, opts: HarnessOptions = {}): Promise<Harness> {
  const stack = await startStack({ name: `${name}-${process.pid}`, control: false });
  const runDir = mkdtempSync(join(tmpdir(), opts.runDirPrefix ?? 'cti-api-'));
  const config = configFor(stack, runDir, opts.config?.(runDir));
  const sql = postgres(config.pgUrl, { max: 8, onnotice: () => {} });
  const redis = new Redis(config.redisUrl, { lazyConnect: false });
  const log = memoryLogger();
  const deps = { config, sql, redis, bus: new EventBus(redis, config.centreId), log, kamailio: new KamailioRpc({ url: config.kamailioRpcUrl }) };
  await ensureBootstrapAdmin(deps);
  const app = await buildServer(deps, opts.plugins?.(deps) ?? []);
  await app.ready();
  return {
    stack, deps, app, log, runDir,
    async close() {
      await app.close();
      await deps.bus.stopFanout();
      await sql.end();
      redis.disconnect();
      await stack.stop();
      rmSync(runDir, { recursive: true, force: true });
      removeStackState(stack.info.name);
    },
  };
}

export interface Session { token: string; user: { id: string; username: string; roles: string[] } }

export async function loginAs(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return res.json() as Session;
}

export function bearer(s: Session): Record<string, string> {
  return { authorization: `Bearer ${s.token}` };
}

let userSeq = 0;

/** Creates a user with the given roles (in the given centre, else the admin's) through the API and logs in as them. */
export async function personWith(app: FastifyInstance, admin: Session, roles: string[], centreId?: string): Promise<Session> {
  const username = `${roles.join('-')}-${process.pid}-${++userSeq}`;
  const password = `pw-${username}-long`;
  const res = await app.inject({
    method: 'POST', url: '/v1/users', headers: bearer(admin),
    payload: { username, display_name: `测试 ${username}`, password, roles, ...(centreId ? { centre_id: centreId } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`create ${username}: ${res.statusCode} ${res.body}`);
  return loginAs(app, username, password);
}
