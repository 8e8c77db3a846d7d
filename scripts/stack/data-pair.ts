/**
 * The replicated data tier of a pair (docs/ha.md, "The data tier of a pair"), started by startPair when
 * `replicatedData` is set:
 *
 *   witness (the "data" namespace)  pg_auto_failover monitor, Redis Sentinel
 *   A                               PostgreSQL (first primary, pg_auto_failover keeper), Redis master, Sentinel
 *   B                               PostgreSQL (synchronous standby), Redis replica, Sentinel
 *
 * Clients find the writable PostgreSQL with a multi-host URL (target_session_attrs=read-write) and the Redis
 * master through the Sentinels (redis-sentinel:// URL, control/src/ha/data/redis-connection.ts). The witness
 * is the third vote of both: two hosts cannot elect a primary safely on their own.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { sigkillAll, sleep } from './daemon.ts';
import { REPO_ROOT, migrate } from './migrate.ts';
import type { PairNetwork } from './netns.ts';
import { stateDirOf } from './stack.ts';
import { allocatePorts, releasePorts } from './ports.ts';
import type { Ports, ServiceContext } from './services/context.ts';
import { allowCti, createPgaf, formationState, monitorUri, primaryOf, showState, type PgafService } from './services/pg-auto-failover.ts';
import { createRedis, type RedisService } from './services/redis.ts';
import { createSentinel, SENTINEL_PORT, type SentinelService } from './services/redis-sentinel.ts';
import { watchDaemon } from './services/watched.ts';
import { placeRedisVip, redisVipHolder, redisVipOf, writeReconfigScript } from './services/redis-vip.ts';
import { connectRedis, sentinelUrl } from '../../control/src/ha/data/redis-connection.ts';

export type DataNode = 'a' | 'b';
export type DataHost = DataNode | 'data';
const DATA_NODES: readonly DataNode[] = ['a', 'b'];
const HOSTS: readonly DataHost[] = ['data', 'a', 'b'];
/**
 * One port per host: pg_autoctl's PostgreSQL sockets all go to /var/run/postgresql (services/pg-auto-failover.ts),
 * shared by every namespace and every checkout on the machine. --- CI (feat-ci): the ports come from the
 * machine-wide registry, not fixed 5431-5433: with fixed ports two pairs at once (another checkout's, or a second
 * run) had each other's sockets, and a data tier's start read "single" from the other's monitor and then found
 * no pg_hba.conf of its own (CI run on the shared machine). ---
 */
async function pgPortsFor(name: string): Promise<Readonly<Record<DataHost, number>>> {
  const { ports } = await allocatePorts(pgPortsOwner(name), HOSTS.map((h) => ({ key: h, proto: 'tcp' as const })), 0);
  return { data: ports.data!, a: ports.a!, b: ports.b! };
}
const pgPortsOwner = (name: string) => `${stateDirOf(name)}-pgaf-ports`;
const REDIS_PORT = 6379;
export const REDIS_MASTER_NAME = 'cti';

export interface ReplicatedData {
  /** postgres://cti:…@A:5432,B:5433/cti?target_session_attrs=primary: the control plane's CTI_PG_URL. */
  readonly postgresUrl: string;
  /** redis-sentinel://A:26379,B:26379,witness:26379/cti: the control plane's CTI_REDIS_URL. */
  readonly redisUrl: string;
  /** The same multi-host target in the form Kamailio's db_postgres passes to libpq (the dbname expands to a URI). */
  readonly kamailioDbUrl: string;
  /** redis://<Redis floating address>:6379: rtpengine's Redis, which Sentinel's reconfig script moves to the master (services/redis-vip.ts). */
  readonly rtpengineRedisUrl: string;
  /** The node whose namespace holds the Redis floating address now. */
  redisVipHolder(): DataNode | undefined;
  readonly monitor: PgafService;
  readonly pg: Readonly<Record<DataNode, PgafService>>;
  readonly redis: Readonly<Record<DataNode, RedisService>>;
  readonly sentinels: Readonly<Record<DataHost, SentinelService>>;
  /** The node whose PostgreSQL the monitor has as the writable primary now. */
  pgPrimary(): Promise<DataNode | undefined>;
  /** The node the Sentinels (a majority of those that answer) have as the Redis master now. */
  redisMaster(): Promise<DataNode | undefined>;
  /**
   * Where the Redis master is now (host and port), for a client that cannot ask Sentinel itself (rtpengine's
   * --redis): the one place to look it up. Such a client must be re-pointed after a promotion (Sentinel's
   * `client-reconfig-script` runs on every promotion with the new master's address).
   */
  redisMasterAddr(): Promise<{ host: string; port: number } | undefined>;
  /** The host's PostgreSQL dies at once: its pg_autoctl and every PostgreSQL process get SIGKILL. */
  killPostgres(node: DataNode): Promise<void>;
  /** The host's PostgreSQL comes back on its old data; the monitor decides its role (an old primary rejoins as standby). */
  restartPostgres(node: DataNode): Promise<void>;
  /** The host's Redis dies at once (SIGKILL). */
  killRedis(node: DataNode): Promise<void>;
  /** The host's Redis comes back on its old data, as a replica of the master the Sentinels name. */
  restartRedis(node: DataNode): Promise<void>;
  stop(): Promise<void>;
}

