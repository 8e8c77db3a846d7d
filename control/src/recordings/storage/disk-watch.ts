/**
 * The recording disk (tender: 录音磁盘监控): how full the filesystem holding the recordings folder is,
 * with a warning and a critical threshold (percent used, default 80 and 90). One open alarm
 * `recording_disk_space` per folder at the level reached; it changes level as usage crosses a threshold
 * and clears below the warning threshold. A folder that cannot be read raises `recording_disk_unavailable`.
 */
import { statfs } from 'node:fs/promises';
import type { AppDeps } from '../../app/deps.ts';
import { clearAlarm, listAlarms, raiseAlarm } from '../../alarms/service.ts';
import type { AlarmLevel } from '../../events/schema.ts';

export const DISK_ALARMS = { space: 'recording_disk_space', unavailable: 'recording_disk_unavailable' } as const;

export interface DiskThresholds {
  warningPercent: number;
  criticalPercent: number;
}

export const DEFAULT_DISK_THRESHOLDS: DiskThresholds = { warningPercent: 80, criticalPercent: 90 };

export interface DiskUsage {
  dir: string;
  totalBytes: number;
  freeBytes: number;
  usedPercent: number;
}

export async function diskUsage(dir: string): Promise<DiskUsage> {
  const s = await statfs(dir);
  const total = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  // As df counts it: used / (used + available to unprivileged users).
  const used = (s.blocks - s.bfree) * s.bsize;
  const usedPercent = used + free === 0 ? 100 : (used / (used + free)) * 100;
  return { dir, totalBytes: total, freeBytes: free, usedPercent: Math.round(usedPercent * 100) / 100 };
}

export function levelFor(usedPercent: number, t: DiskThresholds): AlarmLevel | null {
  if (usedPercent >= t.criticalPercent) return 'critical';
  if (usedPercent >= t.warningPercent) return 'warning';
  return null;
}

export interface DiskCheck {
  usage: DiskUsage | null;
  level: AlarmLevel | null;
}

/** Checks once; raises, changes or clears the folder's alarms. */
export async function checkRecordingDisk(deps: Pick<AppDeps, 'sql' | 'bus'>, dir: string, t: DiskThresholds = DEFAULT_DISK_THRESHOLDS): Promise<DiskCheck> {
  let usage: DiskUsage;
  try {
    usage = await diskUsage(dir);
  } catch (e) {
    await raiseAlarm(deps, { type: DISK_ALARMS.unavailable, level: 'critical', subject: dir, details: { error: (e as Error).message } });
    return { usage: null, level: 'critical' };
  }
  await clearAlarm(deps, DISK_ALARMS.unavailable, dir);
  const level = levelFor(usage.usedPercent, t);
  const [open] = await listAlarms(deps.sql, { open: true, type: DISK_ALARMS.space, subject: dir, limit: 1 });
  if (open && open.level !== level) await clearAlarm(deps, DISK_ALARMS.space, dir);
  if (level && (!open || open.level !== level)) {
    await raiseAlarm(deps, {
      type: DISK_ALARMS.space, level, subject: dir,
      details: { used_percent: usage.usedPercent, free_bytes: usage.freeBytes, total_bytes: usage.totalBytes, warning_percent: t.warningPercent, critical_percent: t.criticalPercent },
    });
  }
  return { usage, level };
}
