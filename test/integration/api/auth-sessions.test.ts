import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LOGIN_FAILURE_LIMIT } from '../../../control/src/auth/rate-limit.ts';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let admin: Session;
before(async () => {
  h = await startHarness('api-auth');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
});
after(async () => { await h?.close(); });

const auditOf = (action: string, actor: string) =>
  h.deps.sql<{ actor_id: string | null; actor_ip: string; after: Record<string, unknown> }[]>`
    SELECT actor_id::text AS actor_id, actor_ip, after FROM audit_log WHERE action = ${action} AND actor_name = ${actor} ORDER BY id`;

describe('login', () => {
  test('login-ok: returns a 43-char token, its expiry and the user; the token lives in Redis with the configured TTL', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(body.user).sort(), ['centre_id', 'display_name', 'id', 'roles', 'username']);
    assert.deepEqual(body.user.roles, ['admin']);
    assert.equal(body.user.centre_id, 'city');
    const ttlMs = Date.parse(body.expires_at) - Date.now();
    assert.ok(ttlMs > 3590_000 && ttlMs <= 3600_000, `expires in ${ttlMs} ms`);
    const keys = await h.deps.redis.keys('cti:auth:token:*');
    assert.ok(keys.length >= 1);
    assert.ok(!keys.some((k) => k.endsWith(body.token)), 'Redis keys hold a digest, not the token');
    const ttls = await Promise.all(keys.map((k) => h.deps.redis.ttl(k)));
    assert.ok(ttls.every((t) => t > 3500 && t <= 3600));
    assert.equal((await auditOf('auth.logged_in', 'admin')).length >= 1, true);
  });

  test('login-wrong-password: 401 CTI_AUTH_INVALID and an audit row with the reason', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin', password: 'nope-nope' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'CTI_AUTH_INVALID');
    const rows = await auditOf('auth.login_failed', 'admin');
    assert.equal(rows.at(-1)!.after.reason, 'wrong_password');
    assert.equal(rows.at(-1)!.actor_ip, '127.0.0.1');
    assert.ok(rows.at(-1)!.actor_id);
  });

  test('login-unknown-user: same 401 as a wrong password, audited with the tried name', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'ghost', password: 'whatever1' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'CTI_AUTH_INVALID');
    const rows = await auditOf('auth.login_failed', 'ghost');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].actor_id, null);
    assert.equal(rows[0].after.reason, 'unknown_user');
  });

  test('login-throttled: after the limit of failures even the right password gets 429 with Retry-After', async () => {
    const who = await personWith(h.app, admin, ['qa']);
    const username = who.user.username;
    for (let i = 0; i < LOGIN_FAILURE_LIMIT; i++) {
      const r = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: 'wrong-guess' } });
      assert.equal(r.statusCode, 401, `attempt ${i + 1}`);
    }
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: `pw-${username}-long` } });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().code, 'CTI_LOGIN_THROTTLED');
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal((await auditOf('auth.login_throttled', username)).length, 1);
    const other = await h.app.inject({
      method: 'POST', url: '/v1/auth/login', remoteAddress: '127.0.0.2', payload: { username, password: `pw-${username}-long` },
    });
    assert.equal(other.statusCode, 200, 'the count is per username and address');
  });

  test('login-bad-body: 400 with the missing field named', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'admin' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'CTI_BAD_REQUEST');
    assert.deepEqual(res.json().details.fields, [{ in: 'body', field: '/password', message: "must have required property 'password'" }]);
  });
});

describe('sessions', () => {
  test('me-without-token: 401 CTI_AUTH_REQUIRED', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/me' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'CTI_AUTH_REQUIRED');
  });

  test('me-with-unknown-token: 401 CTI_TOKEN_EXPIRED; a malformed header: 401 CTI_AUTH_REQUIRED', async () => {
    const unknown = await h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().code, 'CTI_TOKEN_EXPIRED');
    const basic = await h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    assert.equal(basic.statusCode, 401);
    assert.equal(basic.json().code, 'CTI_AUTH_REQUIRED');
  });

  test('me-with-token: the session user; a query token works for GET only', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin) });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), admin.user);
    const viaQuery = await h.app.inject({ method: 'GET', url: `/v1/me?token=${admin.token}` });
    assert.equal(viaQuery.statusCode, 200);
    const postViaQuery = await h.app.inject({ method: 'POST', url: `/v1/auth/logout?token=${admin.token}` });
    assert.equal(postViaQuery.statusCode, 401);
  });

  test('a query token does not trip a route querystring schema that forbids unknown fields', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/users?include_disabled=true&token=${admin.token}` });
    assert.equal(res.statusCode, 200);
  });

  test('session-expired: a token whose Redis key expired is refused', async () => {
    const s = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
    const keys = await h.deps.redis.keys('cti:auth:token:*');
    for (const k of keys) if ((await h.deps.redis.get(k))?.includes(admin.user.id)) await h.deps.redis.pexpire(k, 1);
    await new Promise((r) => setTimeout(r, 20));
    const res = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(s) });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'CTI_TOKEN_EXPIRED');
    admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
  });

  test('logout: 204, the token stops working, an audit row is written', async () => {
    const s = await personWith(h.app, admin, ['dispatcher']);
    const out = await h.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(s) });
    assert.equal(out.statusCode, 204);
    const me = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(s) });
    assert.equal(me.statusCode, 401);
    assert.equal((await auditOf('auth.logged_out', s.user.username)).length, 1);
  });

  test('change-own-password: needs the current one, then ends every session of the user', async () => {
    const s = await personWith(h.app, admin, ['qa']);
    const old = `pw-${s.user.username}-long`;
    const wrong = await h.app.inject({
      method: 'POST', url: '/v1/me/password', headers: bearer(s), payload: { current_password: 'not-it-at-all', new_password: 'brand-new-pass' },
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().details.fields[0].field, '/current_password');
    const ok = await h.app.inject({
      method: 'POST', url: '/v1/me/password', headers: bearer(s), payload: { current_password: old, new_password: 'brand-new-pass' },
    });
    assert.equal(ok.statusCode, 204);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(s) })).statusCode, 401);
    await assert.rejects(loginAs(h.app, s.user.username, old));
    await loginAs(h.app, s.user.username, 'brand-new-pass');
  });
});
