/**
 * Queue waiting alarms against real Redis and PostgreSQL: callers put into the queue the way the call
 * flow puts them raise, escalate and clear alarms (one open per queue and kind, events on the stream);
 * the answered-within-10 s share of the last 15 minutes does the same from call rows.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dequeue } from '../../../control/src/acd/queue.ts';
import { listAlarms } from '../../../control/src/alarms/service.ts';
import { saveLiveCall } from '../../../control/src/calls/store.ts';
import { EVENT_STREAM } from '../../../control/src/events/bus.ts';
import { startQueueAlarms, type QueueAlarms } from '../../../control/src/queues/alarms.ts';
import { insertCall, insertCalls, putWaitingCall, startQueuesSide, waitFor, type QueuesSide } from './support/queues-side.ts';

let h: QueuesSide;
let alarms: QueueAlarms | undefined;
const Q = 'alarm-q';
const TIMING = { fastMs: 100, slowMs: 300, clearHoldMs: 300 };

before(async () => {
  h = await startQueuesSide('queues-alarms');
  const settings = { alarms: { longest_wait_warning_s: 1, longest_wait_critical_s: 3, waiting_warning: 2, waiting_critical: 3 } };
  await h.deps.sql`INSERT INTO queues (id, centre_id, name, settings) VALUES (${Q}, 'city', '告警测试', ${h.deps.sql.json(settings)})`;
  alarms = await startQueueAlarms(h.deps, TIMING);
});
after(async () => {
  await alarms?.stop();
  await h?.close();
});

const open = async (type: string) => listAlarms(h.deps.sql, { open: true, type, subject: Q });
const openAt = (type: string, level: string) => waitFor(`${type} ${level} open`, async () => {
  const a = await open(type);
  return a.length === 1 && a[0].level === level ? a[0] : undefined;
});
const noneOpen = (type: string) => waitFor(`${type} cleared`, async () => ((await open(type)).length === 0 ? true : undefined));

async function answered(sipCallId: string): Promise<void> {
  await saveLiveCall(h.deps.redis, { sipCallId, state: 'talking' });
  await dequeue(h.deps.redis, Q, sipCallId);
}

async function eventsFor(type: string) {
  const rows = await h.deps.redis.xrange(EVENT_STREAM, '-', '+');
  return rows.map(([, f]) => JSON.parse(f[1]) as { type: string; data: { type: string; subject: string; level?: string; alarm_id: string } })
    .filter((e) => e.data.type === type && e.data.subject === Q)
    .map((e) => `${e.type === 'alarm.raised.v1' ? 'raised' : 'cleared'}${e.data.level ? ` ${e.data.level}` : ''}`);
}

test('longest wait: warning, escalates to critical (one open alarm, new level), clears once the caller is answered', async () => {
  const call = await putWaitingCall(h.deps, Q, Date.now() - 1500);
  const warning = await openAt('queue_longest_wait', 'warning');
  assert.deepEqual([warning.details.queue_id, warning.details.unit, warning.details.warning, warning.details.critical], [Q, 'ms', 1000, 3000]);
  const critical = await openAt('queue_longest_wait', 'critical');
  assert.notEqual(critical.id, warning.id);
  assert.equal(critical.details.previous_level, 'warning');
  assert.equal((await open('queue_waiting_calls')).length, 0, 'one caller is below the waiting-count warning');
  await answered(call);
  await noneOpen('queue_longest_wait');
  assert.deepEqual(await eventsFor('queue_longest_wait'), ['raised warning', 'cleared', 'raised critical', 'cleared']);
});

test('waiting count: three callers go straight to critical; it steps down and clears as they are answered (margin one call)', async () => {
  // the three arrive together: no evaluation may see one or two of them (a loaded machine once took longer
  // than the 100 ms tick between the second and the third, and the alarm went to warning first)
  await alarms!.stop();
  const now = Date.now();
  const calls = [await putWaitingCall(h.deps, Q, now), await putWaitingCall(h.deps, Q, now), await putWaitingCall(h.deps, Q, now)];
  alarms = await startQueueAlarms(h.deps, TIMING);
  await openAt('queue_waiting_calls', 'critical');
  await answered(calls[0]);
  await answered(calls[1]);
  await openAt('queue_waiting_calls', 'warning');
  await answered(calls[2]);
  await noneOpen('queue_waiting_calls');
  await noneOpen('queue_longest_wait');
  assert.deepEqual(await eventsFor('queue_waiting_calls'), ['raised critical', 'cleared', 'raised warning', 'cleared']);
});

test('answered within 10 s over the last 15 minutes: critical, then warning (inside the margin), then clear', async () => {
  const recent = () => new Date(Date.now() - 5 * 60_000);
  await insertCall(h.deps.sql, { queue: Q, arrived: recent(), answerMs: 12_000, endMs: 30_000 });
  const critical = await openAt('queue_answered_10s_share', 'critical');
  assert.deepEqual([critical.details.value, critical.details.unit], [0, 'pct']);
  // each batch lands in one transaction: inserted one by one, the 100 ms evaluator once read 11 of the 19
  // (91.67 %, already a warning) and the test saw that intermediate warning instead of the 95 % one
  const fast = (n: number) => Array.from({ length: n }, () => ({ queue: Q, arrived: recent(), answerMs: 5000, endMs: 30_000 }));
  await insertCalls(h.deps.sql, fast(19));
  const warning = await openAt('queue_answered_10s_share', 'warning');
  assert.equal(warning.details.value, 95, '95 % is the target, but within a point of it a raised alarm holds');
  await insertCalls(h.deps.sql, fast(30));
  await noneOpen('queue_answered_10s_share');
  assert.deepEqual(await eventsFor('queue_answered_10s_share'), ['raised critical', 'cleared', 'raised warning', 'cleared']);
});

test('restart: a new evaluator takes over the open alarm from the table (no duplicate) and clears it', async () => {
  const call = await putWaitingCall(h.deps, Q, Date.now() - 5000);
  const first = await openAt('queue_longest_wait', 'critical');
  await alarms!.stop();
  alarms = await startQueueAlarms(h.deps, TIMING);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual((await open('queue_longest_wait')).map((a) => a.id), [first.id]);
  await answered(call);
  await noneOpen('queue_longest_wait');
});
