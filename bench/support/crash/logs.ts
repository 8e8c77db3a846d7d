/**
 * Evidence from a stack's logs (logsDir/control.log, logsDir/kamailio.log) for one stretch of a run: remember
 * where each log ended, later read what was appended since. The control plane writes JSON lines (app/logger.ts);
 * Kamailio writes text. Only the lines that matter for crash safety are kept (warnings, errors, fail-open).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LogMark { control: number; kamailio: number }

export interface LogExcerpt {
  /** control.log lines at level warn or error, as written. */
  controlWarnings: string[];
  /** kamailio.log lines about fail-open (ring-all) or errors. */
  kamailioNotes: string[];
  /** control.log messages counted by their `msg` (warn/error only). */
  controlMessages: Record<string, number>;
}

function size(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

export function markLogs(logsDir: string): LogMark {
  return { control: size(join(logsDir, 'control.log')), kamailio: size(join(logsDir, 'kamailio.log')) };
}

function since(path: string, offset: number): string {
  if (!existsSync(path)) return '';
  return readFileSync(path).subarray(offset).toString('utf8');
}

/** Expected with no-media calls (bench/README.md: every recording conversion fails): not evidence of anything here. */
const EXPECTED = ['recording conversion failed'];

const KAMAILIO_NOTABLE = /fail-open|ring-?all|ERROR|CRITICAL|BUG/i;

export function readSince(logsDir: string, mark: LogMark): LogExcerpt {
  const controlWarnings: string[] = [];
  const controlMessages: Record<string, number> = {};
  for (const line of since(join(logsDir, 'control.log'), mark.control).split('\n')) {
    if (!line.trim()) continue;
    let parsed: { level?: string; msg?: string } | undefined;
    try { parsed = JSON.parse(line) as { level?: string; msg?: string }; } catch { /* not JSON: a crash trace, kept below */ }
    const level = parsed?.level ?? (/error|exception/i.test(line) ? 'error' : 'other');
    if (level !== 'warn' && level !== 'error') continue;
    if (parsed?.msg && EXPECTED.includes(parsed.msg)) continue;
    controlWarnings.push(line);
    const key = `${level}: ${parsed?.msg ?? line.slice(0, 80)}`;
    controlMessages[key] = (controlMessages[key] ?? 0) + 1;
  }
  const kamailioNotes = since(join(logsDir, 'kamailio.log'), mark.kamailio).split('\n').filter((l) => KAMAILIO_NOTABLE.test(l));
  return { controlWarnings, kamailioNotes, controlMessages };
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}
