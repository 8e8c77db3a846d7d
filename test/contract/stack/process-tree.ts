/** Helpers for the stack tests: a process and all its descendants, from /proc. */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat { pid: number; ppid: number; state: string }

function readStat(pid: string): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), state: f[0]!, ppid: Number(f[1]) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw e;
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => readStat(d) ?? []);
}

/** pid and every live descendant of it. */
export function processTree(pid: number): number[] {
  const stats = allStats();
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const s of stats) if (s.ppid === out[i] && s.state !== 'Z') out.push(s.pid);
  }
  return out;
}

/** The subset of pids still running (zombies count as gone). */
export function stillAlive(pids: readonly number[]): number[] {
  return pids.filter((p) => {
    const s = readStat(String(p));
    return s !== undefined && s.state !== 'Z' && s.state !== 'X';
  });
}
