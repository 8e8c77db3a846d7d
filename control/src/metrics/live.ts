/**
 * The gauges read when Prometheus scrapes: queues (waiting, ringing, longest wait, ready seats) and seats by state
 * from Redis as the call flow leaves them, open alarms from PostgreSQL, the facts outbox. Each part has its own
 * time limit and failure: a part that cannot be read keeps its last values and counts a scrape error, and never
 * holds the scrape (nor the calls) up.
 */
import type { AppDeps } from '../app/deps.ts';
import { openAlarmCounts } from '../alarms/service.ts';
import { ALARM_LEVELS, SEAT_STATE_NAMES } from '../events/schema.ts';
import { outboxFigures } from '../ha/outbox/stream.ts';
import { queuesLive } from '../queues/live.ts';
import { listQueues } from '../queues/service.ts';
import { allSeatsLive } from '../seats/state/store.ts';
import type { Metrics } from './series.ts';

export const PART_TIMEOUT_MS = 2000;

export interface LiveSources {
  deps: Pick<AppDeps, 'sql' | 'redis' | 'config'>;
  /** Does this process hold the lease and handle calls? */
  active: () => boolean;
}

type Part = (m: Metrics, s: LiveSources) => Promise<void>;

const PARTS: Record<string, Part> = {
  queues: async (m, { deps }) => {
    const ids = (await listQueues(deps)).map((q) => q.id);
    const live = await queuesLive(deps.redis, ids);
    for (const gauge of [m.queueWaiting, m.queueRinging, m.queueLongestWait, m.queueReadySeats]) gauge.reset();
    for (const [queue, q] of live) {
      m.queueWaiting.set({ queue }, q.waiting);
      m.queueRinging.set({ queue }, q.ringing);
      m.queueLongestWait.set({ queue }, q.longest_wait_ms / 1000);
      m.queueReadySeats.set({ queue }, q.ready_seats);
    }
  },
  seats: async (m, { deps }) => {
    const seats = await allSeatsLive(deps.redis);
    m.seats.reset();
    for (const centre of new Set(seats.map((s) => s.centreId))) {
      for (const state of SEAT_STATE_NAMES) m.seats.set({ centre, state }, seats.filter((s) => s.centreId === centre && s.state === state).length);
    }
  },
  alarms: async (m, { deps }) => {
    const open = await openAlarmCounts(deps.sql);
    for (const level of ALARM_LEVELS) m.alarmsOpen.set({ level }, open[level] ?? 0);
  },
  outbox: async (m, { deps }) => {
    m.factsOutbox.set((await outboxFigures(deps.redis)).backlog);
  },
};

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Reads every part in parallel; returns the parts that failed (their series keep their last values). */
export async function collectLive(m: Metrics, s: LiveSources, timeoutMs = PART_TIMEOUT_MS): Promise<string[]> {
  m.controlPlaneActive.set(s.active() ? 1 : 0);
  const failed: string[] = [];
  await Promise.all(Object.entries(PARTS).map(async ([part, read]) => {
    try {
      await within(read(m, s), timeoutMs, part);
    } catch {
      failed.push(part);
      m.scrapeErrors.inc({ part });
    }
  }));
  return failed;
}
