/**
 * The machine-wide port reservation registry (in the temp folder, so that several clones, stacks
 * and test processes on one machine see each other). Every port a stack, a test or a benchmark
 * binds later is chosen here under a lock, checked free, and recorded until its owner releases it
 * or the owner process dies; two allocations can never collide, and nothing in the registry is in
 * the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), where outgoing sockets
 * get their ports at any moment. Areas:
 *   PORT_AREA   daemons' listening ports (SIP, HTTP, evapi, NG, API, Redis, PostgreSQL), one by one
 *   BLOCK_AREA  blocks a process leases its own endpoints from (SIPp signalling, media pairs and
 *               control sockets, trunk ports, a test's own daemons): scripts/stack/port-pool.ts
 *   MEDIA_AREA  rtpengine's media ranges
 * The dev stack prefers its well-known ports (5060, 8080, ...) when they are free.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDirLock } from './lock.ts';

export const LOOPBACK = '127.0.0.1';
const REGISTRY_DIR = join(tmpdir(), 'cti120-ports');
const REGISTRY = join(REGISTRY_DIR, 'registry.json');
const LOCK = join(REGISTRY_DIR, 'lock');

/** All three areas lie below Linux's default ephemeral range (32768-60999). */
export const PORT_AREA = { min: 10000, max: 11999 } as const;
export const BLOCK_AREA = { min: 12000, max: 19999 } as const;
export const MEDIA_AREA = { min: 20000, max: 31999 } as const;

export type Proto = 'tcp' | 'udp' | 'both';

export interface PortRequest {
  /** Key in the result. */
  readonly key: string;
  readonly proto: Proto;
  /** Ports to try first, in order (the well-known defaults for the dev stack). */
  readonly prefer?: readonly number[];
}

export interface Reservation {
  readonly owner: string;
  readonly pid: number;
  /** The owner process's start time (/proc/<pid>/stat field 22): a reused pid does not keep the ports. */
  readonly pidStart?: string;
  readonly ports: number[];
  readonly media?: readonly [number, number];
}

export function canBindTcp(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export function canBindUdp(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => { sock.close(); resolve(false); });
    sock.bind({ port, address: host, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

export async function canBind(port: number, proto: Proto): Promise<boolean> {
  if (proto !== 'udp' && !(await canBindTcp(port))) return false;
  if (proto !== 'tcp' && !(await canBindUdp(port))) return false;
  return true;
}

/**
 * The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking): Node's fetch (undici)
 * fails at once with "fetch failed" (cause "bad port") and Chromium with net::ERR_UNSAFE_PORT, without
 * connecting. Never handed out here, whatever the port is for: 10080 lies in PORT_AREA, and a stack that
 * got it as Kamailio's HTTP port never answered the JSON-RPC readiness probe (CI run, api/seat-register).
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109,
  110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531,
  532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060,
  5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The kernel's ephemeral range; never handed out here (an outgoing socket may take such a port at any time). */
export function ephemeralRange(): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo!, hi!];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return [32768, 60999];
}

/** A process's start time in clock ticks since boot, or undefined when /proc does not say. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const OWN_START = processStart(process.pid);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderAlive(r: Reservation): boolean {
  if (!pidAlive(r.pid)) return false;
  const start = r.pidStart === undefined ? undefined : processStart(r.pid);
  return start === undefined || start === r.pidStart;
}

/** A holder keeps the lock for well under a second; one older than this died while holding it. */
const STALE_LOCK_MS = 30_000;

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  return withDirLock(LOCK, STALE_LOCK_MS, fn, 2 * STALE_LOCK_MS);
}

