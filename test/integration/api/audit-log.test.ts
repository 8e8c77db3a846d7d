import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let admin: Session;

before(async () => {
  h = await startHarness('api-audit');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
});
after(async () => { await h?.close(); });

interface Row { id: number; at: string; actor_name: string; action: string; target_type: string; target_id: string | null; before: unknown; after: unknown }

test('every change by a person is one audit row: who, from where, what, before and after', async () => {
  const [{ now }] = await h.deps.sql<{ now: Date }[]>`SELECT now()`;
  const startedAt = now.toISOString();
  const person = await personWith(h.app, admin, ['supervisor']);
  await h.app.inject({ method: 'POST', url: '/v1/seats', headers: bearer(admin), payload: { id: 'a-1', display_name: 'A1', sip_username: 'a1user', sip_password: 'password-1' } });
  await h.app.inject({ method: 'PATCH', url: '/v1/seats/a-1', headers: bearer(admin), payload: { display_name: 'A1 改' } });
  await h.app.inject({ method: 'POST', url: '/v1/trunks', headers: bearer(admin), payload: { id: 't-1', name: 'T1', ip_addr: '203.0.113.9' } });
  await h.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(person) });

  const res = await h.app.inject({ method: 'GET', url: `/v1/audit?from=${encodeURIComponent(startedAt)}&limit=500`, headers: bearer(admin) });
  assert.equal(res.statusCode, 200);
  const rows = (res.json().items as Row[]).reverse();
  const actions = rows.map((r) => r.action);
  assert.deepEqual(actions, ['user.created', 'auth.logged_in', 'seat.created', 'seat.updated', 'trunk.created', 'auth.logged_out']);
  const update = rows.find((r) => r.action === 'seat.updated')!;
  assert.equal(update.actor_name, 'admin');
  assert.equal((update.before as { display_name: string }).display_name, 'A1');
  assert.equal((update.after as { display_name: string }).display_name, 'A1 改');
  assert.ok(rows.every((r) => r.at >= startedAt));
});

test('filters: target, actor, action; paging by before_id returns every row once', async () => {
  const byTarget = await h.app.inject({ method: 'GET', url: '/v1/audit?target_type=seat&target_id=a-1', headers: bearer(admin) });
  assert.deepEqual((byTarget.json().items as Row[]).map((r) => r.action), ['seat.updated', 'seat.created']);
  const byActor = await h.app.inject({ method: 'GET', url: `/v1/audit?actor_id=${admin.user.id}&action=trunk.created`, headers: bearer(admin) });
  assert.deepEqual((byActor.json().items as Row[]).map((r) => r.target_id), ['t-1']);

  const all = (await h.app.inject({ method: 'GET', url: '/v1/audit?limit=500', headers: bearer(admin) })).json().items as Row[];
  const paged: number[] = [];
  let cursor: number | null = null;
  do {
    const url: string = `/v1/audit?limit=2${cursor === null ? '' : `&before_id=${cursor}`}`;
    const page = (await h.app.inject({ method: 'GET', url, headers: bearer(admin) })).json();
    assert.ok(page.items.length <= 2);
    paged.push(...page.items.map((r: Row) => r.id));
    cursor = page.next_before_id;
  } while (cursor !== null);
  assert.deepEqual(paged, all.map((r) => r.id));
});

test('a failed change writes no audit row (same transaction)', async () => {
  const before = (await h.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_log`)[0].n;
  const dup = await h.app.inject({ method: 'POST', url: '/v1/seats', headers: bearer(admin), payload: { id: 'a-1', display_name: 'again', sip_username: 'a1other', sip_password: 'password-1' } });
  assert.equal(dup.statusCode, 409);
  const after = (await h.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_log`)[0].n;
  assert.equal(after, before);
});

test('the time range is half-open [from, to)', async () => {
  const future = new Date(Date.now() + 3600_000).toISOString();
  const none = await h.app.inject({ method: 'GET', url: `/v1/audit?from=${encodeURIComponent(future)}`, headers: bearer(admin) });
  assert.deepEqual(none.json(), { items: [], next_before_id: null });
  const old = await h.app.inject({ method: 'GET', url: '/v1/audit?to=2000-01-01T00:00:00Z', headers: bearer(admin) });
  assert.deepEqual(old.json().items, []);
});
