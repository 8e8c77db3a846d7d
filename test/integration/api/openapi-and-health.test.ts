import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness;
before(async () => { h = await startHarness('api-openapi'); });
after(async () => { await h?.close(); });

interface Operation { requestBody?: { content: Record<string, { schema: object }> }; parameters?: { in: string }[]; responses: Record<string, { content?: Record<string, { schema: object }> }> }

test('openapi: GET /openapi.json without a session lists every visible route with request and response schemas', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = res.json() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  assert.match(doc.openapi, /^3\./);
  assert.ok(doc.components.schemas.CtiError, 'the coded error body is a named component');

  const visible = h.app.apiRoutes.filter((r) => !r.hidden && !r.websocket && r.method !== 'HEAD');
  assert.ok(visible.length >= 20, `only ${visible.length} routes`);
  for (const r of visible) {
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.url} is missing from the OpenAPI document`);
    const ok = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
    assert.ok(ok, `${r.method} ${r.url}: no 2xx response`);
    if (ok[0] !== '204') assert.ok(ok[1].content?.['application/json']?.schema, `${r.method} ${r.url}: 2xx without a schema`);
    assert.ok(op.responses['500'], `${r.method} ${r.url}: 500 not documented`);
    if (['POST', 'PATCH', 'PUT'].includes(r.method) && !r.url.endsWith('/logout')) {
      assert.ok(op.requestBody?.content['application/json']?.schema, `${r.method} ${r.url}: no body schema`);
    }
    if (r.url.includes(':')) assert.ok(op.parameters?.some((p) => p.in === 'path'), `${r.method} ${r.url}: no path parameter schema`);
  }
  const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  assert.equal(documented.length, visible.length, 'every documented operation is a real route');
});

test('docs: swagger-ui is served at /docs without a session', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /swagger/i);
});

test('health-ok: postgres and redis answer', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/health' });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'ok');
  assert.deepEqual(Object.keys(body.checks).sort(), ['postgres', 'redis']);
  assert.equal(body.checks.postgres.status, 'ok');
});

test('health-degraded: a check added by main.ts that fails or hangs makes the status degraded, naming it', async () => {
  h.app.health.add('kamailio', async () => h.deps.kamailio.coreVersion());
  h.app.health.add('recording-disk', async () => { throw new Error('spool is 99% full'); });
  h.app.health.add('slow', () => new Promise(() => {}), 50);
  try {
    const body = (await h.app.inject({ method: 'GET', url: '/health' })).json();
    assert.equal(body.status, 'degraded');
    assert.equal(body.checks.kamailio.status, 'ok');
    assert.deepEqual(body.checks['recording-disk'], { status: 'fail', latency_ms: body.checks['recording-disk'].latency_ms, error: 'spool is 99% full' });
    assert.match(body.checks.slow.error, /50 ms/);
  } finally {
    h.app.health.remove('recording-disk');
    h.app.health.remove('slow');
  }
  assert.equal((await h.app.inject({ method: 'GET', url: '/health' })).json().status, 'ok');
});

test('health-redis-down: degraded with redis failing, not an error', async () => {
  await h.stack.redis.stop();
  try {
    const res = await h.app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'degraded');
    assert.equal(res.json().checks.redis.status, 'fail');
    assert.equal(res.json().checks.postgres.status, 'ok');
  } finally {
    await h.stack.redis.start();
  }
});
