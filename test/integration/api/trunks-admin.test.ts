import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildServer } from '../../../control/src/api/server.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { ADMIN_PASSWORD, bearer, loginAs, startHarness, type Harness, type Session } from './support/harness.ts';

let h: Harness;
let admin: Session;

before(async () => {
  h = await startHarness('api-trunks');
  admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
});
after(async () => { await h?.close(); });

const addressRows = async () => [...await h.deps.sql<{ grp: number; ip_addr: string; mask: number; port: number; tag: string }[]>`
  SELECT grp, ip_addr, mask, port, tag FROM address ORDER BY tag`];

/** What Kamailio's permissions module holds in memory (its cached copy of the address table). */
async function kamailioAddresses(): Promise<string> {
  return JSON.stringify(await h.deps.kamailio.call('permissions.addressDump'));
}

test('trunk-created: an address row appears and Kamailio reloads it (engine_reloaded true)', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/trunks', headers: bearer(admin),
    payload: { id: 'e1-gw-1', name: 'E1 网关 1', ip_addr: '10.20.30.40', port: 5060 },
  });
  assert.equal(res.statusCode, 201, res.body);
  const t = res.json();
  assert.equal(t.engine_reloaded, true);
  assert.equal(t.mask, 32);
  assert.equal(t.ip_addr, '10.20.30.40');
  assert.deepEqual(await addressRows(), [{ grp: 1, ip_addr: '10.20.30.40', mask: 32, port: 5060, tag: 'e1-gw-1' }]);
  assert.match(await kamailioAddresses(), /10\.20\.30\.40/);
});

test('trunk-patched-and-disabled: the address row follows; a disabled trunk leaves the view and Kamailio', async () => {
  const res = await h.app.inject({
    method: 'PATCH', url: '/v1/trunks/e1-gw-1', headers: bearer(admin), payload: { ip_addr: '10.20.30.0', mask: 24 },
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().engine_reloaded, true);
  assert.deepEqual((await addressRows()).map((r) => [r.ip_addr, r.mask]), [['10.20.30.0', 24]]);
  const off = await h.app.inject({ method: 'PATCH', url: '/v1/trunks/e1-gw-1', headers: bearer(admin), payload: { enabled: false } });
  assert.equal(off.json().enabled, false);
  assert.deepEqual(await addressRows(), []);
  assert.doesNotMatch(await kamailioAddresses(), /10\.20\.30\./);
  const [audit] = await h.deps.sql<{ before: { enabled: boolean }; after: { enabled: boolean } }[]>`
    SELECT before, after FROM audit_log WHERE action = 'trunk.updated' AND target_id = 'e1-gw-1' ORDER BY id DESC LIMIT 1`;
  assert.deepEqual([audit.before.enabled, audit.after.enabled], [true, false]);
});

test('trunk-deleted: gone from the table, the list and the audit has the before', async () => {
  await h.app.inject({ method: 'POST', url: '/v1/trunks', headers: bearer(admin), payload: { id: 'sip-carrier', name: '运营商', ip_addr: '192.0.2.7' } });
  const del = await h.app.inject({ method: 'DELETE', url: '/v1/trunks/sip-carrier', headers: bearer(admin) });
  assert.equal(del.statusCode, 200);
  assert.deepEqual(del.json(), { id: 'sip-carrier', deleted: true, engine_reloaded: true });
  const again = await h.app.inject({ method: 'GET', url: '/v1/trunks/sip-carrier', headers: bearer(admin) });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().code, 'CTI_TRUNK_NOT_FOUND');
  const [audit] = await h.deps.sql<{ before: { ip_addr: string }; after: unknown }[]>`
    SELECT before, after FROM audit_log WHERE action = 'trunk.deleted' AND target_id = 'sip-carrier'`;
  assert.equal(audit.before.ip_addr, '192.0.2.7');
  assert.equal(audit.after, null);
});

test('trunk-invalid: not an IPv4 address, mask out of range: 400 naming both', async () => {
  const res = await h.app.inject({
    method: 'POST', url: '/v1/trunks', headers: bearer(admin), payload: { id: 'bad', name: 'bad', ip_addr: '10.0.0.300', mask: 33 },
  });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json().details.fields.map((f: { field: string }) => f.field).sort(), ['/ip_addr', '/mask']);
});

test('kamailio-unreachable: the change is stored, the answer says engine_reloaded false and the log says why', async () => {
  const deadRpc = new KamailioRpc({ url: 'http://127.0.0.1:9/RPC', timeoutMs: 500 });
  const app = await buildServer({ ...h.deps, kamailio: deadRpc });
  try {
    const res = await app.inject({ method: 'POST', url: '/v1/trunks', headers: bearer(admin), payload: { id: 'gw-offline', name: 'x', ip_addr: '198.51.100.1' } });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().engine_reloaded, false);
    assert.match(res.json().engine_error, /CTI_ENGINE_UNAVAILABLE/);
    assert.equal((await addressRows()).filter((r) => r.tag === 'gw-offline').length, 1);
    assert.ok(h.log.lines.some((l) => l.level === 'warn' && /did not reload/.test(l.msg ?? '')));
  } finally {
    await app.close();
  }
});
