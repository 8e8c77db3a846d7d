/**
 * A supervisor's queue change holds at once for waiting calls (the call flow's routing cache is dropped),
 * is audited with before and after, and kicks the distributor; members and inbound routes likewise.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { queueSettings, routeCall } from '../../../control/src/queues/routing.ts';
import { getSeatLive, loadSeats, seatKey } from '../../../control/src/seats/state/store.ts';
import { bearer, ensureSeat, personWith, putWaitingCall, startQueuesSide, type QueuesSide, type Session } from './support/queues-side.ts';

let h: QueuesSide;
let supervisor: Session;
let dispatcher: Session;

before(async () => {
  h = await startQueuesSide('queues-admin');
  supervisor = await personWith(h.app, h.admin, ['supervisor']);
  dispatcher = await personWith(h.app, h.admin, ['dispatcher']);
});
after(async () => { await h?.close(); });

test('patch-applies-at-once: the ring timeout the call flow reads changes with the PATCH, audited before/after, distributor kicked', async () => {
  assert.equal((await queueSettings(h.deps, 'city-main')).ringTimeoutS, 10, 'cache primed with the old value');
  const res = await h.app.inject({
    method: 'PATCH', url: '/v1/queues/city-main', headers: bearer(supervisor),
    payload: { ring_timeout_s: 25, strategy: 'round_robin', base_priority: 3, settings: { alarms: { waiting_warning: 2 }, announcements: { enabled: false } } },
  });
  assert.equal(res.statusCode, 200, res.body);
  const q = res.json();
  assert.deepEqual([q.ring_timeout_s, q.strategy, q.base_priority, q.settings.alarms], [25, 'round_robin', 3, { waiting_warning: 2 }]);
  const now = await queueSettings(h.deps, 'city-main');
  assert.deepEqual([now.ringTimeoutS, now.basePriority], [25, 3], 'no waiting for the 1 s cache');
  assert.deepEqual(h.changes.at(-1), ['city-main']);
  const [audit] = await h.deps.sql<{ actor_name: string; before: Record<string, unknown>; after: Record<string, unknown> }[]>`
    SELECT actor_name, before, after FROM audit_log WHERE action = 'queue.updated' AND target_id = 'city-main' ORDER BY id DESC LIMIT 1`;
  assert.equal(audit.actor_name, supervisor.user.username);
  assert.deepEqual([audit.before.ring_timeout_s, audit.after.ring_timeout_s], [10, 25]);
  assert.deepEqual([audit.before.strategy, audit.after.strategy], ['longest_idle', 'round_robin']);
  assert.deepEqual(audit.after.settings, { alarms: { waiting_warning: 2 }, announcements: { enabled: false } });
});

test('patch-refused: a dispatcher gets 403; a warning after its critical 400 CTI_QUEUE_SETTINGS_INVALID; unknown strategy 400; nothing changes', async () => {
  const forbidden = await h.app.inject({ method: 'PATCH', url: '/v1/queues/city-main', headers: bearer(dispatcher), payload: { ring_timeout_s: 5 } });
  assert.equal(forbidden.statusCode, 403);
  const bad = await h.app.inject({
    method: 'PATCH', url: '/v1/queues/city-main', headers: bearer(supervisor), payload: { settings: { alarms: { longest_wait_warning_s: 40 } } },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTI_QUEUE_SETTINGS_INVALID');
  const strategy = await h.app.inject({ method: 'PATCH', url: '/v1/queues/city-main', headers: bearer(supervisor), payload: { strategy: 'random' } });
  assert.equal(strategy.statusCode, 400);
  const missing = await h.app.inject({ method: 'PATCH', url: '/v1/queues/nope', headers: bearer(supervisor), payload: { wrapup_s: 1 } });
  assert.deepEqual([missing.statusCode, missing.json().code], [404, 'CTI_QUEUE_NOT_FOUND']);
  const [q] = await h.deps.sql`SELECT ring_timeout_s, strategy, settings FROM queues WHERE id = 'city-main'`;
  assert.deepEqual([q.ring_timeout_s, q.strategy, q.settings.alarms], [25, 'round_robin', { waiting_warning: 2 }]);
});

test('members-set: a seat joins at once in PostgreSQL and in its live hash, leaves the other queue, audited; live figures count it', async () => {
  const created = await h.app.inject({ method: 'POST', url: '/v1/queues', headers: bearer(h.admin), payload: { id: 'county-a', name: '县中心A' } });
  assert.equal(created.statusCode, 201, created.body);
  assert.deepEqual(created.json().live, { waiting: 0, ringing: 0, longest_wait_ms: 0, ready_seats: 0, staffed_seats: 0 });
  await ensureSeat(h.deps.sql, 'qa-s1', ['city-main']);
  await ensureSeat(h.deps.sql, 'qa-s2', ['city-main', 'county-a']);
  await loadSeats(h.deps);
  await h.deps.redis.hset(seatKey('qa-s1'), 'state', 'ready');

  const res = await h.app.inject({ method: 'PUT', url: '/v1/queues/county-a/seats', headers: bearer(supervisor), payload: { seat_ids: ['qa-s1'] } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().seat_ids, ['qa-s1']);
  assert.equal(res.json().live.ready_seats, 1);
  const rows = await h.deps.sql<{ id: string; queues: string[] }[]>`SELECT id, queues FROM seats WHERE id IN ('qa-s1', 'qa-s2') ORDER BY id`;
  assert.deepEqual(rows.map((r) => [r.id, r.queues]), [['qa-s1', ['city-main', 'county-a']], ['qa-s2', ['city-main']]]);
  assert.deepEqual((await getSeatLive(h.deps.redis, 'qa-s1'))?.queues, ['city-main', 'county-a'], 'the distributor sees it without a seat reload');
  assert.deepEqual((await getSeatLive(h.deps.redis, 'qa-s2'))?.queues, ['city-main']);
  assert.deepEqual(h.changes.at(-1), ['county-a']);
  const [audit] = await h.deps.sql<{ before: unknown; after: unknown }[]>`
    SELECT before, after FROM audit_log WHERE action = 'queue.members_set' AND target_id = 'county-a'`;
  assert.deepEqual([audit.before, audit.after], [{ seat_ids: ['qa-s2'] }, { seat_ids: ['qa-s1'] }]);

  const unknown = await h.app.inject({ method: 'PUT', url: '/v1/queues/county-a/seats', headers: bearer(supervisor), payload: { seat_ids: ['ghost'] } });
  assert.equal(unknown.statusCode, 400);
});

test('live-figures: waiting calls from the queue set and call hashes, longest wait from arrival', async () => {
  const now = Date.now();
  await putWaitingCall(h.deps, 'county-a', now - 4000);
  await putWaitingCall(h.deps, 'county-a', now - 1000, 1);
  const res = await h.app.inject({ method: 'GET', url: '/v1/queues', headers: bearer(dispatcher) });
  assert.equal(res.statusCode, 200);
  const county = res.json().items.find((q: { id: string }) => q.id === 'county-a');
  assert.equal(county.live.waiting, 2);
  assert.ok(county.live.longest_wait_ms >= 4000 && county.live.longest_wait_ms < 60_000, String(county.live.longest_wait_ms));
  const one = await h.app.inject({ method: 'GET', url: '/v1/queues/county-a', headers: bearer(dispatcher) });
  assert.equal(one.json().live.waiting, 2);
});

test('inbound-routes: a new route takes the next call at once, is audited, and its removal falls back to the 120 route', async () => {
  assert.equal((await routeCall(h.deps, '12001', 'gw')).queue.id, 'city-main');
  const res = await h.app.inject({ method: 'POST', url: '/v1/inbound-routes', headers: bearer(h.admin), payload: { called_number: '12001', queue_id: 'county-a', priority: 2 } });
  assert.equal(res.statusCode, 201, res.body);
  const route = res.json();
  const routed = await routeCall(h.deps, '12001', 'gw');
  assert.deepEqual([routed.queue.id, routed.priority], ['county-a', 2]);
  const dup = await h.app.inject({ method: 'POST', url: '/v1/inbound-routes', headers: bearer(h.admin), payload: { called_number: '12001', queue_id: 'city-main' } });
  assert.equal(dup.statusCode, 409);
  const patched = await h.app.inject({ method: 'PATCH', url: `/v1/inbound-routes/${route.id}`, headers: bearer(h.admin), payload: { priority: null } });
  assert.equal(patched.json().priority, null);
  assert.equal((await routeCall(h.deps, '12001', 'gw')).priority, 5, 'the queue base priority');
  const list = await h.app.inject({ method: 'GET', url: '/v1/inbound-routes?queue_id=county-a', headers: bearer(supervisor) });
  assert.deepEqual(list.json().items.map((r: { called_number: string }) => r.called_number), ['12001']);
  const del = await h.app.inject({ method: 'DELETE', url: `/v1/inbound-routes/${route.id}`, headers: bearer(h.admin) });
  assert.deepEqual(del.json(), { id: route.id, deleted: true });
  assert.equal((await routeCall(h.deps, '12001', 'gw')).queue.id, 'city-main');
  const actions = await h.deps.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_type = 'inbound_route' ORDER BY id`;
  assert.deepEqual(actions.map((a) => a.action), ['inbound_route.created', 'inbound_route.updated', 'inbound_route.deleted']);
  const notFound = await h.app.inject({ method: 'GET', url: `/v1/inbound-routes/${route.id}`, headers: bearer(supervisor) });
  assert.deepEqual([notFound.statusCode, notFound.json().code], [404, 'CTI_INBOUND_ROUTE_NOT_FOUND']);
});
