import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let admin: Session;
before(async () => {
  h = await startHarness('api-people');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
});
after(async () => { await h?.close(); });

test('user-created: 201 without any password field, scrypt hash stored, audit row with after and no secret', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/users', headers: bearer(admin),
    payload: { username: 'zhang.wei', display_name: '张伟', password: 'zhangwei-2024', roles: ['dispatcher'] },
  });
  assert.equal(res.statusCode, 201);
  const u = res.json();
  assert.equal(u.username, 'zhang.wei');
  assert.equal(u.display_name, '张伟');
  assert.equal(u.centre_id, 'city');
  assert.equal(u.disabled, false);
  assert.ok(!('password' in u) && !('password_hash' in u));
  const [row] = await h.deps.sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE id = ${u.id}`;
  assert.match(row.password_hash, /^scrypt\$/);
  const [audit] = await h.deps.sql<{ actor_name: string; after: Record<string, unknown>; before: unknown }[]>`
    SELECT actor_name, after, before FROM audit_log WHERE action = 'user.created' AND target_id = ${u.id}`;
  assert.equal(audit.actor_name, 'admin');
  assert.equal(audit.before, null);
  assert.equal(audit.after.username, 'zhang.wei');
  assert.ok(!JSON.stringify(audit.after).includes('scrypt') && !JSON.stringify(audit.after).includes('zhangwei-2024'));
  await loginAs(h.app, 'zhang.wei', 'zhangwei-2024');
});

test('user-duplicate: 409 CTI_CONFLICT', async () => {
  const payload = { username: 'dup.user', display_name: 'dup', password: 'password-1', roles: ['qa'] };
  assert.equal((await h.app.inject({ method: 'POST', url: '/v1/users', headers: bearer(admin), payload })).statusCode, 201);
  const res = await h.app.inject({ method: 'POST', url: '/v1/users', headers: bearer(admin), payload });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().code, 'CTI_CONFLICT');
});

test('user-invalid: every failing field is named (username pattern, short password, unknown role, unknown field)', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/users', headers: bearer(admin),
    payload: { username: 'x', display_name: 'x', password: 'short', roles: ['root'], shoe_size: 42 },
  });
  assert.equal(res.statusCode, 400);
  const fields = res.json().details.fields.map((f: { field: string }) => f.field).sort();
  assert.deepEqual(fields, ['/password', '/roles/0', '/shoe_size', '/username']);
});

test('user-unknown-centre: 400 naming the constraint, nothing stored', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/users', headers: bearer(admin),
    payload: { username: 'nowhere', display_name: 'n', password: 'password-1', roles: ['qa'], centre_id: 'atlantis' },
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'CTI_BAD_REQUEST');
  assert.match(JSON.stringify(res.json().details), /centre/);
  assert.equal((await h.deps.sql`SELECT 1 FROM users WHERE username = 'nowhere'`).length, 0);
});

test('user-list-get-patch: roles change ends the sessions; audit has before and after', async () => {
  const s = await personWith(h.app, admin, ['dispatcher']);
  const list = await h.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(admin) });
  assert.ok(list.json().items.some((u: { id: string }) => u.id === s.user.id));
  const got = await h.app.inject({ method: 'GET', url: `/v1/users/${s.user.id}`, headers: bearer(admin) });
  assert.equal(got.json().username, s.user.username);
  const patched = await h.app.inject({
    method: 'PATCH', url: `/v1/users/${s.user.id}`, headers: bearer(admin), payload: { roles: ['dispatcher', 'supervisor'] },
  });
  assert.equal(patched.statusCode, 200);
  assert.deepEqual(patched.json().roles, ['dispatcher', 'supervisor']);
  assert.equal((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(s) })).statusCode, 401);
  const [audit] = await h.deps.sql<{ before: { roles: string[] }; after: { roles: string[] } }[]>`
    SELECT before, after FROM audit_log WHERE action = 'user.updated' AND target_id = ${s.user.id}`;
  assert.deepEqual(audit.before.roles, ['dispatcher']);
  assert.deepEqual(audit.after.roles, ['dispatcher', 'supervisor']);
});

test('user-disabled: cannot log in, and is hidden from the list unless asked for', async () => {
  const s = await personWith(h.app, admin, ['qa']);
  const res = await h.app.inject({ method: 'PATCH', url: `/v1/users/${s.user.id}`, headers: bearer(admin), payload: { disabled: true } });
  assert.equal(res.json().disabled, true);
  await assert.rejects(loginAs(h.app, s.user.username, `pw-${s.user.username}-long`), /401/);
  const plain = await h.app.inject({ method: 'GET', url: '/v1/users', headers: bearer(admin) });
  assert.ok(!plain.json().items.some((u: { id: string }) => u.id === s.user.id));
  const all = await h.app.inject({ method: 'GET', url: '/v1/users?include_disabled=true', headers: bearer(admin) });
  assert.ok(all.json().items.some((u: { id: string }) => u.id === s.user.id));
});

test('password-reset-by-admin: the old password stops working, the new one works', async () => {
  const s = await personWith(h.app, admin, ['qa']);
  const res = await h.app.inject({
    method: 'POST', url: `/v1/users/${s.user.id}/password`, headers: bearer(admin), payload: { password: 'reset-by-admin' },
  });
  assert.equal(res.statusCode, 200);
  await assert.rejects(loginAs(h.app, s.user.username, `pw-${s.user.username}-long`));
  await loginAs(h.app, s.user.username, 'reset-by-admin');
  const [audit] = await h.deps.sql`SELECT after FROM audit_log WHERE action = 'user.password_changed' AND target_id = ${s.user.id}`;
  assert.deepEqual(audit.after, { by_self: false });
});

test('last-admin: the only enabled admin cannot be disabled or lose the role (409 CTI_LAST_ADMIN)', async () => {
  const admins = await h.deps.sql`SELECT id FROM users WHERE 'admin' = ANY(roles) AND NOT disabled`;
  assert.equal(admins.length, 1);
  for (const payload of [{ disabled: true }, { roles: ['supervisor'] }]) {
    const res = await h.app.inject({ method: 'PATCH', url: `/v1/users/${admin.user.id}`, headers: bearer(admin), payload });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'CTI_LAST_ADMIN');
  }
});

test('user-unknown: 404 CTI_USER_NOT_FOUND; a non-uuid id: 400', async () => {
  const missing = await h.app.inject({ method: 'GET', url: '/v1/users/00000000-0000-4000-8000-000000000000', headers: bearer(admin) });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'CTI_USER_NOT_FOUND');
  const bad = await h.app.inject({ method: 'GET', url: '/v1/users/42', headers: bearer(admin) });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().details.fields[0].in, 'params');
});
