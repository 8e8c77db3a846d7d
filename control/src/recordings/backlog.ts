/**
 * The recording spool's backlog alarm (issue 12: conversion off the event loop, "with back-pressure and a backlog
 * alarm"). The spool converts one recording at a time on its worker thread; when calls end faster than that (a
 * surge, a slow disk, a thread that keeps dying), finished recordings wait in rtpengine's metadata/. Checked every
 * few seconds: `recording_backlog` (critical, subject the spool directory) is raised when `count` or more wait or the
 * oldest has waited `ageS` seconds, and cleared once both are under half of that (no flapping at the threshold).
 */
import type { AppDeps } from '../app/deps.ts';
import { RECORDING_ALARMS } from '../alarms/alarm.ts';
import { clearAlarm, raiseAlarm } from '../alarms/service.ts';
import type { SpoolBacklog } from '../../../recordings/src/spool.ts';

export interface BacklogLimits {
  /** Finished recordings waiting (CTI_RECORDING_BACKLOG_COUNT, default 200). */
  count: number;
  /** Age of the oldest waiting one, seconds (CTI_RECORDING_BACKLOG_AGE_S, default 300). */
  ageS: number;
  /** How often it is checked (CTI_RECORDING_BACKLOG_CHECK_MS, default 5000). */
  checkMs: number;
}

const positive = (v: string | undefined, dflt: number) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : dflt);

export function backlogLimits(env: NodeJS.ProcessEnv): BacklogLimits {
  return {
    count: positive(env.CTI_RECORDING_BACKLOG_COUNT, 200),
    ageS: positive(env.CTI_RECORDING_BACKLOG_AGE_S, 300),
    checkMs: positive(env.CTI_RECORDING_BACKLOG_CHECK_MS, 5000),
  };
}

/** Pure: whether the alarm should be up after this check, given whether it is up now. */
export function backlogAlarmed(b: SpoolBacklog, limits: BacklogLimits, up: boolean): boolean {
  const over = b.pending >= limits.count || b.oldestMs >= limits.ageS * 1000;
  const clear = b.pending < limits.count / 2 && b.oldestMs < (limits.ageS * 1000) / 2;
  return up ? !clear : over;
}

export function watchBacklog(deps: Pick<AppDeps, 'sql' | 'bus' | 'log'>, spool: { backlog(): SpoolBacklog }, subject: string, limits: BacklogLimits): { stop(): void } {
  // unknown at start: an alarm left open by the previous leader is cleared (or kept) by the first check
  let up: boolean | undefined;
  let busy = false;
  const check = async () => {
    const b = spool.backlog();
    const next = backlogAlarmed(b, limits, up ?? false);
    if (next === up) return;
    if (next) {
      await raiseAlarm(deps, {
        type: RECORDING_ALARMS.backlog, level: 'critical', subject,
        details: { pending: b.pending, oldest_ms: b.oldestMs, limit_count: limits.count, limit_age_s: limits.ageS },
      });
    } else await clearAlarm(deps, RECORDING_ALARMS.backlog, subject);
    up = next;
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    check().catch((err) => deps.log.warn({ err: String(err) }, 'recording backlog check failed; next check retries'))
      .finally(() => { busy = false; });
  }, limits.checkMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
