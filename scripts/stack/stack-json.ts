/**
 * .run/<name>/stack.json: what a running stack looks like from outside (addresses, pids, state).
 * It is written whole (a temp file renamed over it) and says `ready: true` with `readyAt` only
 * once PostgreSQL, Redis, rtpengine (NG ping), Kamailio (JSON-RPC) and the control plane (GET
 * /health) have all answered; until then, and after the stack stopped, `ready` is false.
 * Kept apart from stack.ts so that scripts (migrate.ts, which stack.ts imports) can read it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive, sleep } from './daemon.ts';
import type { StackInfo } from './stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function stackJsonPath(name: string, root = ROOT): string {
  return join(root, '.run', name, 'stack.json');
}

export function readStackInfo(name: string, root = ROOT): StackInfo | undefined {
  const file = stackJsonPath(name, root);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackInfo) : undefined;
}

export function writeStackInfo(stateDir: string, info: StackInfo): void {
  const file = join(stateDir, 'stack.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Every daemon answered, the stack has not stopped and its owner process lives. */
export function isServing(info: StackInfo | undefined): boolean {
  return !!info && info.ready === true && !info.stoppedAt && processAlive(info.ownerPid);
}

/** Waits until stack `name` is serving (e.g. right after `npm start` in another terminal). */
export async function waitForReadyStack(name: string, timeoutMs = 60_000, root = ROOT): Promise<StackInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = readStackInfo(name, root);
    if (info && isServing(info)) return info;
    if (Date.now() >= deadline) {
      const why = !info ? 'it was never started' : info.stoppedAt ? `it stopped at ${info.stoppedAt}`
        : !processAlive(info.ownerPid) ? `its owner process ${info.ownerPid} is gone` : 'it is still starting';
      throw new Error(`stack "${name}" is not ready after ${timeoutMs} ms (${why}); start it with \`npm start\` `
        + `(or \`npx tsx scripts/stack/cli.ts start ${name}\`) and see ${join(root, '.run', name, 'logs')}`);
    }
    await sleep(200);
  }
}
