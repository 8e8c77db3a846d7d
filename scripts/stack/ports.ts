/**
 * Free loopback ports for a stack. A port is "free" when both a TCP and (if asked) a UDP socket
 * can bind it on 127.0.0.1. Chosen ports are recorded in a machine-wide registry (in the temp
 * folder, so that several clones and test processes on one machine see each other) until the
 * owning stack stops or its owner process dies; this closes the race between choosing a port
 * and the daemon binding it when stacks start in parallel.
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

/** Media ranges come from here, below Linux's ephemeral range (32768-60999). */
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

/** A port the kernel hands out as free for TCP (ephemeral range), then checked for UDP too. */
function kernelTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: LOOPBACK }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function kernelUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', reject);
    sock.bind({ port: 0, address: LOOPBACK }, () => {
      const port = sock.address().port;
      sock.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  // a lock older than 10 s belongs to a process that died while holding it
  return withDirLock(LOCK, 10_000, fn);
}

function readRegistry(): Reservation[] {
  let list: Reservation[];
  try {
    list = JSON.parse(readFileSync(REGISTRY, 'utf8')) as Reservation[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
    list = [];
  }
  return list.filter((r) => pidAlive(r.pid));
}

function writeRegistry(list: Reservation[]): void {
  const tmp = `${REGISTRY}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(list, null, 1));
  renameSync(tmp, REGISTRY);
}

export interface Allocation {
  readonly ports: Record<string, number>;
  readonly media: readonly [number, number];
}

/**
 * Allocates one port per request plus a media range of `mediaSize` UDP ports, all free now and
 * reserved for `owner` (an absolute state folder) until `releasePorts(owner)`.
 */
export async function allocatePorts(owner: string, requests: readonly PortRequest[], mediaSize: number,
  preferMedia?: number): Promise<Allocation> {
  return withLock(async () => {
    const list = readRegistry().filter((r) => r.owner !== owner);
    const taken = new Set<number>(list.flatMap((r) => r.ports));
    const ranges = list.flatMap((r) => (r.media ? [r.media] : []));
    const ports: Record<string, number> = {};
    const isFree = async (p: number, proto: Proto) =>
      p > 0 && !taken.has(p) && !ranges.some(([a, b]) => p >= a && p <= b) && (await canBind(p, proto));

    for (const req of requests) {
      let chosen = 0;
      for (const p of req.prefer ?? []) {
        if (await isFree(p, req.proto)) { chosen = p; break; }
      }
      for (let i = 0; chosen === 0 && i < 200; i++) {
        const p = req.proto === 'udp' ? await kernelUdpPort() : await kernelTcpPort();
        if (await isFree(p, req.proto)) chosen = p;
      }
      if (chosen === 0) throw new Error(`no free ${req.proto} port for ${req.key} on ${LOOPBACK}`);
      ports[req.key] = chosen;
      taken.add(chosen);
    }

    const media = await findMediaRange(mediaSize, taken, ranges, preferMedia);
    list.push({ owner, pid: process.pid, ports: Object.values(ports), media });
    writeRegistry(list);
    return { ports, media };
  });
}

async function findMediaRange(size: number, taken: Set<number>, ranges: Array<readonly [number, number]>,
  prefer?: number): Promise<[number, number]> {
  const starts: number[] = [];
  if (prefer !== undefined) starts.push(prefer);
  for (let s = MEDIA_AREA.min; s + size - 1 <= MEDIA_AREA.max; s += size) starts.push(s);
  for (const start of starts) {
    const end = start + size - 1;
    if (ranges.some(([a, b]) => start <= b && end >= a)) continue;
    let ok = true;
    for (let p = start; ok && p <= end; p++) ok = !taken.has(p) && (await canBindUdp(p));
    if (ok) return [start, end];
  }
  throw new Error(`no free media port range of ${size} UDP ports in ${MEDIA_AREA.min}-${MEDIA_AREA.max}; `
    + 'stop other stacks or ask for a smaller range');
}

export async function releasePorts(owner: string): Promise<void> {
  await withLock(async () => {
    writeRegistry(readRegistry().filter((r) => r.owner !== owner));
  });
}
