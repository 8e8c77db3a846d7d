/** rtpengine: config rendered from engine/rtpengine/rtpengine.conf.tpl, userspace, foreground. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../daemon.ts';
import { renderTemplateFile } from '../template.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';
import { ngPing } from './probes.ts';

export interface RtpengineService {
  readonly daemon: Daemon;
  /** host:port of the NG control socket (UDP). */
  readonly ngAddr: string;
  readonly spoolDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RtpengineOptions {
  readonly deleteDelaySeconds?: number;
  readonly logLevel?: number;
  /** The address media is received on, sent from and advertised in SDP; default the stack's host. A pair's nodes use
   *  the floating address (bound before it arrives: net.ipv4.ip_nonlocal_bind), so media moves with it (docs/ha.md). */
  readonly mediaIp?: string;
  /** Call state kept in and taken from Redis (a pair, scripts/stack/services/rtpengine-redundancy.ts). */
  readonly redundancy?: RtpengineRedundancy;
}

/** rtpengine's Redis keyspace replication: each node writes its calls to its own database and subscribes to the peer's. */
export interface RtpengineRedundancy {
  /** host:port/db this node writes its calls to (and restores them from at start). */
  readonly write: string;
  /** The peer's database: its calls are held here as "foreign" calls, taken over on the first packet or command. */
  readonly subscribe: number;
}

/** The config lines of `r` (rtpengine(8): redis, subscribe-keyspace, active-switchover). */
export function redundancyLines(r: RtpengineRedundancy): string[] {
  return [
    '# a pair: this node\'s calls in Redis, the peer\'s held as foreign calls and taken over by any activity on them',
    `redis = ${r.write}`,
    `subscribe-keyspace = ${r.subscribe}`,
    'active-switchover = true',
    // the Redis may be away for a moment (its own failover): rtpengine starts and forwards media without it
    'no-redis-required = true',
    'redis-connect-timeout = 500',
    '',
  ];
}

export function createRtpengine(ctx: ServiceContext, opts: RtpengineOptions = {}): RtpengineService {
  const spoolDir = statePath(ctx, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  const conf = statePath(ctx, 'rtpengine.conf');
  writeFileSync(conf, renderTemplateFile(join(ctx.root, 'engine/rtpengine/rtpengine.conf.tpl'), {
    IP: ctx.host,
    MEDIA_IP: opts.mediaIp ?? ctx.host,
    NG_PORT: String(ctx.ports.ng),
    PORT_MIN: String(ctx.ports.mediaMin),
    PORT_MAX: String(ctx.ports.mediaMax),
    LOG_LEVEL: String(opts.logLevel ?? 6),
    PIDFILE: statePath(ctx, 'rtpengine.pid'),
    DELETE_DELAY: String(opts.deleteDelaySeconds ?? 2),
    SPOOL_DIR: spoolDir,
  }) + (opts.redundancy ? redundancyLines(opts.redundancy).join('\n') : ''));
  const daemon = new Daemon({
    name: 'rtpengine',
    command: 'rtpengine',
    args: [`--config-file=${conf}`, '--config-section=rtpengine'],
    logFile: logPath(ctx, 'rtpengine'),
    cwd: ctx.stateDir,
    ...inNetns(ctx),
  });
  return {
    daemon,
    ngAddr: `${ctx.host}:${ctx.ports.ng}`,
    spoolDir,
    async start() {
      daemon.start();
      await daemon.waitReady(() => ngPing(ctx.host, ctx.ports.ng, 500), 15_000, 'answering NG ping');
    },
    stop: () => daemon.stop(),
  };
}
