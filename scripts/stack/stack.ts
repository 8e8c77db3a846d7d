/**
 * A whole stack on loopback under .run/<name>/: PostgreSQL, Redis, rtpengine, Kamailio and the
 * control plane, on free ports (the well-known defaults for the dev stack when they are free).
 *
 *   const stack = await startStack({ name: 'test-x', control: false });
 *   ... stack.info.sip.udp, stack.info.postgres.url ...
 *   await stack.stop();
 *
 * Start order: PostgreSQL (then the migrations) + Redis + rtpengine, Kamailio, control plane; stop in reverse.
 * A failed start stops what it started and throws with the tail of the failing daemon's log.
 * Daemons never outlive this process: stopped on exit/SIGINT/SIGTERM, and a watchdog kills
 * them if this process dies by SIGKILL.
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { allocatePorts, LOOPBACK, releasePorts, type PortRequest } from './ports.ts';
import { Daemon, groupMembers, processAlive, signalGroup, sleep } from './daemon.ts';
import { REPO_ROOT, migrate } from './migrate.ts';
import type { Ports, ServiceContext } from './services/context.ts';
import { createPostgres, type PostgresService } from './services/postgres.ts';
import { createRedis, type RedisService } from './services/redis.ts';
import { createRtpengine, type RtpengineOptions, type RtpengineService } from './services/rtpengine.ts';
import { createKamailio, kamailioVars, type KamailioService } from './services/kamailio.ts';
import { controlMainExists, createControl, type ControlService } from './services/control.ts';
import { defaultTlsDir, findTls } from './services/tls.ts';
import { httpOk, kamailioVersion, ngPing, redisPing } from './services/probes.ts';
import { createJanus, janusInfo, type JanusOptions, type JanusService } from './services/janus.ts';
import { readStackInfo, writeStackInfo } from './stack-json.ts';

export interface StackOptions {
  /** State folder .run/<name>; default 'dev'. Tests use unique names. */
  readonly name?: string;
  /** Start the control plane (default: when control/src/main.ts exists). */
  readonly control?: boolean;
  /** Extra environment for the control plane. */
  readonly env?: Record<string, string>;
  /** Overrides or additions to the Kamailio template's placeholder map. */
  readonly kamailioVars?: Partial<Record<string, string>>;
  /** Extra `#!define`s for the Kamailio config (kamailio -A), e.g. WITH_PAIR. */
  readonly kamailioDefines?: readonly string[];
  /** Kamailio template (default engine/kamailio/kamailio.cfg.tpl). */
  readonly kamailioTemplate?: string;
  /** Run control/migrations before Kamailio starts (default true). */
  readonly migrate?: boolean;
  /** fsync on in PostgreSQL (default: only for the dev stack). */
  readonly durable?: boolean;
  /** Size of the rtpengine media port range (default 1000 for dev, 200 otherwise). */
  readonly mediaPorts?: number;
  readonly rtpengine?: RtpengineOptions;
  /**
   * HTTPS for the control plane and WSS for Kamailio, with server.crt/server.key from this folder
   * (default .run/tls, or $CTI_TLS_DIR; written by scripts/setup.d/30-tls.sh). On whenever the files
   * exist; false turns it off.
   */
  readonly tls?: false | string;
  /**
   * Run every daemon inside this network namespace, bound to `host` instead of 127.0.0.1, on the
   * well-known ports (the namespace has them all to itself); `clientNet` may reach PostgreSQL.
   * For the nodes of a pair (scripts/stack/pair.ts); absent: the single-node stack on loopback.
   */
  readonly netns?: { readonly name: string; readonly host: string; readonly clientNet?: string };
  /**
   * 'all' (default): the whole stack. 'data': PostgreSQL and Redis only (and the migrations).
   * 'node': Kamailio, rtpengine and the control plane on the data tier at `data`.
   */
  readonly tier?: 'all' | 'data' | 'node';
  readonly data?: { readonly postgresUrl: string; readonly redisUrl: string };
  /**
   * Janus AudioBridge, the conference mixer (scripts/stack/services/janus.ts, docs/mixer.md). Default: on for the
   * single-node stack (tier 'all' on loopback), off for the nodes of a pair (not yet part of docs/ha.md).
   * Options (e.g. a shorter reclaim window for a test) turn it on.
   */
  readonly janus?: boolean | JanusOptions;
}

