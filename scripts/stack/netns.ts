/**
 * Linux network namespaces for a two-node centre on one machine (docs/ha.md):
 *
 *   cti120-<id>-br    a bridge br0, no address; every other namespace has a veth on it
 *   cti120-<id>-data  PostgreSQL and Redis (this phase: one of each, shared by both nodes)   .10
 *   cti120-<id>-a     node A (Kamailio, rtpengine, control plane, keepalived)                 .11
 *   cti120-<id>-b     node B                                                                  .12
 *   cti120-<id>-car   the carrier: test gateways and outside phones                           .20
 *   the floating SIP address (keepalived VRRP on A and B)                                       .100
 *   the Redis floating address of the replicated data tier (services/redis-vip.ts)              .101
 *   the floating media address (rtpengine's; its own VRRP instance, docs/ha.md)                 .102
 *   c120<id>          the one link in the root namespace: the host's leg on the bridge         .254
 *
 * All addresses are in one /24 of 198.18.0.0/15 (RFC 2544, benchmarking), chosen so that concurrent
 * runs never share one; no default route anywhere, no forwarding, so nothing leaves the machine. The
 * root leg is unavoidable: the stack's readiness probes, migrations and the tests run in the root
 * namespace and talk to the daemons over it.
 *
 * Every network is recorded in a state file with its owner's pid; `removeStaleNetworks` (run before
 * each create) removes the namespaces of owners that died without removing them, killing what still
 * runs inside. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive, sleep } from './daemon.ts';
import { withDirLock } from './lock.ts';

const run = promisify(execFile);
const STATE_DIR = join(tmpdir(), 'cti120-netns');
const LOCK = join(STATE_DIR, 'lock');
export const NETNS_PREFIX = 'cti120-';
const NS_NAME = /^cti120-([0-9a-f]{6})-(br|data|a|b|car)$/;
const ROOT_LINK = /^c120([0-9a-f]{6})$/;
/** 198.18.0.0/15 as 512 /24 subnets. */
const SUBNETS = 512;

export type Member = 'data' | 'a' | 'b' | 'car';
export const MEMBERS: readonly Member[] = ['data', 'a', 'b', 'car'];
const HOST_OCTET: Record<Member | 'vip' | 'mediaVip' | 'root', number> = { data: 10, a: 11, b: 12, car: 20, vip: 100, mediaVip: 102, root: 254 };

export interface PairNetwork {
  readonly id: string;
  /** Namespace names. */
  readonly ns: Readonly<Record<Member | 'br', string>>;
  /** IPv4 addresses (without prefix length). */
  readonly addr: Readonly<Record<Member | 'vip' | 'mediaVip' | 'root', string>>;
  /** Prefix length of every address (24). */
  readonly prefixLength: number;
  /** The interface that carries each member's address inside its namespace. */
  readonly dev: string;
  /** The root namespace's leg on the bridge. */
  readonly rootLink: string;
  /** Runs a command inside a member namespace; rejects with its stderr on a non-zero exit. */
  exec(member: Member, command: string, args: readonly string[]): Promise<string>;
  /** Kills every process still inside the namespaces and deletes them (idempotent). */
  remove(): Promise<void>;
}

interface StateFile { id: string; pid: number; subnet: number; createdAt: string }

function subnetBase(index: number): string {
  return `198.${18 + (index >> 8)}.${index & 255}`;
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run('ip', [...args])).stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Namespace names from `ip netns list` ("name (id: n)" or "name"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out.split('\n').map((l) => l.trim().split(' ')[0]!).filter(Boolean);
}

async function rootLinks(): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show']);
  return out.split('\n').flatMap((l) => {
    const m = /^\d+:\s+([^:@\s]+)/.exec(l);
    return m ? [m[1]!] : [];
  });
}

/** /24s of 198.18.0.0/15 that the root namespace has an address in (other runs' legs, or anyone's). */
async function subnetsInUse(): Promise<Set<number>> {
  const out = await ip(['-o', '-4', 'addr', 'show']);
  const used = new Set<number>();
  for (const m of out.matchAll(/inet 198\.(18|19)\.(\d+)\.\d+/g)) used.add((Number(m[1]) - 18) * 256 + Number(m[2]));
  return used;
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  // creating a network takes well under a second: an older lock belongs to a process that died holding it
  return withDirLock(LOCK, 30_000, fn, 60_000);
}

function readStates(): StateFile[] {
  mkdirSync(STATE_DIR, { recursive: true });
  return readdirSync(STATE_DIR).filter((f) => f.endsWith('.json')).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as StateFile];
    } catch (e) {
      if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  });
}

