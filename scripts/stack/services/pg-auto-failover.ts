/**
 * PostgreSQL with automatic failover by pg_auto_failover 2.0 (Debian: postgresql-15-auto-failover), for a pair's
 * data tier (docs/ha.md, "The data tier of a pair"). One `pg_autoctl` process per host, in the host's network
 * namespace, as the postgres user: on the witness it runs the monitor (a PostgreSQL of its own that holds the
 * formation's state and decides promotions); on A and B it is the keeper, which runs and supervises that host's
 * PostgreSQL and follows the monitor's orders (primary, standby, promote, demote, rejoin with pg_rewind).
 *
 * Everything pg_autoctl keeps (its config and state files) lives beside the data folder, so a host that comes
 * back (`start()` again on the same context) runs `pg_autoctl run` on its old data and the monitor decides its
 * role: an old primary is demoted and rewound to follow the new one, it never takes the lead.
 *
 * Inside the pair's bridge pg_autoctl's own roles (monitor health checks, replication) use `trust` (the bridge
 * is not routed anywhere); the control plane's role `cti` logs in with a password (scram) from the pair's subnet.
 */
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Daemon, commandLine } from '../daemon.ts';
import { inNetns, logPath, type ServiceContext } from './context.ts';
import { PG_BIN, ownDir, pgLocation, postgresUser } from './postgres.ts';
import { watchDaemon } from './watched.ts';

/** The monitor's promotion timings (GUCs of the pgautofailover extension), tuned from the shipped 20-30 s. */
export const MONITOR_TIMINGS: Readonly<Record<string, number>> = {
  // probe every node each second; one retry after 500 ms; a node that neither answers nor reports for 1 s is down
  'pgautofailover.health_check_period': 1000,
  'pgautofailover.health_check_timeout': 1000,
  'pgautofailover.health_check_max_retries': 1,
  'pgautofailover.health_check_retry_delay': 500,
  'pgautofailover.node_considered_unhealthy_timeout': 1000,
  // how long the monitor waits for a lost primary to demote itself before it lets the standby accept writes.
  // Until then the promoted standby is read-only (default_transaction_read_only); meanwhile an old primary cut
  // off from the monitor cannot commit a synchronous transaction either (its standby no longer streams from it).
  'pgautofailover.primary_demote_timeout': 3000,
};

const SOCKET_DIR = '/var/run/postgresql';

/**
 * The keeper's own timeouts (seconds, `pg_autoctl config set`): a primary that cannot reach the monitor nor its
 * standby demotes itself after `network_partition_timeout` (shipped 20 s). It must be below the monitor's
 * primary_demote_timeout, else a primary cut off from the monitor could stay writable after the standby is promoted.
 */
export const KEEPER_TIMEOUTS: Readonly<Record<string, number>> = {
  'timeout.network_partition_timeout': 2,
};

export type PgafRole = 'monitor' | 'postgres';

const execFileAsync = promisify(execFile);

export interface PgafOptions {
  readonly role: PgafRole;
  /** Node name in the formation (postgres role). */
  readonly nodeName?: string;
  /** postgres://autoctl_node@<witness>:<port>/pg_auto_failover?sslmode=disable (postgres role). */
  readonly monitorUri?: string;
}

export interface PgafNodeState {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly reported: string;
  readonly goal: string;
}

export interface PgafService {
  readonly daemon: Daemon;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** KEEPER_TIMEOUTS into the keeper's config, and the running keeper reloads it (once its node is set up). */
  tuneKeeper(): Promise<void>;
  /** A query as the postgres superuser over this host's unix socket (database `db`). */
  superQuery<T = Record<string, unknown>>(sql: string, db?: string): Promise<T[]>;
}

export function monitorUri(host: string, port: number): string {
  return `postgres://autoctl_node@${host}:${port}/pg_auto_failover?sslmode=disable`;
}