export type ServiceName = 'postgres' | 'redis' | 'rtpengine' | 'kamailio' | 'control' | 'janus';

/** What .run/<name>/stack.json holds. */
export interface StackInfo {
  readonly name: string;
  readonly stateDir: string;
  readonly logsDir: string;
  readonly spoolDir: string;
  readonly recordingsDir: string;
  readonly sip: { readonly domain: string; readonly host: string; readonly port: number;
    readonly udp: string; readonly tcp: string; readonly ws: string; readonly wss?: string };
  readonly api: { readonly enabled: boolean; readonly url: string; readonly eventsWs: string; readonly httpsUrl?: string;
    /** Prometheus: GET <url>/metrics with "Authorization: Bearer <metricsToken>" (docs/operations.md). */
    readonly metricsToken: string };
  /** The certificate of HTTPS and WSS (absent: plain HTTP and WS only). */
  readonly tls?: { readonly dir: string; readonly cert: string; readonly key: string; readonly ca?: string };
  readonly postgres: { readonly url: string; readonly port: number; readonly socketDir: string };
  readonly redis: { readonly url: string; readonly port: number };
  readonly rtpengine: { readonly ng: string; readonly mediaPorts: readonly [number, number] };
  readonly kamailio: { readonly rpcUrl: string; readonly evapi: string; readonly configFile: string };
  /** The mixer (absent when the stack runs without it): WebSocket API and its own plain-RTP port range. */
  readonly janus?: { readonly ws: string; readonly rtpPorts: readonly [number, number]; readonly recordingsDir: string };
  readonly ports: Ports;
  readonly ownerPid: number;
  readonly startedAt: string;
  /** Every daemon answered (scripts/stack/stack-json.ts); false while starting and once stopped. */
  readonly ready: boolean;
  /** When they all answered. */
  readonly readyAt?: string;
  readonly stoppedAt?: string;
  readonly pids: Partial<Record<ServiceName, number>>;
}

export interface StopOptions {
  readonly removeData?: boolean;
}

export interface ControlHandle {
  readonly enabled: boolean;
  /** The environment the control plane gets (also usable to run it in-process). */
  readonly env: Readonly<Record<string, string>>;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface Stack {
  readonly info: StackInfo;
  readonly control: ControlHandle;
  readonly redis: { restart(): Promise<void>; stop(): Promise<void>; start(): Promise<void> };
  /** The running daemons, for tests that need a pid or a log. */
  readonly daemons: Readonly<Partial<Record<ServiceName, Daemon>>>;
  /**
   * Stops everything in reverse start order. Deletes nothing (logs, data, spool and recordings stay),
   * unless `removeData`: then the PostgreSQL and Redis data folders go (the bulk of a state folder).
   */
  stop(opts?: StopOptions): Promise<void>;
}

const DEV_PORTS: Record<keyof Omit<Ports, 'mediaMin' | 'mediaMax'>, number[]> = {
  sip: [5060],
  http: [8080],
  api: [8400],
  evapi: [8448],
  ng: [22222],
  https: [8443],
  wss: [7443],
  redis: range(6379, 10),
  postgres: range(5432, 10),
};
const DEV_MEDIA_START = 20000;
/** Janus: WebSocket API and plain-RTP range (after rtpengine's 1000 dev ports), each stack's own otherwise. */
const DEV_JANUS_WS = 8188;
const DEV_JANUS_RTP_START = 21000;

/** A network namespace of its own has every port free: the well-known ones, no reservation. */
function namespacePorts(mediaSize: number): { ports: Record<string, number>; media: readonly [number, number] } {
  const ports = Object.fromEntries(Object.entries(DEV_PORTS).map(([k, v]) => [k, v[0]!]));
  return { ports, media: [DEV_MEDIA_START, DEV_MEDIA_START + mediaSize - 1] };
}

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

const liveStacks = new Set<StackRunner>();

export function runRoot(root = REPO_ROOT): string {
  return join(root, '.run');
}

export function stateDirOf(name: string, root = REPO_ROOT): string {
  return join(runRoot(root), name);
}

export { readStackInfo, waitForReadyStack, isServing } from './stack-json.ts';

/** Waits for every start; throws the first failure. */
async function allStarted(starts: ReadonlyArray<Promise<void> | undefined>): Promise<void> {
  const started = await Promise.allSettled(starts);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const runner = new StackRunner(opts);
  await runner.start();
  return runner;
}

class StackRunner implements Stack {
  readonly name: string;
  readonly stateDir: string;
  readonly daemons: Partial<Record<ServiceName, Daemon>> = {};
  private ctx!: ServiceContext;
  private pg?: PostgresService;
  private rd?: RedisService;
  private rtp?: RtpengineService;
  private kam?: KamailioService;
  private ctl?: ControlService;
  private janus?: JanusService;
  private infoValue?: StackInfo;
  private readyAt?: string;
  private stopping?: Promise<void>;
  private controlEnv: Record<string, string> = {};
  private urls = { postgres: '', redis: '' };
  /** The control plane's Prometheus scrape token (CTI_METRICS_TOKEN), one per stack. */
  private readonly metricsToken = randomBytes(24).toString('hex');

