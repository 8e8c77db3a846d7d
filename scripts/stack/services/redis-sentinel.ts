/**
 * Redis Sentinel (the redis-server binary in sentinel mode, as Debian's redis-sentinel package runs it) watching
 * a pair's Redis master (docs/ha.md, "The data tier of a pair"): one Sentinel on A, one on B and one on the
 * witness, quorum 2, a master not answering for `downAfterMs` (1 s; 30 s as shipped) is failed over to the
 * replica. Sentinel rewrites its own config file (known replicas, other Sentinels, the current master).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Daemon } from '../daemon.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';
import { redisPing } from './probes.ts';
import { watchDaemon } from './watched.ts';

export const SENTINEL_PORT = 26379;

export interface SentinelOptions {
  /** Name of the watched master (the control plane's redis-sentinel:// URL names it too). */
  readonly masterName: string;
  readonly master: { readonly host: string; readonly port: number };
  readonly quorum?: number;
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
  /** Run by Sentinel after each failover with the new master's address (services/redis-vip.ts moves rtpengine's address). */
  readonly clientReconfigScript?: string;
}

export interface SentinelService {
  readonly daemon: Daemon;
  readonly host: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Where this Sentinel says the master is now. */
  master(): Promise<{ host: string; port: number } | undefined>;
  /** SENTINEL MASTER <name> as a field map (num-other-sentinels, num-slaves, flags...). */
  info(): Promise<Record<string, string>>;
}

export function sentinelConfig(ctx: ServiceContext, o: SentinelOptions): string {
  const n = o.masterName;
  return [
    '# rendered by scripts/stack/services/redis-sentinel.ts (Sentinel rewrites it while it runs)',
    `bind ${ctx.host}`,
    `port ${SENTINEL_PORT}`,
    // reached over the pair's bridge only (no route out of the machine); production sets requirepass/sentinel auth-pass
    'protected-mode no',
    'daemonize no',
    `dir ${statePath(ctx, 'sentinel')}`,
    'logfile ""',
    `sentinel monitor ${n} ${o.master.host} ${o.master.port} ${o.quorum ?? 2}`,
    `sentinel down-after-milliseconds ${n} ${o.downAfterMs ?? 1000}`,
    `sentinel failover-timeout ${n} ${o.failoverTimeoutMs ?? 10_000}`,
    `sentinel parallel-syncs ${n} 1`,
    ...(o.clientReconfigScript ? [`sentinel client-reconfig-script ${n} ${o.clientReconfigScript}`] : []),
    '',
  ].join('\n');
}

export function createSentinel(ctx: ServiceContext, o: SentinelOptions): SentinelService {
  const dir = statePath(ctx, 'sentinel');
  mkdirSync(dir, { recursive: true });
  const conf = statePath(ctx, 'sentinel.conf');
  writeFileSync(conf, sentinelConfig(ctx, o));
  const daemon = new Daemon({
    name: 'redis-sentinel',
    command: 'redis-server',
    args: [conf, '--sentinel'],
    logFile: logPath(ctx, 'redis-sentinel'),
    cwd: dir,
    ...inNetns(ctx),
  });
  const ask = async <T>(args: string[]): Promise<T> => {
    const c = new Redis({ host: ctx.host, port: SENTINEL_PORT, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
    c.on('error', () => { /* reported by the failing call */ });
    try {
      await c.connect();
      return (await c.call('SENTINEL', ...args)) as T;
    } finally {
      c.disconnect();
    }
  };
  return {
    daemon,
    host: ctx.host,
    port: SENTINEL_PORT,
    async start() {
      daemon.start();
      watchDaemon(ctx, daemon);
      await daemon.waitReady(() => redisPing(ctx.host, SENTINEL_PORT), 15_000, 'answering PING');
    },
    stop: () => daemon.stop(),
    async master() {
      const r = await ask<[string, string] | null>(['get-master-addr-by-name', o.masterName]);
      return r ? { host: r[0], port: Number(r[1]) } : undefined;
    },
    async info() {
      const flat = await ask<string[]>(['master', o.masterName]);
      const out: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
      return out;
    },
  };
}
