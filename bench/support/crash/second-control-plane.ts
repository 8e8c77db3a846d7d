/**
 * A second control-plane process against a running stack (the standby of ARCHITECTURE.md "Scaling out"): the
 * same command and environment as the stack's own (scripts/stack/services/control.ts), on another HTTP port,
 * logging to logsDir/control-standby.log. Only this process is stopped by stop()/kill().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdPort } from '../../../scripts/stack/port-pool.ts';
import type { CallCentre } from '../../../test/integration/support/callcentre.ts';
import { waitFor } from '../../../test/integration/support/callcentre.ts';

/** A TCP port from the machine-wide registry, held until this process ends. */
export async function freeTcpPort(): Promise<number> {
  return holdPort('tcp');
}

/** The `instance` of the last "active control plane" line in a control-plane log (the lease holder's id). */
export function activeInstanceIn(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined;
  let id: string | undefined;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('active control plane')) continue;
    try { id = (JSON.parse(line) as { instance?: string }).instance ?? id; } catch { /* not a JSON line */ }
  }
  return id;
}

export interface SecondControlPlane {
  readonly url: string;
  readonly logFile: string;
  readonly pid: number;
  exited(): boolean;
  /** SIGTERM (its clean shutdown releases the lease), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startSecondControlPlane(cc: CallCentre): Promise<SecondControlPlane> {
  const port = await freeTcpPort();
  const httpsPort = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(cc.info.logsDir, 'control-standby.log');
  const { NODE_TEST_CONTEXT: _omit, ...parentEnv } = process.env;
  // its own HTTP (and, when the stack has TLS, HTTPS) port: two processes on one host cannot share a listening port
  const env = { ...parentEnv, ...cc.stack.control.env, CTI_HTTP_PORT: String(port) } as Record<string, string>;
  if (env.CTI_HTTPS_PORT) env.CTI_HTTPS_PORT = String(httpsPort);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', 'control/src/main.ts'], { cwd: process.cwd(), env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exitInfo: string | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code, signal) => { exitInfo = signal ?? String(code); resolve(); }));
  await waitFor(async () => {
    if (exitInfo !== undefined) throw new Error(`the second control plane exited (${exitInfo}); see ${logFile}`);
    const res = await fetch(`${url}/health`).catch(() => undefined);
    return res?.status === 200;
  }, 30_000, `the second control plane answering GET ${url}/health`, 100);
  return {
    url,
    logFile,
    pid: child.pid!,
    exited: () => exitInfo !== undefined,
    async stop(timeoutMs = 10_000) {
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** GET /health of a control plane: the body, and the role if the answer names one ('active' / 'standby'). */
export async function healthRole(url: string): Promise<{ body: unknown; role: 'active' | 'standby' | undefined }> {
  const res = await fetch(`${url}/health`);
  const body = (await res.json()) as { checks?: Record<string, Record<string, unknown>> };
  const check = body.checks?.control_plane ?? {};
  const named = Object.values(check).find((v) => v === 'active' || v === 'standby') as 'active' | 'standby' | undefined;
  return { body, role: named };
}