/** Kills every process in a namespace (SIGKILL) and waits until none is left. */
async function emptyNamespace(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    let pids: number[];
    try {
      pids = (await ip(['netns', 'pids', name])).split('\n').filter(Boolean).map(Number);
    } catch {
      return; // gone already
    }
    const alive = pids.filter((p) => processAlive(p));
    if (alive.length === 0) return;
    for (const p of alive) {
      try {
        process.kill(p, 'SIGKILL');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    await sleep(50);
  }
  throw new Error(`processes in network namespace ${name} survive SIGKILL`);
}

async function removeById(id: string): Promise<void> {
  const existing = await listNamespaces();
  const mine = existing.filter((n) => NS_NAME.exec(n)?.[1] === id);
  // members first, the bridge (and with it the root leg) last
  mine.sort((x, y) => Number(x.endsWith('-br')) - Number(y.endsWith('-br')));
  for (const name of mine) {
    await emptyNamespace(name);
    await ip(['netns', 'del', name]);
  }
  // the kernel removes the root leg with the bridge namespace, asynchronously: it may vanish between list and delete
  if ((await rootLinks()).includes(`c120${id}`)) {
    await ip(['link', 'del', `c120${id}`]).catch((e: Error) => {
      if (!/Cannot find device/.test(e.message)) throw e;
    });
  }
  for (let i = 0; i < 100 && (await rootLinks()).includes(`c120${id}`); i++) await sleep(20);
  rmSync(join(STATE_DIR, `${id}.json`), { force: true });
}

/** Removes the networks (namespaces, root leg, state file) whose owner process is gone. Call under the lock. */
async function removeStaleLocked(): Promise<string[]> {
  const live = new Set(readStates().filter((s) => processAlive(s.pid)).map((s) => s.id));
  const ids = new Set<string>();
  for (const n of await listNamespaces()) {
    const m = NS_NAME.exec(n);
    if (m && !live.has(m[1]!)) ids.add(m[1]!);
  }
  for (const l of await rootLinks()) {
    const m = ROOT_LINK.exec(l);
    if (m && !live.has(m[1]!)) ids.add(m[1]!);
  }
  for (const s of readStates()) if (!live.has(s.id)) ids.add(s.id);
  for (const id of ids) await removeById(id);
  return [...ids];
}

/** Removes what crashed runs left behind (their owner pid is dead); returns their ids. */
export function removeStaleNetworks(): Promise<string[]> {
  return withLock(removeStaleLocked);
}

export function describeNetwork(id: string, subnet: number): Omit<PairNetwork, 'exec' | 'remove'> {
  const base = subnetBase(subnet);
  const a = (k: keyof typeof HOST_OCTET) => `${base}.${HOST_OCTET[k]}`;
  return {
    id,
    ns: { br: `${NETNS_PREFIX}${id}-br`, data: `${NETNS_PREFIX}${id}-data`, a: `${NETNS_PREFIX}${id}-a`,
      b: `${NETNS_PREFIX}${id}-b`, car: `${NETNS_PREFIX}${id}-car` },
    addr: { data: a('data'), a: a('a'), b: a('b'), car: a('car'), vip: a('vip'), mediaVip: a('mediaVip'), root: a('root') },
    prefixLength: 24,
    dev: 'eth0',
    rootLink: `c120${id}`,
  };
}

async function build(net: Omit<PairNetwork, 'exec' | 'remove'>): Promise<void> {
  const br = net.ns.br;
  await ip(['netns', 'add', br]);
  await ip(['-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', br, 'link', 'set', 'br0', 'up']);
  for (const m of MEMBERS) {
    const ns = net.ns[m];
    await ip(['netns', 'add', ns]);
    await ip(['-n', br, 'link', 'add', `v-${m}`, 'type', 'veth', 'peer', 'name', net.dev, 'netns', ns]);
    await ip(['-n', br, 'link', 'set', `v-${m}`, 'master', 'br0', 'up']);
    await ip(['-n', ns, 'addr', 'add', `${net.addr[m]}/${net.prefixLength}`, 'dev', net.dev]);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'link', 'set', net.dev, 'up']);
  }
  // the root leg: created with its peer directly inside the bridge namespace
  await ip(['link', 'add', net.rootLink, 'type', 'veth', 'peer', 'name', 'v-root', 'netns', br]);
  await ip(['-n', br, 'link', 'set', 'v-root', 'master', 'br0', 'up']);
  await run('sysctl', ['-q', '-w', `net.ipv6.conf.${net.rootLink}.disable_ipv6=1`]);
  await ip(['addr', 'add', `${net.addr.root}/${net.prefixLength}`, 'dev', net.rootLink]);
  await ip(['link', 'set', net.rootLink, 'up']);
}

/**
 * Creates a fresh network (removing stale ones first). On any failure, what was made is removed again.
 */
export async function createPairNetwork(): Promise<PairNetwork> {
  if (process.getuid?.() !== 0) throw new Error('a pair needs root: network namespaces (ip netns) need CAP_SYS_ADMIN');
  const desc = await withLock(async () => {
    await removeStaleLocked();
    const taken = new Set([...readStates().map((s) => s.subnet), ...(await subnetsInUse())]);
    const subnet = Array.from({ length: SUBNETS }, (_, i) => i).find((i) => !taken.has(i));
    if (subnet === undefined) throw new Error('every /24 of 198.18.0.0/15 is in use; stop other pairs');
    const id = randomBytes(3).toString('hex');
    const state: StateFile = { id, pid: process.pid, subnet, createdAt: new Date().toISOString() };
    writeFileSync(join(STATE_DIR, `${id}.json`), JSON.stringify(state) + '\n');
    const d = describeNetwork(id, subnet);
    try {
      await build(d);
    } catch (e) {
      await removeById(id);
      throw e;
    }
    return d;
  });
  let removing: Promise<void> | undefined;
  return {
    ...desc,
    async exec(member, command, args) {
      try {
        return (await run('ip', ['netns', 'exec', desc.ns[member], command, ...args])).stdout;
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`${command} in ${desc.ns[member]} failed: ${(err.stderr ?? err.message).trim()}`);
      }
    },
    remove() {
      removing ??= withLock(() => removeById(desc.id));
      return removing;
    },
  };
}

/** Whether anything of network `id` is left (namespaces, root leg, state file). */
export async function networkLeftovers(id: string): Promise<string[]> {
  const left = [
    ...(await listNamespaces()).filter((n) => NS_NAME.exec(n)?.[1] === id),
    ...(await rootLinks()).filter((l) => l === `c120${id}`),
  ];
  if (readStates().some((s) => s.id === id)) left.push(`${STATE_DIR}/${id}.json`);
  return left;
}
