import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { buildServer } from '../../../control/src/api/server.ts';
import { requireRole } from '../../../control/src/auth/authenticate.ts';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let app: FastifyInstance;
const as: Record<string, Session> = {};

/** A route plugin written as another module would: the same hooks, roles and error handler apply. */
async function dispatchPlugin(p: FastifyInstance): Promise<void> {
  const reply = { 200: { type: 'object', properties: { user: { type: 'string' } } } };
  p.get('/v1/test/board', { onRequest: requireRole('dispatcher'), schema: { response: reply } }, async (r) => ({ user: r.user.username }));
  p.post('/v1/test/act', { onRequest: requireRole('dispatcher'), schema: { response: reply } }, async (r) => ({ user: r.user.username }));
  p.get('/v1/test/any', { schema: { response: reply } }, async (r) => ({ user: r.user.username }));
  p.get('/v1/test/boom', { schema: { response: reply } }, async () => { throw new Error('secret internals at /srv/x.ts:12'); });
}

before(async () => {
  h = await startHarness('api-roles');
  app = await buildServer(h.deps, [dispatchPlugin]);
  as.admin = await loginAs(app, 'admin', ADMIN_PASSWORD);
  for (const role of ['dispatcher', 'supervisor', 'qa']) as[role] = await personWith(app, as.admin, [role]);
});
after(async () => { await app?.close(); await h?.close(); });

const matrix: [string, string, Record<string, number>][] = [
  ['GET', '/v1/users', { admin: 200, supervisor: 403, dispatcher: 403, qa: 403 }],
  ['GET', '/v1/seats', { admin: 200, supervisor: 200, dispatcher: 403, qa: 403 }],
  ['GET', '/v1/trunks', { admin: 200, supervisor: 403, dispatcher: 403, qa: 403 }],
  ['GET', '/v1/audit', { admin: 200, supervisor: 403, dispatcher: 403, qa: 403 }],
  ['GET', '/v1/me', { admin: 200, supervisor: 200, dispatcher: 200, qa: 200 }],
  ['GET', '/v1/test/board', { admin: 200, supervisor: 200, dispatcher: 200, qa: 403 }],
  ['POST', '/v1/test/act', { admin: 200, supervisor: 403, dispatcher: 200, qa: 403 }],
  ['GET', '/v1/test/any', { admin: 200, supervisor: 200, dispatcher: 200, qa: 200 }],
];

describe('role matrix', () => {
  for (const [method, url, expected] of matrix) {
    test(`${method} ${url}: 401 without a session, then ${JSON.stringify(expected)}`, async () => {
      const anon = await app.inject({ method: method as 'GET', url });
      assert.equal(anon.statusCode, 401);
      assert.equal(anon.json().code, 'CTI_AUTH_REQUIRED');
      for (const [role, status] of Object.entries(expected)) {
        const res = await app.inject({ method: method as 'GET', url, headers: bearer(as[role]) });
        assert.equal(res.statusCode, status, `${role}: ${res.body}`);
        if (status === 403) assert.equal(res.json().code, 'CTI_FORBIDDEN');
      }
    });
  }

  test('a write by a non-admin is refused before its body is validated (403, not 400)', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/seats', headers: bearer(as.supervisor), payload: { nonsense: true } });
    assert.equal(res.statusCode, 403);
    assert.equal((await h.deps.sql`SELECT 1 FROM seats`).length, 0);
  });
});

describe('coded errors', () => {
  test('unknown-route: 404 CTI_NOT_FOUND, with or without a session', async () => {
    for (const headers of [{}, bearer(as.qa)]) {
      const res = await app.inject({ method: 'GET', url: '/v1/nowhere?x=1', headers });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { code: 'CTI_NOT_FOUND', message: 'No such resource; check the id.', details: { method: 'GET', url: '/v1/nowhere' } });
    }
  });

  test('internal-error: 500 CTI_INTERNAL with an error id that is in the log; no stack or message leaks', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/test/boom', headers: bearer(as.qa) });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.equal(body.code, 'CTI_INTERNAL');
    assert.match(body.details.error_id, /^[0-9a-f-]{36}$/);
    assert.ok(!res.body.includes('secret internals') && !res.body.includes('.ts'));
    const logged = h.log.lines.find((l) => typeof l.obj === 'object' && (l.obj as { error_id?: string }).error_id === body.details.error_id);
    assert.ok(logged);
    assert.equal(logged.level, 'error');
    assert.match(String((logged.obj as { stack?: string }).stack), /secret internals/);
  });

  test('malformed-json: 400 CTI_BAD_REQUEST', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username": ',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'CTI_BAD_REQUEST');
  });

  test('wrong-content-type: 415 CTI_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'text/xml' }, payload: '<login/>' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 'CTI_UNSUPPORTED_MEDIA_TYPE');
  });

  test('too-large: 413 CTI_PAYLOAD_TOO_LARGE', async () => {
    const res = await app.inject({
      method: 'POST', url: '/v1/auth/login', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'a', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'CTI_PAYLOAD_TOO_LARGE');
  });

  test('bad-querystring: 400 naming the query field', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/audit?limit=100000&colour=red', headers: bearer(as.admin) });
    assert.equal(res.statusCode, 400);
    const fields = res.json().details.fields;
    assert.ok(fields.every((f: { in: string }) => f.in === 'querystring'));
    assert.deepEqual(fields.map((f: { field: string }) => f.field).sort(), ['/colour', '/limit']);
  });
});
