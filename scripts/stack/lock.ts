/**
 * A machine-wide lock between processes: a folder made with mkdir (atomic), removed when done. A lock
 * older than `staleMs` belongs to a process that died holding it and is taken over.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep } from './daemon.ts';

export async function withDirLock<T>(lock: string, staleMs: number, fn: () => Promise<T>, waitMs = 10_000): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = statSync(lock, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > staleMs) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`lock ${lock} is stuck; remove it if nothing is starting`);
      await sleep(25);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