function readRegistry(): Reservation[] {
  let list: Reservation[];
  try {
    list = JSON.parse(readFileSync(REGISTRY, 'utf8')) as Reservation[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
    list = [];
  }
  return list.filter(holderAlive);
}

function writeRegistry(list: Reservation[]): void {
  const tmp = `${REGISTRY}.${process.pid}`;
  writeFileSync(tmp, `[\n${list.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
  renameSync(tmp, REGISTRY);
}

/** What the registry holds now, as a predicate "p may be handed out" (the async part checks the kernel). */
export class Occupancy {
  private readonly taken: Set<number>;
  private readonly ranges: Array<readonly [number, number]>;
  private readonly ephemeral = ephemeralRange();

  constructor(list: readonly Reservation[]) {
    this.taken = new Set(list.flatMap((r) => r.ports));
    this.ranges = list.flatMap((r) => (r.media ? [r.media] : []));
  }

  take(p: number): void { this.taken.add(p); }

  /** Not reserved, not in a media range, not ephemeral. */
  open(p: number): boolean {
    return p > 0 && p < 65536 && !this.taken.has(p) && !this.inRange(p, p) && !(p >= this.ephemeral[0] && p <= this.ephemeral[1]);
  }

  /** May be chosen from an area: open, and not a port that fetch and browsers refuse (a caller's preferred port may be one: 5060). */
  choosable(p: number): boolean {
    return this.open(p) && !FETCH_BAD_PORTS.has(p);
  }

  inRange(from: number, to: number): boolean {
    return this.ranges.some(([a, b]) => from <= b && to >= a);
  }

  /** Choosable (only open when `preferred`: the caller named it) and bindable now. */
  async free(p: number, proto: Proto, preferred = false): Promise<boolean> {
    return (preferred ? this.open(p) : this.choosable(p)) && (await canBind(p, proto));
  }
}

function reservation(owner: string, ports: number[], media?: readonly [number, number]): Reservation {
  return { owner, pid: process.pid, ...(OWN_START ? { pidStart: OWN_START } : {}), ports, ...(media ? { media } : {}) };
}

export interface Allocation {
  readonly ports: Record<string, number>;
  readonly media: readonly [number, number];
}

/**
 * Allocates one port per request (from PORT_AREA unless a preferred port is free) plus a media
 * range of `mediaSize` UDP ports (none when 0), all free now and reserved for `owner` (an absolute
 * state folder, or any unique name) until `releasePorts(owner)` or the death of this process.
 */
export async function allocatePorts(owner: string, requests: readonly PortRequest[], mediaSize: number,
  preferMedia?: number): Promise<Allocation> {
  return withLock(async () => {
    const list = readRegistry().filter((r) => r.owner !== owner);
    const occ = new Occupancy(list);
    const ports: Record<string, number> = {};
    const span = PORT_AREA.max - PORT_AREA.min + 1;
    const offset = Math.floor(Math.random() * span);
    for (const req of requests) {
      let chosen = 0;
      for (const p of req.prefer ?? []) {
        if (await occ.free(p, req.proto, true)) { chosen = p; break; }
      }
      // from a random point of the area, so that a port just released is not handed out again at once
      for (let i = 0; chosen === 0 && i < span; i++) {
        const p = PORT_AREA.min + ((offset + i) % span);
        if (await occ.free(p, req.proto)) chosen = p;
      }
      if (chosen === 0) throw new Error(`no free ${req.proto} port for ${req.key} in ${PORT_AREA.min}-${PORT_AREA.max} on ${LOOPBACK}`);
      ports[req.key] = chosen;
      occ.take(chosen);
    }
    const media = mediaSize > 0 ? await findMediaRange(mediaSize, occ, preferMedia) : undefined;
    list.push(reservation(owner, Object.values(ports), media));
    writeRegistry(list);
    return { ports, media: media ?? [0, -1] };
  });
}

async function findMediaRange(size: number, occ: Occupancy, prefer?: number): Promise<[number, number]> {
  const starts: number[] = [];
  if (prefer !== undefined) starts.push(prefer);
  for (let s = MEDIA_AREA.min; s + size - 1 <= MEDIA_AREA.max; s += size) starts.push(s);
  for (const start of starts) {
    const end = start + size - 1;
    if (occ.inRange(start, end)) continue;
    let ok = true;
    for (let p = start; ok && p <= end; p++) ok = await occ.free(p, 'udp');
    if (ok) return [start, end];
  }
  throw new Error(`no free media port range of ${size} UDP ports in ${MEDIA_AREA.min}-${MEDIA_AREA.max}; `
    + 'stop other stacks or ask for a smaller range');
}

/**
 * Reserves a block of `size` consecutive ports (aligned to `size`) in BLOCK_AREA, free for TCP and
 * UDP now, for `owner` until `releasePorts(owner)` or the death of this process.
 */
export async function reserveBlock(owner: string, size: number): Promise<[number, number]> {
  return withLock(async () => {
    const list = readRegistry().filter((r) => r.owner !== owner);
    const occ = new Occupancy(list);
    const count = Math.floor((BLOCK_AREA.max - BLOCK_AREA.min + 1) / size);
    const first = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const start = BLOCK_AREA.min + ((first + i) % count) * size;
      const end = start + size - 1;
      let ok = !occ.inRange(start, end);
      for (let p = start; ok && p <= end; p++) ok = occ.choosable(p);
      for (let p = start; ok && p <= end; p++) ok = await canBind(p, 'both');
      if (!ok) continue;
      list.push(reservation(owner, Array.from({ length: size }, (_, k) => start + k)));
      writeRegistry(list);
      return [start, end];
    }
    throw new Error(`no free block of ${size} ports in ${BLOCK_AREA.min}-${BLOCK_AREA.max}; `
      + 'too many test processes or stacks hold ports (see the registry in the temp folder, cti120-ports)');
  });
}

export async function releasePorts(owner: string): Promise<void> {
  await withLock(async () => {
    writeRegistry(readRegistry().filter((r) => r.owner !== owner));
  });
}
