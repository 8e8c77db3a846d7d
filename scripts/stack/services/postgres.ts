/**
 * PostgreSQL 15: a cluster of the stack's own in <state>/pg, copied from a template made once by
 * initdb (in .run/.pg-template), listening on 127.0.0.1:<port> only, unix socket inside the state
 * folder. Role `cti` (password generated per stack, kept in <state>/pg-password, scram over TCP),
 * database `cti`. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Daemon } from '../daemon.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const TEMPLATE_VERSION = 'cti-template-v2';

export interface RunAs { uid?: number; gid?: number }

export function postgresUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` user; run `bash scripts/setup.sh` (installs postgresql-15)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** mkdir -p, then mode 0755 on the folder itself whatever the umask (the postgres user passes through). */
function traversableDir(path: string): void {
  mkdirSync(path, { recursive: true });
  if ((statSync(path).mode & 0o005) !== 0o005) chmodSync(path, 0o755);
}

export function ownDir(path: string, who: RunAs, mode = 0o700): void {
  mkdirSync(path, { recursive: true, mode });
  if (who.uid !== undefined) chownSync(path, who.uid, who.gid!);
}

function runCommand(cmd: string, args: string[], who: RunAs, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...who, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`))));
    child.stdin.end(input ?? '');
  });
}

/** Makes (once, shared by all stacks) an initdb'd cluster with role and database `cti`. */
export async function ensureTemplate(runRoot: string): Promise<string> {
  const dir = join(runRoot, '.pg-template');
  if (existsSync(join(dir, TEMPLATE_VERSION))) return dir;
  // A template of an older layout: make it again.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  const who = postgresUser();
  traversableDir(runRoot);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  ownDir(tmp, who);
  await runCommand(join(PG_BIN, 'initdb'), ['-D', tmp, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8',
    '--auth-local=trust', '--auth-host=scram-sha-256', '--wal-segsize=1', '--no-sync', '--no-instructions'], who);
  // Single-user mode: no port, no socket. One statement per line.
  await runCommand(join(PG_BIN, 'postgres'), ['--single', '-D', tmp, '-c', 'fsync=off', 'postgres'], who,
    'CREATE ROLE cti LOGIN\nCREATE DATABASE cti OWNER cti\n');
  writeFileSync(join(tmp, TEMPLATE_VERSION), 'role cti, database cti\n');
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process built it meanwhile: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, TEMPLATE_VERSION))) throw e;
  }
  return dir;
}

/** Whether every folder on the way to `dir` lets `who` through (x permission). */
function reachable(dir: string, who: RunAs): boolean {
  if (who.uid === undefined) return true;
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st) {
      const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    if (d === dirname(d)) return true;
  }
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * Where the cluster lives: in the state folder when the postgres user can reach it, else (a
 * clone under /root, say) in the temp folder with a symlink <state>/pg pointing there. The socket
 * folder moves to the temp folder too when its path would be too long for a unix socket (107 bytes).
 */
export function pgLocation(ctx: ServiceContext, who: RunAs = postgresUser()):
{ dataDir: string; socketDir: string; templateRoot: string } {
  const runRoot = join(ctx.root, '.run');
  const inside = reachable(ctx.stateDir, who);
  const base = inside ? ctx.stateDir : join(tmpdir(), `cti120-pg-${shortHash(ctx.stateDir)}`);
  let socketDir = join(base, 'pg-socket');
  if (socketDir.length + '/.s.PGSQL.65535.lock'.length > 100) {
    socketDir = join(tmpdir(), `cti120-pgsock-${shortHash(ctx.stateDir)}`);
  }
  return {
    dataDir: join(base, 'pg'),
    socketDir,
    templateRoot: reachable(runRoot, who) ? runRoot : join(tmpdir(), `cti120-pg-${shortHash(runRoot)}`),
  };
}

/** Lets hosts of `cidr` log in over TCP with a password (the nodes of a pair; initdb allows only loopback). */
export function allowClients(dataDir: string, cidr: string): void {
  const hba = join(dataDir, 'pg_hba.conf');
  const line = `host all all ${cidr} scram-sha-256`;
  const text = readFileSync(hba, 'utf8');
  if (!text.split('\n').includes(line)) writeFileSync(hba, `${text.trimEnd()}\n${line}\n`);
}

export interface PostgresService {
  readonly daemon: Daemon;
  readonly url: string;
  readonly socketDir: string;
  readonly dataDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `SELECT 1` over TCP as role cti. */
  answers(): Promise<boolean>;
}

export async function createPostgres(ctx: ServiceContext): Promise<PostgresService> {
  const who = postgresUser();
  const { dataDir, socketDir, templateRoot } = pgLocation(ctx, who);
  const pwFile = statePath(ctx, 'pg-password');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const template = await ensureTemplate(templateRoot);
    rmSync(dataDir, { recursive: true, force: true });
    traversableDir(dirname(dataDir));
    await run('cp', ['-a', '--reflink=auto', template, dataDir]);
  }
  if (ctx.clientNet) allowClients(dataDir, ctx.clientNet);
  const link = statePath(ctx, 'pg');
  if (dataDir !== link && !existsSync(link)) symlinkSync(dataDir, link);
  ownDir(socketDir, who);
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('hex') + '\n', { mode: 0o600 });
  const password = readFileSync(pwFile, 'utf8').trim();
  const port = ctx.ports.postgres;
  const url = `postgres://cti:${password}@${ctx.host}:${port}/cti`;

  const speed = ctx.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const daemon = new Daemon({
    name: 'postgres',
    command: join(PG_BIN, 'postgres'),
    args: ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${ctx.host}`,
      '-c', `unix_socket_directories=${socketDir}`, '-c', 'unix_socket_permissions=0700', ...speed],
    logFile: logPath(ctx, 'postgres'),
    cwd: ctx.stateDir,
    uid: who.uid,
    gid: who.gid,
    stopSignal: 'SIGINT',
    ...inNetns(ctx),
  });

  async function superQuery(sql: string): Promise<void> {
    const client = new pg.Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
    client.on('error', () => { /* reported by the failing query */ });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  async function tcpReady(): Promise<boolean> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => { /* reported by the failing query */ });
    await client.connect();
    try {
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end();
    }
  }

  return {
    daemon,
    url,
    socketDir,
    dataDir,
    async start() {
      daemon.start();
      await daemon.waitReady(async () => { await superQuery('SELECT 1'); return true; }, 30_000, 'accepting connections');
      await superQuery(`ALTER ROLE cti PASSWORD '${password}'`);
      await daemon.waitReady(tcpReady, 10_000, 'reachable over TCP as role cti');
    },
    stop: () => daemon.stop(),
    answers: tcpReady,
  };
}