  constructor(private readonly opts: StackOptions) {
    this.name = opts.name ?? 'dev';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(this.name)) throw new Error(`bad stack name "${this.name}"`);
    if (this.name === 'tls') throw new Error('the stack name "tls" is taken by the certificate folder .run/tls');
    this.stateDir = stateDirOf(this.name);
  }

  get info(): StackInfo {
    if (!this.infoValue) throw new Error('the stack is not started');
    return this.infoValue;
  }

  get control(): ControlHandle {
    const ctl = this.ctl;
    const off = async () => { throw new Error('this stack runs without the control plane (control: false)'); };
    return {
      enabled: ctl !== undefined,
      env: this.controlEnv,
      url: `http://${this.ctx.host}:${this.ctx.ports.api}`,
      start: ctl ? () => ctl.start() : off,
      stop: ctl ? () => ctl.stop() : off,
      kill: ctl ? () => ctl.kill() : off,
      restart: ctl ? () => ctl.restart() : off,
    };
  }

  get redis(): Stack['redis'] {
    const rd = this.rd!;
    return { restart: () => rd.restart(), stop: () => rd.stop(), start: () => rd.start() };
  }

  async start(): Promise<void> {
    const isDev = this.name === 'dev';
    const withControl = this.opts.control ?? controlMainExists(REPO_ROOT);
    if (withControl && !controlMainExists(REPO_ROOT)) {
      throw new Error('control/src/main.ts does not exist yet; start the stack with control: false');
    }
    this.claimStateDir();
    const mediaSize = this.opts.mediaPorts ?? (isDev ? 1000 : 200);
    const tls = this.opts.tls === false ? undefined
      : findTls(this.opts.tls ? resolve(REPO_ROOT, this.opts.tls) : defaultTlsDir(REPO_ROOT));
    const req = (key: string, proto: PortRequest['proto']): PortRequest =>
      ({ key, proto, prefer: isDev ? DEV_PORTS[key as keyof typeof DEV_PORTS] : undefined });
    const netns = this.opts.netns;
    const alloc = netns ? namespacePorts(mediaSize) : await allocatePorts(this.stateDir, [req('sip', 'both'),
      req('http', 'tcp'), req('evapi', 'tcp'), req('ng', 'both'), req('api', 'tcp'), req('redis', 'tcp'),
      req('postgres', 'tcp'), ...(tls ? [req('https', 'tcp'), req('wss', 'tcp')] : [])], mediaSize,
    isDev ? DEV_MEDIA_START : undefined);
    const p = alloc.ports as Record<string, number>;
    this.ctx = {
      name: this.name,
      root: REPO_ROOT,
      stateDir: this.stateDir,
      host: netns?.host ?? LOOPBACK,
      ...(netns ? { netns: netns.name, ...(netns.clientNet ? { clientNet: netns.clientNet } : {}) } : {}),
      durable: this.opts.durable ?? isDev,
      ports: { sip: p.sip!, http: p.http!, evapi: p.evapi!, ng: p.ng!, api: p.api!, redis: p.redis!,
        postgres: p.postgres!, mediaMin: alloc.media[0], mediaMax: alloc.media[1],
        ...(tls ? { https: p.https!, wss: p.wss! } : {}) },
      ...(tls ? { tls } : {}),
    };
    liveStacks.add(this);
    installExitHandlers();
    this.startWatchdog();
    try {
      await this.startServices(withControl);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private claimStateDir(): void {
    const prev = readStackInfo(this.name);
    if (prev && !prev.stoppedAt) {
      if (prev.ownerPid !== process.pid && processAlive(prev.ownerPid)) {
        throw new Error(`stack "${this.name}" is already running (owner pid ${prev.ownerPid}); `
          + `stop it first (npm stop, or tsx scripts/stack/cli.ts stop ${this.name})`);
      }
      killLeftovers(prev);
    }
    mkdirSync(join(this.stateDir, 'logs'), { recursive: true, mode: 0o755 });
    // PostgreSQL runs as the postgres user and must be able to pass through (umask may be 077).
    for (const dir of [runRoot(), this.stateDir]) {
      if ((statSync(dir).mode & 0o005) !== 0o005) chmodSync(dir, 0o755);
    }
    mkdirSync(join(this.stateDir, 'recordings'), { recursive: true });
  }

  private async startServices(withControl: boolean): Promise<void> {
    const ctx = this.ctx;
    const tier = this.opts.tier ?? 'all';
    if (tier === 'node' && !this.opts.data) throw new Error('a stack of tier "node" needs data: { postgresUrl, redisUrl }');
    if (tier === 'data') return this.startDataTier();
    const pg = tier === 'node' ? undefined : await createPostgres(ctx);
    const rd = tier === 'node' ? undefined : createRedis(ctx);
    this.urls = { postgres: pg?.url ?? this.opts.data!.postgresUrl, redis: rd?.url ?? this.opts.data!.redisUrl };
    const rtp = createRtpengine(ctx, this.opts.rtpengine);
    const janus = (this.opts.janus ?? (tier === 'all' && !ctx.netns)) !== false ? await this.createJanus() : undefined;
    this.janus = janus;
    const kamTemplate = this.opts.kamailioTemplate;
    const kam = createKamailio(ctx, kamailioVars(ctx, this.urls.postgres, this.opts.kamailioVars),
      kamTemplate && !isAbsolute(kamTemplate) ? join(REPO_ROOT, kamTemplate) : kamTemplate, this.opts.kamailioDefines);
    this.pg = pg;
    this.rd = rd;
    this.rtp = rtp;
    this.kam = kam;
    this.controlEnv = {
      CTI_HTTP_HOST: ctx.host,
      CTI_HTTP_PORT: String(ctx.ports.api),
      CTI_PG_URL: this.urls.postgres,
      CTI_REDIS_URL: this.urls.redis,
      CTI_EVAPI_ADDR: kam.evapiAddr,
      CTI_KAMAILIO_RPC_URL: kam.rpcUrl,
      CTI_RTPENGINE_NG_ADDR: rtp.ngAddr,
      CTI_SPOOL_DIR: rtp.spoolDir,
      CTI_RECORDINGS_DIR: join(this.stateDir, 'recordings'),
      CTI_SIP_DOMAIN: kam.vars.SIP_DOMAIN!,
      CTI_RUN_DIR: this.stateDir,
      // HTTPS beside HTTP (control/src/api/https.ts), only with a certificate
      ...(ctx.tls && ctx.ports.https ? {
        CTI_HTTPS_PORT: String(ctx.ports.https),
        CTI_TLS_CERT: ctx.tls.cert,
        CTI_TLS_KEY: ctx.tls.key,
        // the consoles' config hands wss://<host>:<this>/ to pages loaded over https (api/routes/consoles.ts)
        ...(ctx.ports.wss ? { CTI_SIP_WSS_PORT: String(ctx.ports.wss) } : {}),
      } : {}),
      // the mixer (control/src/engine/janus/): absent, conferences are refused with CTI_MIXER_UNAVAILABLE
      ...(janus ? {
        CTI_JANUS_WS_URL: janus.wsUrl,
        CTI_JANUS_API_SECRET: janus.secrets.apiSecret,
        CTI_JANUS_ADMIN_KEY: janus.secrets.adminSecret,
        CTI_JANUS_RECORDINGS_DIR: janus.recordingsDir,
      } : {}),
      CTI_METRICS_TOKEN: this.metricsToken,
      ...this.opts.env,
    };
    this.writeInfo(withControl);
    // A broken Kamailio config fails the start before any daemon runs.
    await kam.prepare();

    if (pg) this.track('postgres', pg.daemon);
    if (rd) this.track('redis', rd.daemon);
    this.track('rtpengine', rtp.daemon);
    if (janus) this.track('janus', janus.daemon);
    // the mixer starts beside them but is awaited only with Kamailio: its start hides behind the migrations
    const janusStarted = janus?.start();
    janusStarted?.catch(() => undefined);
    // the migrations run as soon as PostgreSQL answers, while Redis and rtpengine may still be starting
    const migrated = pg?.start().then(() => (this.opts.migrate !== false ? migrate({ databaseUrl: pg.url }) : undefined))
      .then(() => undefined);
    await allStarted([migrated, rd?.start(), rtp.start()]);

    this.track('kamailio', kam.daemon);
    await allStarted([kam.start(), janusStarted]);
    if (withControl) {
      const { NODE_TEST_CONTEXT: _omit, ...parentEnv } = process.env;
      const ctl = createControl(ctx, { ...parentEnv, ...this.controlEnv } as Record<string, string>);
      this.ctl = ctl;
      this.track('control', ctl.daemon);
      await ctl.start();
    }
    await this.allAnswer(withControl);
    this.readyAt = new Date().toISOString();
    this.writeInfo(withControl);
  }

  /**
   * One probe per daemon this stack runs, all at once; throws naming each daemon that did not answer.
   * A pair's node tier runs no PostgreSQL or Redis, its data tier no rtpengine or Kamailio.
   */
  private async allAnswer(withControl: boolean): Promise<void> {
    const ctx = this.ctx;
    const probes: Array<[string, () => Promise<unknown>]> = [];
    if (this.pg) probes.push(['postgres', () => this.pg!.answers()]);
    if (this.rd) probes.push(['redis', () => redisPing(ctx.host, ctx.ports.redis, 2000)]);
    if (this.rtp) probes.push(['rtpengine', () => ngPing(ctx.host, ctx.ports.ng, 2000)]);
    if (this.kam) probes.push(['kamailio', () => kamailioVersion(this.kam!.rpcUrl, 2000)]);
    if (this.janus) probes.push(['janus', () => janusInfo(this.janus!.wsUrl, this.janus!.secrets.apiSecret, 2000)]);
    if (withControl && this.ctl) {
      probes.push(['control', () => httpOk(`${this.ctl!.baseUrl}/health`, 2000).then((ok) => {
        if (!ok) throw new Error('GET /health did not answer 200');
      })]);
    }
    const results = await Promise.allSettled(probes.map(([, probe]) => probe()));
    const silent = results.flatMap((r, i) => (r.status === 'rejected' ? [`${probes[i]![0]}: ${(r.reason as Error).message}`] : []));
    if (silent.length) throw new Error(`stack ${this.name} started but not every daemon answers: ${silent.join('; ')}`);
  }

  /** Janus with a WebSocket port and a plain-RTP range of its own, reserved apart from rtpengine's. */
  private async createJanus(): Promise<JanusService> {
    const isDev = this.name === 'dev';
    const alloc = await allocatePorts(this.janusOwner(), [{ key: 'ws', proto: 'tcp', prefer: isDev ? [DEV_JANUS_WS] : undefined }],
      isDev ? 200 : 40, isDev ? DEV_JANUS_RTP_START : undefined);
    const opts = typeof this.opts.janus === 'object' ? this.opts.janus : {};
    return createJanus(this.ctx, { ws: alloc.ports.ws!, rtpMin: alloc.media[0], rtpMax: alloc.media[1] }, opts);
  }

  private janusOwner(): string {
    return `${this.stateDir}#janus`;
  }

  /** PostgreSQL and Redis only, then the migrations (the shared data tier of a pair). */
  private async startDataTier(): Promise<void> {
    const pg = await createPostgres(this.ctx);
    const rd = createRedis(this.ctx);
    this.pg = pg;
    this.rd = rd;
    this.urls = { postgres: pg.url, redis: rd.url };
    this.writeInfo(false);
    this.track('postgres', pg.daemon);
    this.track('redis', rd.daemon);
    await allStarted([pg.start(), rd.start()]);
    if (this.opts.migrate !== false) await migrate({ databaseUrl: pg.url });
    await this.allAnswer(false);
    this.readyAt = new Date().toISOString();
    this.writeInfo(false);
  }

  private track(name: ServiceName, daemon: Daemon): void {
    this.daemons[name] = daemon;
    daemon.onChange = () => this.onDaemonChange();
  }

  private onDaemonChange(): void {
    const groups = Object.values(this.daemons).flatMap((d) => (d.pid ? [d.pid] : []));
    if (existsSync(this.stateDir)) writeFileSync(join(this.stateDir, 'pgids'), groups.join('\n') + '\n');
    if (this.infoValue && !this.infoValue.stoppedAt) this.writeInfo(this.infoValue.api.enabled);
  }

  private startWatchdog(): void {
    this.onDaemonChange();
    const child = spawn('bash', [join(REPO_ROOT, 'scripts/stack/watchdog.sh'), String(process.pid),
      join(this.stateDir, 'pgids')], { detached: true, stdio: 'ignore' });
    child.unref();
  }

  private writeInfo(withControl: boolean, stoppedAt?: string): void {
    const ctx = this.ctx;
    const pids: Partial<Record<ServiceName, number>> = {};
    for (const [k, d] of Object.entries(this.daemons)) if (d.pid) pids[k as ServiceName] = d.pid;
    const host = ctx.host;
    this.infoValue = {
      name: this.name,
      stateDir: this.stateDir,
      logsDir: join(this.stateDir, 'logs'),
      spoolDir: join(this.stateDir, 'spool'),
      recordingsDir: join(this.stateDir, 'recordings'),
      sip: { domain: this.kam?.vars.SIP_DOMAIN ?? host, host, port: ctx.ports.sip,
        udp: `${host}:${ctx.ports.sip}`, tcp: `${host}:${ctx.ports.sip}`, ws: `ws://${host}:${ctx.ports.http}/`,
        ...(ctx.tls && ctx.ports.wss ? { wss: `wss://${host}:${ctx.ports.wss}/` } : {}) },
      api: { enabled: withControl, url: `http://${host}:${ctx.ports.api}`, eventsWs: `ws://${host}:${ctx.ports.api}/v1/events/ws`,
        metricsToken: this.controlEnv.CTI_METRICS_TOKEN ?? this.metricsToken,
        ...(ctx.tls && ctx.ports.https ? { httpsUrl: `https://${host}:${ctx.ports.https}` } : {}) },
      ...(ctx.tls ? { tls: ctx.tls } : {}),
      postgres: { url: this.urls.postgres, port: ctx.ports.postgres, socketDir: this.pg?.socketDir ?? '' },
      redis: { url: this.urls.redis, port: ctx.ports.redis },
      rtpengine: { ng: this.rtp?.ngAddr ?? '', mediaPorts: [ctx.ports.mediaMin, ctx.ports.mediaMax] },
      kamailio: { rpcUrl: `http://${host}:${ctx.ports.http}/RPC`, evapi: `${host}:${ctx.ports.evapi}`,
        configFile: join(this.stateDir, 'kamailio.cfg') },
      ...(this.janus ? { janus: { ws: this.janus.wsUrl, rtpPorts: this.janus.rtpPorts, recordingsDir: this.janus.recordingsDir } } : {}),
      ports: ctx.ports,
      ownerPid: process.pid,
      startedAt: this.infoValue?.startedAt ?? new Date().toISOString(),
      ready: this.readyAt !== undefined && !stoppedAt,
      ...(this.readyAt ? { readyAt: this.readyAt } : {}),
      ...(stoppedAt ? { stoppedAt } : {}),
      pids,
    };
    writeStackInfo(this.stateDir, this.infoValue);
  }

  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopping ??= this.doStop();
    await this.stopping;
    if (opts.removeData) {
      const outside = this.pg && !this.pg.dataDir.startsWith(this.stateDir + '/') ? dirname(this.pg.dataDir) : undefined;
      if (outside && basename(outside).startsWith('cti120-pg-')) rmSync(outside, { recursive: true, force: true });
      for (const dir of ['pg', 'redis']) rmSync(join(this.stateDir, dir), { recursive: true, force: true });
    }
  }

  private async doStop(): Promise<void> {
    const order: ServiceName[] = ['control', 'kamailio', 'janus', 'rtpengine', 'redis', 'postgres'];
    const errors: string[] = [];
    for (const name of order) {
      try {
        await this.daemons[name]?.stop();
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message}`);
      }
    }
    if (this.infoValue) this.writeInfo(this.infoValue.api.enabled, new Date().toISOString());
    rmSync(join(this.stateDir, 'pgids'), { force: true });
    liveStacks.delete(this);
    if (this.ctx) await releasePorts(this.stateDir);
    if (this.janus) await releasePorts(this.janusOwner());
    if (errors.length) throw new Error(`stopping stack ${this.name}: ${errors.join('; ')}`);
  }
}

/**
 * Deletes a stopped stack's state folder, and its PostgreSQL folder when that lives outside
 * (see pgLocation). Refuses while the stack runs.
 */
export function removeStackState(name: string, root = REPO_ROOT): void {
  const info = readStackInfo(name, root);
  if (info && !info.stoppedAt && processAlive(info.ownerPid)) {
    throw new Error(`stack "${name}" is running (owner pid ${info.ownerPid}); stop it first`);
  }
  const dir = stateDirOf(name, root);
  const link = join(dir, 'pg');
  const st = lstatSync(link, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) {
    const outside = dirname(readlinkSync(link));
    if (basename(outside).startsWith('cti120-pg-')) rmSync(outside, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Daemons of an earlier run whose owner died without stopping them. */
function killLeftovers(info: StackInfo): void {
  for (const pid of Object.values(info.pids)) {
    if (pid && groupMembers(pid).length > 0) signalGroup(pid, 'SIGKILL');
  }
}

/** Stops a stack started by another process (the CLI's `stop`): asks its owner, else kills its daemons. */
export async function stopStackByName(name: string, timeoutMs = 20_000): Promise<'stopped' | 'not-running'> {
  const info = readStackInfo(name);
  if (!info || info.stoppedAt) return 'not-running';
  const pids = Object.values(info.pids).filter((p): p is number => !!p);
  const anyAlive = () => pids.some((p) => groupMembers(p).length > 0);
  if (processAlive(info.ownerPid) && info.ownerPid !== process.pid) {
    process.kill(info.ownerPid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while ((processAlive(info.ownerPid) || anyAlive()) && Date.now() < deadline) await sleep(100);
  }
  if (anyAlive()) {
    for (const p of pids) signalGroup(p, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (anyAlive() && Date.now() < deadline) await sleep(100);
    for (const p of pids) signalGroup(p, 'SIGKILL');
  }
  return 'stopped';
}

let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort when the process exits with stacks still running: the clean-stop signal to each
  // main process now (the watchdog follows up with SIGKILL).
  process.on('exit', () => {
    for (const stack of liveStacks) {
      for (const d of Object.values(stack.daemons)) {
        if (d.pid) {
          try {
            process.kill(d.pid, d.spec.stopSignal ?? 'SIGTERM');
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
          }
        }
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only when nobody else (the CLI) handles the signal: stop every stack cleanly, then exit.
    if (process.listenerCount(sig) > 0) continue;
    process.once(sig, () => {
      void stopAllStacks().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}

/** Stops every stack this process started. */
export async function stopAllStacks(): Promise<void> {
  await Promise.allSettled([...liveStacks].map((s) => s.stop()));
}
