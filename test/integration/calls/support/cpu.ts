/** A daemon's CPU while something runs (the mixer's cost per room): /proc/<pid>/stat utime + stime, 100 ticks a second. */
import { readFileSync } from 'node:fs';

export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Runs `during` and returns its result with the process's CPU over that time, as a share of one core. */
export async function cpuShareWhile<T>(pid: number, during: () => Promise<T>): Promise<{ result: T; share: number }> {
  const ticks0 = cpuTicks(pid);
  const t0 = process.hrtime.bigint();
  const result = await during();
  const share = ((cpuTicks(pid) - ticks0) / 100) / (Number(process.hrtime.bigint() - t0) / 1e9);
  return { result, share };
}
