import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let admin: Session;
let supervisor: Session;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

before(async () => {
  h = await startHarness('api-seats');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
  supervisor = await personWith(h.app, admin, ['supervisor']);
});
after(async () => { await h?.close(); });

const subscriberRow = (username: string) =>
  h.deps.sql<{ username: string; domain: string; password: string; ha1: string; ha1b: string }[]>`
    SELECT username, domain, password, ha1, ha1b FROM subscriber WHERE username = ${username}`;

async function createSeat(payload: Record<string, unknown>) {
  return h.app.inject({ method: 'POST', url: '/v1/seats', headers: bearer(admin), payload });
}

test('seat-created: a subscriber row appears with HA1 = MD5(user:domain:password); no secret is returned', async () => {
  const res = await createSeat({ id: 'city-01', display_name: '调度席 1', sip_username: 'seat01', sip_password: 'seat01-secret' });
  assert.equal(res.statusCode, 201);
  const seat = res.json();
  assert.equal(seat.sip_domain, h.deps.config.sipDomain);
  assert.deepEqual(seat.queues, ['city-main']);
  assert.equal(seat.enabled, true);
  for (const secret of ['ha1', 'ha1b', 'sip_password', 'password']) assert.ok(!(secret in seat), secret);
  assert.ok(!res.body.includes('seat01-secret'));
  const domain = h.deps.config.sipDomain;
  const [row] = await subscriberRow('seat01');
  assert.deepEqual(row, {
    username: 'seat01', domain, password: '',
    ha1: md5(`seat01:${domain}:seat01-secret`), ha1b: md5(`seat01@${domain}:${domain}:seat01-secret`),
  });
  const [audit] = await h.deps.sql<{ after: Record<string, unknown> }[]>`
    SELECT after FROM audit_log WHERE action = 'seat.created' AND target_id = 'city-01'`;
  assert.equal(audit.after.sip_username, 'seat01');
  assert.ok(!JSON.stringify(audit.after).includes(row.ha1) && !JSON.stringify(audit.after).includes('seat01-secret'));
});

test('seat-invalid: 400 naming sip_username and sip_password; nothing stored', async () => {
  const res = await createSeat({ id: 'bad', display_name: 'x', sip_username: 'a b', sip_password: 'short' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'CTI_BAD_REQUEST');
  assert.deepEqual(res.json().details.fields.map((f: { field: string }) => f.field).sort(), ['/sip_password', '/sip_username']);
  assert.equal((await h.deps.sql`SELECT 1 FROM seats WHERE id = 'bad'`).length, 0);
});

test('seat-unknown-queue: 400 naming the queue', async () => {
  const res = await createSeat({ id: 'q-x', display_name: 'x', sip_username: 'seatqx', sip_password: 'password-1', queues: ['city-main', 'mars'] });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().details.fields[0].message, /mars/);
});

test('seat-duplicate-username: 409 CTI_CONFLICT', async () => {
  await createSeat({ id: 'city-dup-a', display_name: 'a', sip_username: 'dupuser', sip_password: 'password-1' });
  const res = await createSeat({ id: 'city-dup-b', display_name: 'b', sip_username: 'dupuser', sip_password: 'password-1' });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().code, 'CTI_CONFLICT');
});

test('seat-disabled: DELETE removes the subscriber row at once; the seat stays, readable, with enabled false', async () => {
  await createSeat({ id: 'city-02', display_name: '调度席 2', sip_username: 'seat02', sip_password: 'seat02-secret' });
  assert.equal((await subscriberRow('seat02')).length, 1);
  const del = await h.app.inject({ method: 'DELETE', url: '/v1/seats/city-02', headers: bearer(admin) });
  assert.equal(del.statusCode, 200);
  assert.equal(del.json().enabled, false);
  assert.equal((await subscriberRow('seat02')).length, 0);
  const got = await h.app.inject({ method: 'GET', url: '/v1/seats/city-02', headers: bearer(supervisor) });
  assert.equal(got.json().enabled, false);
  const [audit] = await h.deps.sql<{ before: { enabled: boolean }; after: { enabled: boolean } }[]>`
    SELECT before, after FROM audit_log WHERE action = 'seat.disabled' AND target_id = 'city-02'`;
  assert.deepEqual([audit.before.enabled, audit.after.enabled], [true, false]);
  const reenabled = await h.app.inject({ method: 'PATCH', url: '/v1/seats/city-02', headers: bearer(admin), payload: { enabled: true } });
  assert.equal(reenabled.json().enabled, true);
  assert.equal((await subscriberRow('seat02')).length, 1);
});

