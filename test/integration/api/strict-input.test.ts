/**
 * Strict API input (issue 11), against the real control plane (main.ts as a child process of a test stack) over
 * HTTP: bodies are validated without type coercion, every 4xx of the HTTP layer (400, 413, 415, 431) carries the
 * coded body, and what is refused changes nothing.
 *   - the contract walk: every route of GET /openapi.json with a JSON body, every field of it with each value of
 *     a wrong JSON type, answers 400 CTI_BAD_REQUEST naming that field; the database is the same afterwards.
 *   - the examples of the issue, one by one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, startCallCentre, type CallCentre } from '../support/callcentre.ts';
import { sampleParam, unboundedNumbers, wrongFields, type JsonSchema } from './support/wrong-types.ts';

let cc: CallCentre;

before(async () => { cc = await startCallCentre('api-strict-input'); });
after(async () => { await cc?.close(); });

interface Operation {
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  parameters?: { in: string; name: string; schema: JsonSchema }[];
  responses: Record<string, unknown>;
}
interface OpenApi { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, JsonSchema> } }

/** Every table's rows, hashed: equal snapshots mean nothing was written. */
async function databaseSnapshot(): Promise<Record<string, string>> {
  const tables = await cc.sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`;
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await cc.sql<{ h: string }[]>`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${cc.sql(name)} t`;
    out[name] = row.h;
  }
  return out;
}

async function tokenCount(): Promise<number> {
  return (await cc.redis.keys('cti:auth:token:*')).length;
}

/** A request with a raw body and content type (cc.api always sends JSON). */
async function raw(method: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cc.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${cc.adminToken}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function assertCoded(res: { status: number; body: any }, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body?.code, code, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.message, 'string', what);
}

function refusedFields(res: { body: any }): { in: string; field: string }[] {
  return res.body?.details?.fields ?? [];
}

describe('contract: every body of the OpenAPI document refuses wrong types', () => {
  test('wrong-typed fields get 400 naming the field, wrong content types 415, and the database is unchanged', async (t) => {
    const doc = (await cc.api<OpenApi>('GET', '/openapi.json', undefined, false)).body;
    const resolve = (s: JsonSchema): JsonSchema => {
      if (!s.$ref) return s;
      const name = s.$ref.split('/').pop()!;
      const target = doc.components?.schemas?.[name];
      assert.ok(target, `unresolved $ref ${s.$ref}`);
      return resolve(target);
    };
    const before = await databaseSnapshot();
    const tokens = await tokenCount();
    let routes = 0;
    let probes = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema;
        if (!schema) continue;
        routes++;
        const what = `${method.toUpperCase()} ${template}`;
        const path = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
          const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
          assert.ok(p, `${what}: path parameter ${name} is not documented`);
          return encodeURIComponent(sampleParam(p.schema));
        });
        for (const status of ['400', '413', '415']) assert.ok(op.responses[status], `${what}: ${status} is not documented`);

        for (const whole of [[], 'x', 7, true, null]) {
          const res = await cc.api(method.toUpperCase(), path, whole);
          assertCoded(res, 400, 'CTI_BAD_REQUEST', `${what} with the body ${JSON.stringify(whole)}`);
          probes++;
        }
        assert.deepEqual(unboundedNumbers(schema, resolve), [], `${what}: numbers without a range`);
        const fields = wrongFields(schema, resolve);
        assert.ok(fields.length > 0, `${what}: a body schema without typed fields`);
        for (const f of fields) {
          const res = await cc.api(method.toUpperCase(), path, f.body);
          const label = `${what} ${JSON.stringify(f.body)}`;
          assertCoded(res, 400, 'CTI_BAD_REQUEST', label);
          assert.ok(refusedFields(res).some((x) => x.in === 'body' && x.field === f.pointer), `${label}: ${f.pointer} is not named in ${JSON.stringify(res.body)}`);
          probes++;
        }
        const text = await raw(method.toUpperCase(), path, 'x=1', { 'content-type': 'text/plain' });
        assertCoded(text, 415, 'CTI_UNSUPPORTED_MEDIA_TYPE', `${what} as text/plain`);
        const form = await raw(method.toUpperCase(), path, 'x=1', { 'content-type': 'application/x-www-form-urlencoded' });
        assertCoded(form, 415, 'CTI_UNSUPPORTED_MEDIA_TYPE', `${what} as a form`);
      }
    }
    t.diagnostic(`${routes} routes with a JSON body, ${probes} wrong bodies refused`);
    assert.ok(routes >= 35, `only ${routes} routes with a body in the OpenAPI document`);
    assert.ok(probes >= 500, `only ${probes} wrong bodies sent`);
    assert.deepEqual(await databaseSnapshot(), before, 'a refused request changed the database');
    assert.equal(await tokenCount(), tokens, 'a refused login issued a token');
  });
});

describe('the examples of issue 11', () => {
  const queue = async () => (await cc.apiOk('GET', '/v1/queues/city-main')) as { wrapup_s: number; ring_timeout_s: number; updated_at: string };

  test('queue: wrapup_s "7" and ring_timeout_s [12] are refused and the queue is unchanged; numbers are taken', async () => {
    const was = await queue();
    for (const [body, field] of [[{ wrapup_s: '7' }, '/wrapup_s'], [{ ring_timeout_s: [12] }, '/ring_timeout_s'], [{ ring_timeout_s: 0 }, '/ring_timeout_s'], [{ wrapup_s: -1 }, '/wrapup_s']] as const) {
      const res = await cc.api('PATCH', '/v1/queues/city-main', body);
      assertCoded(res, 400, 'CTI_BAD_REQUEST', JSON.stringify(body));
      assert.deepEqual(refusedFields(res).map((f) => f.field), [field]);
    }
    assert.deepEqual(await queue(), was);
    const ok = await cc.api('PATCH', '/v1/queues/city-main', { wrapup_s: was.wrapup_s === 7 ? 8 : 7 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await queue()).wrapup_s, was.wrapup_s === 7 ? 8 : 7);
  });

  test('login: one-element arrays for username and password are refused, no token is issued', async () => {
    const tokens = await tokenCount();
    const res = await cc.api('POST', '/v1/auth/login', { username: ['admin'], password: [ADMIN_PASSWORD] }, false);
    assertCoded(res, 400, 'CTI_BAD_REQUEST', 'array login');
    assert.deepEqual(refusedFields(res).map((f) => f.field).sort(), ['/password', '/username']);
    assert.equal(res.body.token, undefined);
    assert.equal(await tokenCount(), tokens);
  });

  test('login as text/plain: 415 CTI_UNSUPPORTED_MEDIA_TYPE as docs/api.md says', async () => {
    const res = await fetch(`${cc.apiUrl}/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    assertCoded({ status: res.status, body: await res.json() }, 415, 'CTI_UNSUPPORTED_MEDIA_TYPE', 'text/plain login');
  });

  test('trunks: port "5062", enabled "false", port 0 or 65536, mask 0 or 8 are refused and nothing is created; null is any port', async () => {
    const addressRows = async () => cc.sql<{ tag: string; port: number }[]>`SELECT tag, port FROM address WHERE tag LIKE 'strict-%' ORDER BY tag`;
    const base = { name: '严格网关', ip_addr: '198.51.100.20' };
    for (const [extra, field] of [[{ port: '5062' }, '/port'], [{ enabled: 'false' }, '/enabled'], [{ port: 0 }, '/port'], [{ port: 65536 }, '/port'], [{ mask: '24' }, '/mask'], [{ mask: 0 }, '/mask'], [{ mask: 8 }, '/mask']] as const) {
      const res = await cc.api('POST', '/v1/trunks', { id: 'strict-gw', ...base, ...extra });
      assertCoded(res, 400, 'CTI_BAD_REQUEST', JSON.stringify(extra));
      assert.deepEqual(refusedFields(res).map((f) => f.field), [field]);
    }
    assert.equal((await cc.api('GET', '/v1/trunks/strict-gw')).status, 404);
    assert.deepEqual([...await addressRows()], []);

    const anyPort = await cc.api('POST', '/v1/trunks', { id: 'strict-any', ...base, port: null });
    assert.equal(anyPort.status, 201, JSON.stringify(anyPort.body));
    assert.equal(anyPort.body.port, null);
    const fixed = await cc.api('POST', '/v1/trunks', { id: 'strict-fixed', ...base, ip_addr: '198.51.100.21', port: 5062, enabled: true });
    assert.equal(fixed.body.port, 5062);
    assert.deepEqual([...await addressRows()], [{ tag: 'strict-any', port: 0 }, { tag: 'strict-fixed', port: 5062 }]);

    const bad = await cc.api('PATCH', '/v1/trunks/strict-fixed', { port: '5070' });
    assertCoded(bad, 400, 'CTI_BAD_REQUEST', 'PATCH port "5070"');
    assert.equal((await cc.apiOk('GET', '/v1/trunks/strict-fixed')).port, 5062);
    assertCoded(await cc.api('PATCH', '/v1/trunks/strict-fixed', { mask: 0 }), 400, 'CTI_BAD_REQUEST', 'PATCH mask 0: the whole Internet');
    const anyAgain = await cc.api('PATCH', '/v1/trunks/strict-fixed', { port: null });
    assert.equal(anyAgain.body.port, null);
    assert.deepEqual([...await addressRows()].map((r) => r.port), [0, 0]);
  });

  test('screening: an entry whose expiry is past is refused (create and change); a future one is taken', async () => {
    const entries = async () => (await cc.apiOk('GET', '/v1/screening/entries?include_expired=true&limit=500')).items as { number: string; expires_at: string | null }[];
    const before = await entries();
    const past = new Date(Date.now() - 60_000).toISOString();
    const res = await cc.api('POST', '/v1/screening/entries', { list: 'block', number: '13800138000', reason: '骚扰', expires_at: past });
    assertCoded(res, 400, 'CTI_BAD_REQUEST', 'past expiry');
    assert.deepEqual(refusedFields(res).map((f) => f.field), ['/expires_at']);
    assert.match(res.body.details.fields[0].message, /future/);
    assert.deepEqual(await entries(), before);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const made = await cc.api('POST', '/v1/screening/entries', { list: 'block', number: '13800138000', reason: '骚扰', expires_at: future });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const patched = await cc.api('PATCH', `/v1/screening/entries/${made.body.id}`, { expires_at: past });
    assertCoded(patched, 400, 'CTI_BAD_REQUEST', 'PATCH past expiry');
    assert.equal(new Date((await entries()).find((e) => e.number === '13800138000')!.expires_at!).getTime(), new Date(future).getTime());
  });

  test('seats: an expiry in the past is refused; no seat is created', async () => {
    const res = await cc.api('POST', '/v1/seats', {
      id: 'strict-seat', display_name: '过期席位', sip_username: 'strict-seat', sip_password: 'strict-seat-password',
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    assertCoded(res, 400, 'CTI_BAD_REQUEST', 'seat with a past expiry');
    assert.deepEqual(refusedFields(res).map((f) => f.field), ['/expires_at']);
    assert.equal((await cc.sql`SELECT 1 FROM seats WHERE id = 'strict-seat'`).length, 0);
  });

  test('a 1 MB header: 431 with the coded body (from Node\'s parser, before Fastify)', async () => {
    const res = await fetch(`${cc.apiUrl}/v1/me`, { headers: { authorization: `Bearer ${cc.adminToken}`, 'x-padding': 'a'.repeat(1024 * 1024) } });
    assertCoded({ status: res.status, body: await res.json() }, 431, 'CTI_HEADERS_TOO_LARGE', '1 MB header');
  });

  test('a 1 MB header over HTTPS (the consoles\' listener): 431 with the coded body too', async () => {
    const { httpsUrl } = cc.info.api;
    const ca = cc.info.tls?.ca;
    assert.ok(httpsUrl && ca, 'the stack found the set-up\'s certificate in .run/tls (run `npm run setup`)');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${httpsUrl}/v1/me`, { ca: readFileSync(ca), headers: { 'x-padding': 'a'.repeat(1024 * 1024) } }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => { body += c; });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assertCoded({ status: res.status, body: JSON.parse(res.body) }, 431, 'CTI_HEADERS_TOO_LARGE', '1 MB header over HTTPS');
  });

  test('a body over 1 MiB: 413 with the coded body', async () => {
    const res = await raw('POST', '/v1/auth/login', JSON.stringify({ username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) }), { 'content-type': 'application/json' });
    assertCoded(res, 413, 'CTI_PAYLOAD_TOO_LARGE', '2 MiB body');
  });

  test('a malformed request line: 400 with the coded body', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const url = new URL(cc.apiUrl);
      const socket = connect({ host: url.hostname, port: Number(url.port) }, () => socket.write('NOT A REQUEST\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => { data += d; });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).code, 'CTI_BAD_REQUEST');
  });

  test('query strings and path parameters still convert: ?limit=5 and ?include_disabled=true', async () => {
    const audit = await cc.api('GET', '/v1/audit?limit=5');
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.ok(audit.body.items.length <= 5);
    assert.equal((await cc.api('GET', '/v1/seats?include_disabled=true')).status, 200);
    assertCoded(await cc.api('GET', '/v1/inbound-routes/99999'), 404, 'CTI_INBOUND_ROUTE_NOT_FOUND', 'an integer path parameter is converted');
    assertCoded(await cc.api('GET', '/v1/audit?limit=five'), 400, 'CTI_BAD_REQUEST', 'limit=five');
    assertCoded(await cc.api('GET', '/v1/inbound-routes/99999999999'), 400, 'CTI_BAD_REQUEST', 'an id beyond the column\'s range');
    assertCoded(await cc.api('GET', '/v1/audit?before_id=1e300'), 400, 'CTI_BAD_REQUEST', 'before_id=1e300');
  });

  test('a route that takes no body refuses one (coded, nothing changed); no body or {} go on to the route', async () => {
    const path = '/v1/seats/strict-none-such/login';
    const before = await databaseSnapshot();
    for (const body of [{ force: true }, [1], 'x', 7, true]) {
      const res = await cc.api('POST', path, body);
      assertCoded(res, 400, 'CTI_BAD_REQUEST', `login with body ${JSON.stringify(body)}`);
      assert.deepEqual(refusedFields(res), [{ in: 'body', field: '/', message: 'this request takes no body (send none, or {})' }]);
    }
    assertCoded(await cc.api('DELETE', '/v1/trunks/strict-none-such', { cascade: true }), 400, 'CTI_BAD_REQUEST', 'DELETE with a body');
    assert.deepEqual(await databaseSnapshot(), before, 'a refused body changed the database');
    // past the guard, the route answers for itself: the seat does not exist
    const none = await fetch(`${cc.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${cc.adminToken}` } });
    assert.equal(none.status, 404, 'no body at all');
    assert.equal((await cc.api('POST', path, {})).status, 404, 'an empty object');
  });

  test('before routing: a URL that is not valid percent-encoding is 400, a too long path parameter 414, both coded', async () => {
    assertCoded(await cc.api('GET', '/v1/trunks/%zz'), 400, 'CTI_BAD_REQUEST', 'bad percent-encoding');
    assertCoded(await cc.api('GET', `/v1/trunks/${'a'.repeat(200)}`), 414, 'CTI_URI_TOO_LONG', 'a 200-character id');
  });
});
