/**
 * "Every call is recorded, or an alarm says it was not" (ARCHITECTURE.md, rule 3).
 *
 * For each `call.ended.v1` of an answered call the watch expects a recording within `graceMs` of
 * the end. Expectations live in a Redis sorted set (member: call id, score: due time in ms), and the
 * stream id of the last event taken is kept beside it, so a restart replays what it missed and loses
 * no expectation. When one falls due and the index has nothing for the call, the call's recording
 * is indexed `missing` and the critical alarm `recording_missing` (subject: call id) is raised, in
 * one transaction. Several processes may run it: every step is idempotent.
 */
import type { AppDeps } from '../app/deps.ts';
import { RECORDING_ALARMS } from '../alarms/alarm.ts';
import { raiseAlarmIn } from '../alarms/service.ts';
import type { StreamedEvent } from '../events/bus.ts';
import { followEvents, type EventFollower } from './follow-events.ts';
import { markMissingIn } from './store.ts';

export const WATCH_DUE_KEY = 'cti:recordings:expected';
export const WATCH_CURSOR_KEY = 'cti:recordings:expected:cursor';

/** rtpengine's delete-delay (2 s) + the spool's scan (~1 s) + conversion, with a wide margin. */
export const DEFAULT_GRACE_MS = 20_000;

export interface RecordingWatchOptions {
  graceMs?: number;
  /** How often due expectations are checked. */
  checkIntervalMs?: number;
}

export interface RecordingWatch {
  /** Checks the expectations due now; resolves with how many were settled. */
  check(): Promise<number>;
  stop(): Promise<void>;
}

type WatchDeps = Pick<AppDeps, 'sql' | 'redis' | 'bus' | 'log'>;

const CHECK_BATCH = 100;

async function expect(deps: WatchDeps, graceMs: number, e: StreamedEvent): Promise<void> {
  const ev = e.event;
  const tx = deps.redis.multi();
  if ((ev.type === 'call.ended.v1' || ev.type === 'callback.ended.v1') && ev.data.answered_seat_id !== null) {
    tx.zadd(WATCH_DUE_KEY, String(Date.parse(ev.at) + graceMs), ev.data.call_id);
  }
  await tx.set(WATCH_CURSOR_KEY, e.stream_id).exec();
}

/** Settles one due expectation: nothing to do if the index has the call, else `missing` + alarm. */
async function settle(deps: WatchDeps, callId: string, graceMs: number): Promise<void> {
  await deps.sql.begin(async (tx) => {
    const missing = await markMissingIn(tx, callId);
    if (missing) {
      await raiseAlarmIn(tx, deps.bus, {
        type: RECORDING_ALARMS.missing, level: 'critical', subject: callId,
        details: { recording_id: missing.id, sip_call_id: missing.sip_call_id, grace_ms: graceMs },
      });
    }
  });
  await deps.redis.zrem(WATCH_DUE_KEY, callId);
}

async function checkDue(deps: WatchDeps, graceMs: number): Promise<number> {
  const due = await deps.redis.zrangebyscore(WATCH_DUE_KEY, '-inf', String(Date.now()), 'LIMIT', 0, CHECK_BATCH);
  let settled = 0;
  for (const callId of due) {
    try {
      await settle(deps, callId, graceMs);
      settled++;
    } catch (err) {
      // Stays in the set: the next check tries again.
      deps.log.error({ call_id: callId, err: (err as Error).message }, 'recording watch could not settle a call; will retry');
    }
  }
  return settled;
}

export async function startRecordingWatch(deps: WatchDeps, opts: RecordingWatchOptions = {}): Promise<RecordingWatch> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  deps.bus.startFanout();
  const since = (await deps.redis.get(WATCH_CURSOR_KEY)) ?? undefined;
  const follower: EventFollower = await followEvents(deps.bus, {
    since,
    onEvent: (e) => expect(deps, graceMs, e),
    onError: (err, e) => deps.log.error({ stream_id: e.stream_id, err: (err as Error).message }, 'recording watch could not record an expectation'),
  });

  let checking: Promise<number> | undefined;
  const check = (): Promise<number> => {
    checking ??= checkDue(deps, graceMs).finally(() => (checking = undefined));
    return checking;
  };
  const timer = setInterval(() => {
    check().catch((err: unknown) => deps.log.error({ err: (err as Error).message }, 'recording watch check failed'));
  }, opts.checkIntervalMs ?? 1000);
  return {
    check,
    async stop() {
      clearInterval(timer);
      follower.stop();
      await checking?.catch(() => undefined);
    },
  };
}