test('seat-expired: an expiry in the past is refused; a surge seat whose expires_at has passed is not in subscriber', async () => {
  const seat = { id: 'surge-01', display_name: '增援席 1', sip_username: 'surge01', sip_password: 'password-1', kind: 'surge' };
  const past = await h.app.inject({
    method: 'POST', url: '/v1/seats', headers: bearer(admin), payload: { ...seat, expires_at: new Date(Date.now() - 1000).toISOString() },
  });
  assert.equal(past.statusCode, 400);
  assert.equal(past.json().details.fields[0].field, '/expires_at');
  await createSeat({ ...seat, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  assert.equal((await subscriberRow('surge01')).length, 1);
  // the hour passes
  await h.deps.sql`UPDATE seats SET expires_at = now() - interval '1 second' WHERE id = 'surge-01'`;
  assert.equal((await subscriberRow('surge01')).length, 0);
});

test('seat-password-changed: the HA1 changes; a new username alone is refused', async () => {
  await createSeat({ id: 'city-03', display_name: '调度席 3', sip_username: 'seat03', sip_password: 'first-password' });
  const alone = await h.app.inject({ method: 'PATCH', url: '/v1/seats/city-03', headers: bearer(admin), payload: { sip_username: 'seat03b' } });
  assert.equal(alone.statusCode, 400);
  assert.equal(alone.json().details.fields[0].field, '/sip_password');
  const res = await h.app.inject({
    method: 'PATCH', url: '/v1/seats/city-03', headers: bearer(admin), payload: { sip_username: 'seat03b', sip_password: 'second-password' },
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().sip_username, 'seat03b');
  const d = h.deps.config.sipDomain;
  assert.equal((await subscriberRow('seat03')).length, 0);
  assert.equal((await subscriberRow('seat03b'))[0].ha1, md5(`seat03b:${d}:second-password`));
  const [audit] = await h.deps.sql<{ before: Record<string, unknown>; after: Record<string, unknown> }[]>`
    SELECT before, after FROM audit_log WHERE action = 'seat.updated' AND target_id = 'city-03'`;
  assert.equal(audit.before.sip_username, 'seat03');
  assert.equal(audit.after.sip_username, 'seat03b');
  assert.equal(audit.after.sip_credentials_changed, true);
});

test('seat-list: supervisors read; disabled seats only on request; unknown seat 404 CTI_SEAT_NOT_FOUND', async () => {
  const list = await h.app.inject({ method: 'GET', url: '/v1/seats', headers: bearer(supervisor) });
  assert.equal(list.statusCode, 200);
  const ids = list.json().items.map((s: { id: string }) => s.id);
  assert.ok(ids.includes('city-01'));
  const all = await h.app.inject({ method: 'GET', url: '/v1/seats?include_disabled=true', headers: bearer(supervisor) });
  assert.ok(all.json().items.length >= ids.length);
  assert.ok(!list.body.includes('"ha1"'));
  const missing = await h.app.inject({ method: 'GET', url: '/v1/seats/no-such', headers: bearer(supervisor) });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'CTI_SEAT_NOT_FOUND');
  const write = await h.app.inject({ method: 'PATCH', url: '/v1/seats/city-01', headers: bearer(supervisor), payload: { display_name: 'x' } });
  assert.equal(write.statusCode, 403);
});