export function createPgaf(ctx: ServiceContext, o: PgafOptions): PgafService {
  const who = postgresUser();
  const { dataDir } = pgLocation(ctx, who);
  // pg_autoctl starts PostgreSQL with the packaged unix socket folder whatever --pghost says: the namespaces share
  // the file system, so each host of a pair has a port of its own (scripts/stack/data-pair.ts)
  const socketDir = SOCKET_DIR;
  const home = join(dirname(dataDir), 'pgaf-home');
  const port = ctx.ports.postgres;
  const env = {
    PATH: `${PG_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    LANG: 'C.UTF-8',
  };
  const common = ['--pgdata', dataDir, '--pgport', String(port), '--hostname', ctx.host, '--auth', 'trust', '--no-ssl'];
  const createArgs = o.role === 'monitor'
    ? ['create', 'monitor', ...common, '--run']
    : ['create', 'postgres', ...common, '--listen', ctx.host, '--name', o.nodeName!,
      '--monitor', o.monitorUri!, '--dbname', 'cti', '--run'];
  let daemon: Daemon | undefined;
  const make = (args: string[]) => new Daemon({
    name: o.role === 'monitor' ? 'pg-monitor' : 'pg-keeper',
    command: '/usr/bin/pg_autoctl',
    args,
    env,
    logFile: logPath(ctx, o.role === 'monitor' ? 'pg-monitor' : 'pg-keeper'),
    cwd: home,
    uid: who.uid,
    gid: who.gid,
    // pg_autoctl stops its PostgreSQL with a fast shutdown on SIGTERM
    stopTimeoutMs: 20_000,
    ...inNetns(ctx),
  });

  async function superQuery<T>(sql: string, db = o.role === 'monitor' ? 'pg_auto_failover' : 'cti'): Promise<T[]> {
    const client = new pg.Client({ host: socketDir, port, user: 'postgres', database: db, connectionTimeoutMillis: 2000 });
    client.on('error', () => { /* reported by the failing query */ });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** `pg_autoctl <args>` as the postgres user in the host's namespace, with the service's environment. */
  async function autoctl(args: string[]): Promise<string> {
    const cmd = commandLine({ command: '/usr/bin/pg_autoctl', args, uid: who.uid, gid: who.gid, ...inNetns(ctx) });
    const { stdout } = await execFileAsync(cmd.command, cmd.args, { env, uid: cmd.uid, gid: cmd.gid, cwd: home });
    return stdout;
  }

  const service: PgafService = {
    get daemon() {
      if (!daemon) throw new Error('pg_autoctl not started');
      return daemon;
    },
    dataDir,
    socketDir,
    port,
    async start() {
      for (const d of [dirname(dataDir), home, env.XDG_CONFIG_HOME, env.XDG_DATA_HOME]) ownDir(d, who, 0o755);
      mkdirSync(join(ctx.stateDir, 'logs'), { recursive: true });
      // a host that comes back: its keeper/monitor config is there, run on the old data and let the monitor decide
      const created = existsSync(join(dataDir, 'PG_VERSION')) && existsSync(env.XDG_CONFIG_HOME);
      daemon = make(created ? ['run', '--pgdata', dataDir] : createArgs);
      daemon.start();
      watchDaemon(ctx, daemon);
      if (o.role === 'monitor') {
        await daemon.waitReady(async () => (await superQuery('SELECT 1')).length === 1, 60_000, 'monitor accepting connections');
        await tuneMonitor(superQuery);
      }
    },
    stop: async () => { await daemon?.stop(); },
    async tuneKeeper() {
      if (!existsSync(keeperConfig(env.XDG_CONFIG_HOME, dataDir))) throw new Error(`no keeper config for ${dataDir}: start it first`);
      for (const [k, v] of Object.entries(KEEPER_TIMEOUTS)) await autoctl(['config', 'set', '--pgdata', dataDir, k, String(v)]);
      // the running keeper reads its config again on SIGHUP
      await autoctl(['reload', '--pgdata', dataDir]);
    },
    superQuery,
  };
  return service;
}

function keeperConfig(configHome: string, dataDir: string): string {
  return join(configHome, 'pg_autoctl', dataDir, 'pg_autoctl.cfg');
}

async function tuneMonitor(q: PgafService['superQuery']): Promise<void> {
  for (const [k, v] of Object.entries(MONITOR_TIMINGS)) await q(`ALTER SYSTEM SET ${k} = ${v}`);
  await q('SELECT pg_reload_conf()');
}

/** The formation's nodes as the monitor sees them. */
export async function formationState(monitor: PgafService): Promise<PgafNodeState[]> {
  const rows = await monitor.superQuery<{ nodename: string; nodehost: string; nodeport: number; reportedstate: string; goalstate: string }>(
    'SELECT nodename, nodehost, nodeport, reportedstate::text, goalstate::text FROM pgautofailover.node ORDER BY nodeid');
  return rows.map((r) => ({ name: r.nodename, host: r.nodehost, port: r.nodeport, reported: r.reportedstate, goal: r.goalstate }));
}

/** The writable primary according to the monitor: reported and assigned single, wait_primary or primary (moving between them). */
export function primaryOf(nodes: readonly PgafNodeState[]): PgafNodeState | undefined {
  const writable = new Set(['single', 'wait_primary', 'primary']);
  return nodes.find((n) => writable.has(n.reported) && writable.has(n.goal));
}

/** Lets role `cti` log in with its password from `cidr` (before pg_autoctl's own lines would not matter: distinct roles). */
export function allowCti(dataDir: string, cidr: string): void {
  const hba = join(dataDir, 'pg_hba.conf');
  const line = `host all cti ${cidr} scram-sha-256`;
  const text = readFileSync(hba, 'utf8');
  if (!text.split('\n').includes(line)) writeFileSync(hba, `${text.trimEnd()}\n${line}\n`);
}

/** `pg_autoctl show state` output as text (for logs and failure messages). */
export async function showState(monitor: PgafService): Promise<string> {
  try {
    const rows = await formationState(monitor);
    return rows.map((r) => `${r.name} ${r.host}:${r.port} ${r.reported}/${r.goal}`).join('; ');
  } catch (e) {
    return `monitor not answering: ${(e as Error).message}`;
  }
}
