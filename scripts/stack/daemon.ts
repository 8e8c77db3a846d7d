/**
 * One foreground daemon: spawned in its own process group with stdout+stderr appended to a log
 * file, waited for until a readiness probe passes, stopped with a signal and, after a timeout,
 * SIGKILL to its whole group (so no child of it is ever left behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';

export interface DaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /** Signal for a clean stop (default SIGTERM; PostgreSQL uses SIGINT, its "fast" shutdown). */
  readonly stopSignal?: NodeJS.Signals;
  readonly stopTimeoutMs?: number;
  /** Run inside this network namespace (`ip netns exec`; uid and gid are then set by setpriv inside it). */
  readonly netns?: string;
}

/** The command line that runs `spec` (inside its network namespace, if it has one) and the ids to spawn it with. */
export function commandLine(spec: Pick<DaemonSpec, 'command' | 'args' | 'uid' | 'gid' | 'netns'>):
{ command: string; args: string[]; uid?: number; gid?: number } {
  if (!spec.netns) return { command: spec.command, args: [...spec.args], uid: spec.uid, gid: spec.gid };
  // ip netns exec needs root; the daemon's own user is taken after entering the namespace (setpriv execs, pid kept)
  const ids = spec.uid !== undefined
    ? ['setpriv', `--reuid=${spec.uid}`, `--regid=${spec.gid ?? spec.uid}`, '--clear-groups'] : [];
  return { command: 'ip', args: ['netns', 'exec', spec.netns, ...ids, spec.command, ...spec.args] };
}

export class DaemonError extends Error {
  constructor(readonly daemon: string, message: string, readonly logTail: string) {
    super(`${daemon}: ${message}${logTail ? `\n--- last lines of the ${daemon} log ---\n${logTail}` : ''}`);
    this.name = 'DaemonError';
  }
}

const live = new Set<Daemon>();

/** Process-group ids of every daemon this process has running now. */
export function livePgids(): number[] {
  return [...live].flatMap((d) => (d.pid ? [d.pid] : []));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/** SIGKILL to each of `pids` (gone already is fine); resolves when none is alive. */
export async function sigkillAll(pids: readonly number[]): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  while (pids.some((p) => processAlive(p))) await sleep(10);
}

/** Live (not zombie) processes of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') continue;
      throw e;
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid) out.push(Number(entry));
  }
  return out;
}

/** Whether a pid is a live process (not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export function tailFile(path: string, lines = 40): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return '';
  const text = readFileSync(path, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

export class Daemon {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  /** Called after every start and exit (the stack keeps its pid files current with it). */
  onChange: () => void = () => {};

  constructor(readonly spec: DaemonSpec) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** How the last run ended ("exited with code 3", "killed by SIGKILL"); undefined while running or never started. */
  get lastExit(): string | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.child?.pid})`);
    const fd = openSync(this.spec.logFile, 'a');
    let child: ChildProcess;
    try {
      const cmd = commandLine(this.spec);
      child = spawn(cmd.command, cmd.args, {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        uid: cmd.uid,
        gid: cmd.gid,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exitInfo = undefined;
    this.exitPromise = new Promise((resolve) => {
      const done = (info: string) => {
        if (this.exitInfo !== undefined) return;
        this.exitInfo = info;
        live.delete(this);
        this.onChange();
        resolve();
      };
      child.once('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (err) => done(`could not be started: ${err.message}`));
    });
    live.add(this);
    this.onChange();
  }

  tail(lines = 40): string {
    return tailFile(this.spec.logFile, lines);
  }

  /** Polls `probe` until it returns true; fails if the daemon exits first or time runs out. */
  async waitReady(probe: () => Promise<boolean>, timeoutMs: number, what = 'ready'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      if (!this.running) {
        throw new DaemonError(this.spec.name, `${this.exitInfo ?? 'is not running'} before it was ${what}`, this.tail());
      }
      try {
        if (await probe()) return;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() > deadline) {
        throw new DaemonError(this.spec.name,
          `not ${what} after ${timeoutMs} ms${lastError ? ` (last probe error: ${lastError})` : ''}`, this.tail());
      }
      await sleep(40);
    }
  }

  /** Clean stop: the stop signal, then SIGKILL to the group after the timeout. */
  async stop(timeoutMs = this.spec.stopTimeoutMs ?? 10_000): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    if (this.running) {
      try {
        process.kill(pid, this.spec.stopSignal ?? 'SIGTERM');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exitPromise.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), timeoutMs); }),
      ]);
      clearTimeout(timer);
      if (timedOut) signalGroup(pid, 'SIGKILL');
      await this.exitPromise;
    }
    // Children that outlived the main process (worker processes, backends) go too.
    await this.reapGroup(pid);
  }

  /** SIGKILL to the whole group, no clean-up by the daemon (crash tests). */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGKILL');
    await this.exitPromise;
    await this.reapGroup(pid);
  }

  private async reapGroup(pgid: number): Promise<void> {
    for (let i = 0; i < 100 && groupMembers(pgid).length > 0; i++) {
      signalGroup(pgid, 'SIGKILL');
      await sleep(20);
    }
  }
}

/** Last resort on exit of this process: synchronous SIGKILL to every group still running. */
export function killAllNow(): void {
  for (const pgid of livePgids()) signalGroup(pgid, 'SIGKILL');
}
