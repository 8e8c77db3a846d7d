/**
 * Small helpers for contract tests that start a real daemon: free loopback ports, a temp dir,
 * spawn-and-wait-until-ready, and a clean stop. Temporary until scripts/stack/ provides the launcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOOPBACK = '127.0.0.1';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: LOOPBACK, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ address: LOOPBACK, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

const handedOut = new Set<number>();

/** A loopback port free for both TCP and UDP, not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (handedOut.has(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

/** `count` consecutive UDP ports, all free (for rtpengine's port-min/port-max). */
export async function freePortRange(count: number): Promise<[number, number]> {
  for (let i = 0; i < 100; i++) {
    const start = 20000 + 2 * Math.floor(Math.random() * 20000);
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = !handedOut.has(p) && (await udpFree(p));
    if (ok) {
      for (let p = start; p < start + count; p++) handedOut.add(p);
      return [start, start + count - 1];
    }
  }
  throw new Error(`no ${count} consecutive free UDP ports found`);
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `cti120-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Daemon {
  child: ChildProcess;
  /** The last lines the daemon wrote (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  cwd?: string;
  ready: () => Promise<boolean>;
  timeoutMs?: number;
}

/** Starts a foreground daemon and polls `ready` until it holds; rejects with the daemon's output otherwise. */
export async function spawnDaemon(cmd: string, args: string[], opts: SpawnOptions): Promise<Daemon> {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const daemon: Daemon = {
    child,
    output: () => tail,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${cmd} exited with ${exitCode} before it was ready:\n${tail}`);
    if (await opts.ready().catch(() => false)) return daemon;
    await sleep(50);
  }
  await daemon.stop();
  throw new Error(`${cmd} was not ready within ${opts.timeoutMs ?? 10_000} ms:\n${tail}`);
}

/** True once something accepts TCP connections on host:port. */
export function tcpAccepts(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Resolves with the first event `name` emitted by `emitter` or rejects after `ms`. */
export function nextEvent<T extends unknown[]>(
  emitter: { once(name: string, fn: (...a: T) => void): unknown; off(name: string, fn: (...a: T) => void): unknown },
  name: string,
  ms = 3000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (...a: T): void => {
      clearTimeout(timer);
      resolve(a);
    };
    const timer = setTimeout(() => {
      emitter.off(name, fn);
      reject(new Error(`no '${name}' event within ${ms} ms`));
    }, ms);
    emitter.once(name, fn);
  });
}
