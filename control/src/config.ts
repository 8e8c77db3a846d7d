import { fileURLToPath } from 'node:url';

/** Control-plane configuration from the environment (the stack launcher sets these). */
export interface Config {
  httpHost: string;
  httpPort: number;
  pgUrl: string;
  redisUrl: string;
  evapi: { host: string; port: number };
  kamailioRpcUrl: string;
  rtpengineNg: { host: string; port: number };
  spoolDir: string;
  recordingsDir: string;
  sipDomain: string;
  runDir: string;
  centreId: string;
  bootstrapAdminPassword: string | undefined;
  tokenTtlS: number;
  /** Seconds a seat's registration is trusted without a refresh from Kamailio. */
  registrationGraceS: number;
  /** Screening of callers' numbers on the call path (CTI_SCREENING=off disables it, e.g. for the overhead benchmark). */
  screeningEnabled: boolean;
  /** Seconds a queue's distribution passes may keep failing, with calls waiting, before those calls ring all (acd/health.ts). */
  distributionFailingAfterS?: number;
  /** Prompts and music (media/README.md); CTI_MEDIA_DIR, else the repository's media/. */
  mediaDir: string;
  /** The node of a pair this control plane runs on (CTI_NODE, docs/ha.md); absent on a single node. */
  node?: string;
}

function hostPort(v: string, name: string): { host: string; port: number } {
  const m = /^(.+):(\d+)$/.exec(v);
  if (!m) throw new Error(`${name} must be host:port, got "${v}"`);
  return { host: m[1], port: Number(m[2]) };
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new Error(`environment variable ${name} is required`);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    httpHost: env.CTI_HTTP_HOST ?? '127.0.0.1',
    httpPort: Number(env.CTI_HTTP_PORT ?? 8400),
    pgUrl: need(env, 'CTI_PG_URL'),
    redisUrl: need(env, 'CTI_REDIS_URL'),
    evapi: hostPort(need(env, 'CTI_EVAPI_ADDR'), 'CTI_EVAPI_ADDR'),
    kamailioRpcUrl: need(env, 'CTI_KAMAILIO_RPC_URL'),
    rtpengineNg: hostPort(need(env, 'CTI_RTPENGINE_NG_ADDR'), 'CTI_RTPENGINE_NG_ADDR'),
    spoolDir: need(env, 'CTI_SPOOL_DIR'),
    recordingsDir: need(env, 'CTI_RECORDINGS_DIR'),
    sipDomain: env.CTI_SIP_DOMAIN ?? '127.0.0.1',
    runDir: env.CTI_RUN_DIR ?? '.run/dev',
    centreId: env.CTI_CENTRE_ID ?? 'city',
    bootstrapAdminPassword: env.CTI_BOOTSTRAP_ADMIN_PASSWORD,
    tokenTtlS: Number(env.CTI_TOKEN_TTL_S ?? 12 * 3600),
    registrationGraceS: Number(env.CTI_REGISTRATION_GRACE_S ?? 30),
    screeningEnabled: env.CTI_SCREENING !== 'off',
    distributionFailingAfterS: Number(env.CTI_DISTRIBUTION_FAILING_S ?? 5),
    mediaDir: env.CTI_MEDIA_DIR ?? fileURLToPath(new URL('../../media/', import.meta.url)),
    ...(env.CTI_NODE ? { node: env.CTI_NODE } : {}),
  };
}
