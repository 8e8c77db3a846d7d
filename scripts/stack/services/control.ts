/** The control plane (control/src/main.ts) as a child process; ready when GET /health answers 200. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../daemon.ts';
import { inNetns, logPath, type ServiceContext } from './context.ts';
import { httpOk } from './probes.ts';
import { controlBundle } from './control-build.ts';

export const CONTROL_MAIN = 'control/src/main.ts';

export interface ControlService {
  readonly daemon: Daemon;
  readonly baseUrl: string;
  readonly env: Readonly<Record<string, string>>;
  start(): Promise<void>;
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, no clean-up. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function controlMainExists(root: string): boolean {
  return existsSync(join(root, CONTROL_MAIN));
}

/** `env` is the child's whole environment (the stack passes its own environment plus the CTI_* variables). */
export function createControl(ctx: ServiceContext, env: Record<string, string>): ControlService {
  const baseUrl = `http://${ctx.host}:${ctx.ports.api}`;
  // the bundle's path is set by each start (below)
  const args = ['--enable-source-maps', CONTROL_MAIN];
  const daemon = new Daemon({
    name: 'control',
    command: process.execPath,
    args,
    logFile: logPath(ctx, 'control'),
    cwd: ctx.root,
    env,
    ...inNetns(ctx),
  });
  const start = async () => {
    // the sources as they are now, bundled (services/control-build.ts): a restart runs edited sources too
    args[1] = await controlBundle(ctx.root);
    daemon.start();
    await daemon.waitReady(() => httpOk(`${baseUrl}/health`, 1000), 30_000, 'answering GET /health with 200');
  };
  const stop = () => daemon.stop();
  return {
    daemon,
    baseUrl,
    env,
    start,
    stop,
    kill: () => daemon.kill(),
    async restart() {
      await stop();
      await start();
    },
  };
}