function portsOf(host: DataHost, pgPorts: Readonly<Record<DataHost, number>>): Ports {
  return { sip: 0, http: 0, evapi: 0, ng: 0, api: 0, redis: REDIS_PORT, postgres: pgPorts[host], mediaMin: 0, mediaMax: 0 };
}

function contextOf(name: string, host: DataHost, net: PairNetwork, pgPorts: Readonly<Record<DataHost, number>>): ServiceContext {
  const stateDir = stateDirOf(`${name}-db-${host}`);
  return { name: `${name}-db-${host}`, root: REPO_ROOT, stateDir, host: net.addr[host], ports: portsOf(host, pgPorts), durable: false, netns: net.ns[host] };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, detail: () => Promise<string>): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch { /* not yet */ }
    if (Date.now() > until) throw new Error(`data tier: ${what} not reached within ${timeoutMs} ms (${await detail()})`);
    await sleep(100);
  }
}

/** Process ids in a namespace whose owner is `uid` (a host's PostgreSQL and its pg_autoctl). */
function pidsOf(ns: string, uid: number): number[] {
  const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  return pids.filter((p) => {
    try {
      return /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] === String(uid);
    } catch {
      return false;
    }
  });
}

export async function startReplicatedData(name: string, net: PairNetwork): Promise<ReplicatedData> {
  if (!existsSync('/usr/bin/pg_autoctl')) {
    throw new Error('the replicated data tier needs pg_auto_failover: `bash scripts/setup.sh` installs postgresql-15-auto-failover');
  }
  const ctx = {} as Record<DataHost, ServiceContext>;
  const PG_PORTS = await pgPortsFor(name);
  for (const h of HOSTS) {
    ctx[h] = contextOf(name, h, net, PG_PORTS);
    rmSync(ctx[h].stateDir, { recursive: true, force: true });
    mkdirSync(join(ctx[h].stateDir, 'logs'), { recursive: true, mode: 0o755 });
  }
  const cidr = `${net.addr.data.split('.').slice(0, 3).join('.')}.0/${net.prefixLength}`;
  const pwFile = join(ctx.data.stateDir, 'pg-password');
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('hex') + '\n', { mode: 0o600 });
  const password = readFileSync(pwFile, 'utf8').trim();

  const monitor = createPgaf(ctx.data, { role: 'monitor' });
  const pg = {} as Record<DataNode, PgafService>;
  for (const n of DATA_NODES) pg[n] = createPgaf(ctx[n], { role: 'postgres', nodeName: n, monitorUri: monitorUri(net.addr.data, PG_PORTS.data) });
  // both listen on the Redis floating address too (bound before it arrives: ip_nonlocal_bind, set by pair.ts)
  const bindVip = (n: DataNode) => `bind ${net.addr[n]} ${redisVipOf(net)}`;
  const redis: Record<DataNode, RedisService> = {
    a: createRedis(ctx.a, [bindVip('a')]),
    b: createRedis(ctx.b, [bindVip('b'), `replicaof ${net.addr.a} ${REDIS_PORT}`]),
  };
  const sentinels = {} as Record<DataHost, SentinelService>;
  for (const h of HOSTS) {
    sentinels[h] = createSentinel(ctx[h], { masterName: REDIS_MASTER_NAME, master: { host: net.addr.a, port: REDIS_PORT },
      clientReconfigScript: writeReconfigScript(ctx[h].stateDir, net, net.addr[h]) });
  }
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await releasePorts(pgPortsOwner(name));
  };
  const nodeOf = (host: string): DataNode | undefined => DATA_NODES.find((n) => net.addr[n] === host);
  const state = () => showState(monitor);
  const single = (n: DataNode) => `postgres://cti:${password}@${net.addr[n]}:${PG_PORTS[n]}/cti`;
  const hosts = DATA_NODES.map((n) => `${net.addr[n]}:${PG_PORTS[n]}`).join(',');

  const startRedis = async (n: DataNode) => {
    started.push(redis[n]);
    await redis[n].start();
    watchDaemon(ctx[n], redis[n].daemon);
  };

  const startPostgresTier = async () => {
    started.push(monitor);
    await monitor.start();
    started.push(pg.a);
    await pg.a.start();
    await waitFor('A as the single PostgreSQL', 60_000, async () => {
      const a = (await formationState(monitor)).find((x) => x.name === 'a');
      return a && a.reported === 'single' && a.goal === 'single';
    }, state);
    await pg.a.superQuery(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cti') THEN CREATE ROLE cti LOGIN; END IF; END $$`);
    await pg.a.superQuery(`ALTER ROLE cti PASSWORD '${password}'`);
    // every store of the control plane commits to the synchronous standby (docs/ha.md: why none is asynchronous)
    await pg.a.superQuery(`ALTER ROLE cti SET synchronous_commit = 'on'`);
    await pg.a.superQuery('ALTER DATABASE cti OWNER TO cti');
    // pg_basebackup copies pg_hba.conf to the standby, so the line is on both
    allowCti(pg.a.dataDir, cidr);
    await pg.a.superQuery('SELECT pg_reload_conf()');
    await migrate({ databaseUrl: single('a') });
    started.push(pg.b);
    await pg.b.start();
    // pg_basebackup waits for a *spread* checkpoint on the primary (up to minutes on an idle one): ask for it now
    await waitFor('B as the synchronous standby', 90_000, async () => {
      const nodes = await formationState(monitor);
      if (nodes.find((x) => x.name === 'b' && x.reported === 'secondary' && x.goal === 'secondary')
        && nodes.find((x) => x.name === 'a' && x.reported === 'primary')) return true;
      await pg.a.superQuery('CHECKPOINT').catch(() => undefined);
      await sleep(400);
      return false;
    }, state);
    for (const n of DATA_NODES) await pg[n].tuneKeeper();
  };

  const startRedisTier = async () => {
    await startRedis('a');
    placeRedisVip(net, net.ns.a, true);
    await startRedis('b');
    for (const h of HOSTS) {
      started.push(sentinels[h]);
      await sentinels[h].start();
    }
    // a failover needs the Sentinels to know each other and the replica (hello messages every 2 s)
    await waitFor('three Sentinels that know each other and the replica', 30_000, async () => {
      for (const h of HOSTS) {
        const i = await sentinels[h].info();
        if (i['num-other-sentinels'] !== '2' || i['num-slaves'] !== '1') return false;
      }
      return true;
    }, async () => JSON.stringify(await Promise.all(HOSTS.map((h) => sentinels[h].info().catch((e: Error) => e.message)))));
  };

  try {
    await Promise.all([startPostgresTier(), startRedisTier()]);
  } catch (e) {
    await stop();
    throw e;
  }

  const data: ReplicatedData = {
    // `primary`, not `read-write`: postgres.js's read-write check looks at default_transaction_read_only only, which a
    // hot standby reports `off`, so it would settle on a standby (an old primary back as standby, listed first)
    postgresUrl: `postgres://cti:${password}@${hosts}/cti?target_session_attrs=primary&connect_timeout=2`,
    redisUrl: sentinelUrl({ sentinels: HOSTS.map((h) => ({ host: net.addr[h], port: SENTINEL_PORT })), name: REDIS_MASTER_NAME }),
    kamailioDbUrl: `postgres://cti:${password}@${net.addr.a}:${PG_PORTS.a}/postgresql://${hosts}/cti?target_session_attrs=read-write&connect_timeout=2`,
    rtpengineRedisUrl: `redis://${redisVipOf(net)}:${REDIS_PORT}`,
    redisVipHolder: () => redisVipHolder(net, { a: net.ns.a, b: net.ns.b }),
    monitor,
    pg,
    redis,
    sentinels,
    async pgPrimary() {
      const p = primaryOf(await formationState(monitor));
      return p ? nodeOf(p.host) : undefined;
    },
    async redisMaster() {
      const addr = await data.redisMasterAddr();
      return addr ? nodeOf(addr.host) : undefined;
    },
    async redisMasterAddr() {
      const votes = await Promise.all(HOSTS.map((h) => sentinels[h].master().catch(() => undefined)));
      const counts = new Map<string, { n: number; port: number }>();
      for (const v of votes) if (v) counts.set(v.host, { n: (counts.get(v.host)?.n ?? 0) + 1, port: v.port });
      const best = [...counts].sort((x, y) => y[1].n - x[1].n)[0];
      return best && best[1].n >= 2 ? { host: best[0], port: best[1].port } : undefined;
    },
    async killPostgres(n) {
      const uid = Number(/^postgres:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1]);
      await sigkillAll(pidsOf(net.ns[n], uid));
    },
    async restartPostgres(n) {
      await pg[n].start();
    },
    async killRedis(n) {
      await redis[n].daemon.kill();
    },
    async restartRedis(n) {
      const master = await sentinels.data.master();
      // not as a master with its old data: as a replica of the master the Sentinels name (they would turn it anyway)
      const conf = join(ctx[n].stateDir, 'redis.conf');
      const text = readFileSync(conf, 'utf8').split('\n').filter((l) => !l.startsWith('replicaof '));
      if (master && master.host !== net.addr[n]) text.splice(text.length - 1, 0, `replicaof ${master.host} ${master.port}`);
      writeFileSync(conf, text.join('\n'));
      // rtpengine's Redis address may still be on this host (its Sentinel was away at the promotion)
      if (master && master.host !== net.addr[n]) placeRedisVip(net, net.ns[n], false);
      await redis[n].start();
      watchDaemon(ctx[n], redis[n].daemon);
    },
    stop,
  };
  return data;
}

/** A Redis client that follows the master through the Sentinels (tests, the bench), as the control plane's. */
export function sentinelClient(data: ReplicatedData): Redis {
  return connectRedis(data.redisUrl, { maxRetriesPerRequest: 3 });
}
