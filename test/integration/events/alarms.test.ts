/**
 * Alarms against real PostgreSQL and Redis: one open alarm per (type, subject) even when raised
 * concurrently, raised/cleared events on the stream, the supervisor's list.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { clearAlarm, listAlarms, raiseAlarm } from '../../../control/src/alarms/service.ts';
import { EVENT_STREAM } from '../../../control/src/events/bus.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { bearer, personWith, startReadSide, type ReadSide } from './support/read-side.ts';

let h: ReadSide;

before(async () => {
  h = await startReadSide('alarms');
});
after(async () => h?.close());

async function eventsAfter(id: string) {
  const rows = await h.deps.redis.xrange(EVENT_STREAM, `(${id}`, '+');
  return rows.map(([, f]) => JSON.parse(f[1]) as { type: string; data: Record<string, unknown> });
}

async function streamTip(): Promise<string> {
  const [last] = await h.deps.redis.xrevrange(EVENT_STREAM, '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0';
}

test('raising an open alarm again returns the same id: one row, one event, even when raised concurrently', async () => {
  const subject = randomUUID();
  const tip = await streamTip();
  const ids = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    raiseAlarm(h.deps, { type: 'recording_missing', level: 'critical', subject, details: { attempt: i } })));
  assert.equal(new Set(ids).size, 1);
  const rows = await h.deps.sql`SELECT id::text AS id FROM alarms WHERE type = 'recording_missing' AND subject = ${subject}`;
  assert.deepEqual(rows.map((r) => r.id), [ids[0]]);
  const events = (await eventsAfter(tip)).filter((e) => e.data.subject === subject);
  assert.deepEqual(events.map((e) => [e.type, e.data.alarm_id, e.data.level]), [['alarm.raised.v1', ids[0], 'critical']]);
  assert.equal(await raiseAlarm(h.deps, { type: 'recording_missing', level: 'critical', subject, details: {} }), ids[0]);
});

test('clearing ends it with alarm.cleared.v1; raising again afterwards opens a new alarm', async () => {
  const subject = randomUUID();
  const first = await raiseAlarm(h.deps, { type: 'recording_failed', level: 'critical', subject, details: { code: 'CTI_RECORDING_MALFORMED' } });
  const tip = await streamTip();
  assert.equal(await clearAlarm(h.deps, 'recording_failed', subject), first);
  assert.equal(await clearAlarm(h.deps, 'recording_failed', subject), null, 'nothing open any more');
  const events = (await eventsAfter(tip)).filter((e) => e.data.subject === subject);
  assert.deepEqual(events.map((e) => [e.type, e.data.alarm_id]), [['alarm.cleared.v1', first]]);
  const second = await raiseAlarm(h.deps, { type: 'recording_failed', level: 'critical', subject });
  assert.notEqual(second, first);
  const open = await listAlarms(h.deps.sql, { open: true, subject });
  assert.deepEqual(open.map((a) => a.id), [second]);
});

test('the same type for another subject, or no subject, is another alarm', async () => {
  const a = await raiseAlarm(h.deps, { type: 'engine_test', level: 'warning', subject: randomUUID() });
  const b = await raiseAlarm(h.deps, { type: 'engine_test', level: 'warning', subject: randomUUID() });
  const c = await raiseAlarm(h.deps, { type: 'engine_test', level: 'warning', subject: null });
  const c2 = await raiseAlarm(h.deps, { type: 'engine_test', level: 'warning', subject: null });
  assert.equal(new Set([a, b, c]).size, 3);
  assert.equal(c2, c);
  await clearAlarm(h.deps, 'engine_test', null);
});

test('invalid input is refused with CTI_ALARM_INVALID and writes nothing', async () => {
  await assert.rejects(raiseAlarm(h.deps, { type: 'Bad Type', level: 'critical', subject: null }), (e) => isCtiError(e, 'CTI_ALARM_INVALID'));
  const [{ n }] = await h.deps.sql`SELECT count(*)::int AS n FROM alarms WHERE type = 'Bad Type'`;
  assert.equal(n, 0);
});

test('GET /v1/alarms?open=true: supervisors see open alarms, critical first; dispatchers may not', async () => {
  const subject = randomUUID();
  const warn = await raiseAlarm(h.deps, { type: 'route_test', level: 'warning', subject });
  const crit = await raiseAlarm(h.deps, { type: 'route_test2', level: 'critical', subject });
  const closed = await raiseAlarm(h.deps, { type: 'route_test3', level: 'critical', subject });
  await clearAlarm(h.deps, 'route_test3', subject);
  const sup = await personWith(h.app, h.admin, ['supervisor']);
  const res = await h.app.inject({ url: `/v1/alarms?open=true&subject=${subject}`, headers: bearer(sup) });
  assert.equal(res.statusCode, 200, res.body);
  const items = res.json().items as Array<{ id: string; level: string; cleared_at: string | null; details: object }>;
  assert.deepEqual(items.map((i) => i.id), [crit, warn]);
  assert.ok(items.every((i) => i.cleared_at === null));
  const all = await h.app.inject({ url: `/v1/alarms?subject=${subject}`, headers: bearer(sup) });
  assert.ok(all.json().items.some((i: { id: string; cleared_at: string | null }) => i.id === closed && i.cleared_at !== null));
  const d = await personWith(h.app, h.admin, ['dispatcher']);
  const denied = await h.app.inject({ url: '/v1/alarms?open=true', headers: bearer(d) });
  assert.equal(denied.statusCode, 403);
});
