/**
 * Small helpers for contract tests that start a real daemon: loopback ports from the registry, a temp dir,
 * spawn-and-wait-until-ready, and a clean stop. Temporary until scripts/stack/ provides the launcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { holdMediaRange, holdPort } from '../../../scripts/stack/port-pool.ts';

export const LOOPBACK = '127.0.0.1';

/** A loopback port free for both TCP and UDP, held in the machine-wide registry until this process ends. */
export async function freePort(): Promise<number> {
  return holdPort('both');
}

/** `count` consecutive UDP ports in the registry's media area (for rtpengine's port-min/port-max), held likewise. */
export async function freePortRange(count: number): Promise<[number, number]> {
  const [min, max] = await holdMediaRange(count);
  return [min, max];
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
