/** Redis: a generated redis.conf in <state>/redis, AOF on (everysec), foreground, loopback only. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Daemon } from '../daemon.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';
import { redisPing } from './probes.ts';

export interface RedisService {
  readonly daemon: Daemon;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Clean stop and start again on the same port with the same data (crash-safety tests). */
  restart(): Promise<void>;
}

/** `extraConf`: more redis.conf lines (a pair's replica: `replicaof`, scripts/stack/data-pair.ts). */
export function createRedis(ctx: ServiceContext, extraConf: readonly string[] = []): RedisService {
  const dir = statePath(ctx, 'redis');
  const conf = statePath(ctx, 'redis.conf');
  const port = ctx.ports.redis;
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, [
    `bind ${ctx.host}`,
    `port ${port}`,
    // a pair's nodes reach it over the namespaces' bridge (no route out of the machine); production sets a password
    `protected-mode ${ctx.netns ? 'no' : 'yes'}`,
    'daemonize no',
    `dir ${dir}`,
    `pidfile ${dir}/redis.pid`,
    'logfile ""',
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    // a pair's data tier: rtpengine on the backup node learns the master's calls from keyspace notifications
    // (SET/DEL of its calls' keys; services/rtpengine-redundancy.ts); a single node does not need them
    ...(ctx.netns ? ['notify-keyspace-events K$gx'] : []),
    ...extraConf,
    '',
  ].join('\n'));
  const daemon = new Daemon({
    name: 'redis',
    command: 'redis-server',
    args: [conf],
    logFile: logPath(ctx, 'redis'),
    cwd: dir,
    ...inNetns(ctx),
  });
  const start = async () => {
    daemon.start();
    await daemon.waitReady(() => redisPing(ctx.host, port), 15_000, 'answering PING');
  };
  const stop = () => daemon.stop();
  return {
    daemon,
    url: `redis://${ctx.host}:${port}`,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}
