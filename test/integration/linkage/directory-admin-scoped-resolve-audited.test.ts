/**
 * The linkage directory against the real control plane (issue 14, item 1): an admin adds 110, a county centre, a
 * seat and number patterns (audited); a dispatcher sees and searches only its centre's entries its role may dial,
 * and a dial resolves only to what the directory allows; bad entries are refused with coded errors and change
 * nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

let cc: CallCentre;
let dispatcherToken: string;
let supervisorToken: string;

async function as(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cc.apiUrl}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function userToken(username: string, roles: string[], centreId = 'city'): Promise<string> {
  const password = `${username}-password-1`;
  await cc.apiOk('POST', '/v1/users', { username, display_name: username, password, roles, centre_id: centreId });
  return (await cc.apiOk<{ token: string }>('POST', '/v1/auth/login', { username, password })).token;
}

before(async () => {
  cc = await startCallCentre('linkage-directory');
  await cc.sql`INSERT INTO centres (id, name) VALUES ('county-b', '乙县120') ON CONFLICT DO NOTHING`;
  await cc.sql`INSERT INTO trunks (id, centre_id, name, ip_addr, mask, port, enabled) VALUES
    ('e1-a', 'city', 'E1 甲', '198.51.100.31', 32, 5060, true), ('e1-county', 'county-b', 'E1 乙县', '198.51.100.32', 32, 5060, true)`;
  await cc.apiOk('POST', '/v1/trunk-groups', { id: 'e1-pair', name: 'E1 主备', members: ['e1-a'] });
  dispatcherToken = await userToken('link-disp', ['dispatcher']);
  supervisorToken = await userToken('link-sup', ['supervisor']);
});
after(async () => { await cc?.close(); });

const POLICE = { id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_group_id: 'e1-pair', presented_number: '057188000120', speed_key: '110', sort_order: 1 };

test('an admin builds the directory; every change is audited with before and after', async () => {
  const [seat] = await cc.createSeats(1);
  const created = await cc.api('POST', '/v1/linkage/destinations', POLICE);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.roles, ['dispatcher', 'supervisor'], 'default roles');
  for (const d of [
    { id: 'fire-119', name: '消防119', category: 'fire', kind: 'number', number: '119', trunk_id: 'e1-a', speed_key: '119', sort_order: 2 },
    { id: 'county-a', name: '甲县急救分中心', category: 'county_centre', kind: 'centre', sip_uri: 'sip:120@198.51.100.40:5060', sort_order: 10 },
    { id: 'desk', name: '一号调度席', category: 'seat', kind: 'seat', seat_id: seat.id, sort_order: 20 },
    { id: 'main-queue', name: '主队列', category: 'queue', kind: 'queue', queue_id: 'city-main', sort_order: 21 },
    { id: 'mobiles', name: '手机号码', category: 'other', kind: 'pattern', pattern: '1XXXXXXXXXX', trunk_group_id: 'e1-pair', roles: ['supervisor'], sort_order: 30 },
  ]) {
    const res = await cc.api('POST', '/v1/linkage/destinations', d);
    assert.equal(res.status, 201, `${d.id}: ${JSON.stringify(res.body)}`);
  }
  const patched = await cc.api('PATCH', '/v1/linkage/destinations/fire-119', { name: '消防支队119' });
  assert.equal(patched.body.name, '消防支队119');
  const audit = await cc.sql<{ action: string; target_id: string; before: any; after: any }[]>`
    SELECT action, target_id, before, after FROM audit_log WHERE target_type = 'linkage_destination' ORDER BY id`;
  assert.deepEqual(audit.map((a) => `${a.action}:${a.target_id}`).slice(0, 2), ['linkage_destination.created:police-110', 'linkage_destination.created:fire-119']);
  const change = audit.find((a) => a.action === 'linkage_destination.updated')!;
  assert.equal(change.before.name, '消防119');
  assert.equal(change.after.name, '消防支队119');
});

test('a dispatcher sees and searches only what its role may dial in its centre; it cannot change the directory', async () => {
  const mine = await as(dispatcherToken, 'GET', '/v1/linkage/destinations');
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  assert.deepEqual(mine.body.items.map((d: any) => d.id), ['police-110', 'fire-119', 'county-a', 'desk', 'main-queue'], 'ordered, without the supervisor\'s pattern');
  const sup = await as(supervisorToken, 'GET', '/v1/linkage/destinations');
  assert.ok(sup.body.items.some((d: any) => d.id === 'mobiles'));
  const search = await as(dispatcherToken, 'GET', `/v1/linkage/destinations?q=${encodeURIComponent('消防')}`);
  assert.deepEqual(search.body.items.map((d: any) => d.id), ['fire-119']);
  assert.deepEqual((await as(dispatcherToken, 'GET', '/v1/linkage/destinations?q=11')).body.items.map((d: any) => d.id), ['police-110', 'fire-119']);
  assert.equal((await as(dispatcherToken, 'GET', '/v1/linkage/destinations/mobiles')).body.code, 'CTI_LINKAGE_DESTINATION_NOT_FOUND');
  const write = await as(dispatcherToken, 'POST', '/v1/linkage/destinations', { ...POLICE, id: 'mine' });
  assert.equal(write.body.code, 'CTI_FORBIDDEN');

  const countyToken = await userToken('link-county', ['dispatcher'], 'county-b');
  assert.deepEqual((await as(countyToken, 'GET', '/v1/linkage/destinations')).body.items, [], 'another centre\'s directory is not shown');
  assert.equal((await as(countyToken, 'POST', '/v1/linkage/resolve', { number: '110' })).body.code, 'CTI_LINKAGE_FORBIDDEN');
});

test('resolve: directory entries and allowed numbers go out where the directory says; the rest is refused', async () => {
  const police = await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { number: '110' });
  assert.equal(police.status, 200, JSON.stringify(police.body));
  assert.deepEqual(police.body, { kind: 'number', destination_id: 'police-110', name: '公安110', number: '110', trunk_group_id: 'e1-pair', trunk_id: null, presented_number: '057188000120' });
  const county = await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { destination_id: 'county-a' });
  assert.equal(county.body.sip_uri, 'sip:120@198.51.100.40:5060');
  const mobileBySup = await as(supervisorToken, 'POST', '/v1/linkage/resolve', { number: '13800001111' });
  assert.equal(mobileBySup.body.destination_id, 'mobiles');
  assert.equal(mobileBySup.body.number, '13800001111');
  const mobileByDisp = await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { number: '13800001111' });
  assert.equal(mobileByDisp.status, 403);
  assert.equal(mobileByDisp.body.code, 'CTI_LINKAGE_FORBIDDEN');
  assert.equal((await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { number: '999' })).body.code, 'CTI_LINKAGE_FORBIDDEN');
  assert.equal((await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { destination_id: 'nope' })).body.code, 'CTI_LINKAGE_DESTINATION_NOT_FOUND');
  for (const bad of [{ number: '11a' }, { number: 110 }, { destination_id: 'x', number: '110' }, {}]) {
    const res = await as(dispatcherToken, 'POST', '/v1/linkage/resolve', bad);
    assert.equal(res.body.code, 'CTI_BAD_REQUEST', JSON.stringify(bad));
  }
});

test('bad entries are refused with coded errors naming the field, and change nothing', async () => {
  const before = await cc.sql`SELECT * FROM linkage_destinations ORDER BY id`;
  const auditBefore = (await cc.sql`SELECT count(*)::int AS n FROM audit_log`)[0].n;
  const cases: [Record<string, unknown>, string, string][] = [
    [{ id: 'n1', name: 'x', category: 'police', kind: 'number', number: '110' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/trunk_group_id'],
    [{ id: 'n2', name: 'x', category: 'police', kind: 'number', number: '110', trunk_id: 'e1-a', trunk_group_id: 'e1-pair' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/trunk_group_id'],
    [{ id: 'n3', name: 'x', category: 'seat', kind: 'seat', seat_id: 'seat-01', number: '110' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/number'],
    [{ id: 'n4', name: 'x', category: 'seat', kind: 'seat' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/seat_id'],
    [{ id: 'n5', name: 'x', category: 'other', kind: 'pattern', pattern: '1(3|5).', trunk_id: 'e1-a' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/pattern'],
    [{ id: 'n6', name: 'x', category: 'police', kind: 'number', number: '110', trunk_id: 'e1-county' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/trunk_id'],
    [{ id: 'n7', name: 'x', category: 'seat', kind: 'seat', seat_id: 'no-such-seat' }, 'CTI_LINKAGE_DESTINATION_INVALID', '/seat_id'],
  ];
  for (const [body, codeWanted, field] of cases) {
    const res = await cc.api('POST', '/v1/linkage/destinations', body);
    assert.equal(res.body?.code, codeWanted, `${body.id}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.details.field, field, `${body.id}`);
  }
  assert.equal((await cc.api('POST', '/v1/linkage/destinations', { ...POLICE, id: 'police-dup', speed_key: '110' })).body.code, 'CTI_CONFLICT', 'a speed key twice in a centre');
  assert.equal((await cc.api('POST', '/v1/linkage/destinations', { ...POLICE, id: 'x', number: '1 10' })).body.code, 'CTI_BAD_REQUEST');
  assert.equal((await cc.api('POST', '/v1/linkage/destinations', { ...POLICE, id: 'x', roles: ['qa'] })).body.code, 'CTI_BAD_REQUEST');
  assert.equal((await cc.api('PATCH', '/v1/linkage/destinations/desk', { kind: 'number' })).body.code, 'CTI_LINKAGE_DESTINATION_INVALID');
  assert.deepEqual(await cc.sql`SELECT * FROM linkage_destinations ORDER BY id`, before);
  assert.equal((await cc.sql`SELECT count(*)::int AS n FROM audit_log`)[0].n, auditBefore, 'nothing audited for refused changes');
});

test('deleting an entry is audited; a dial to it is refused afterwards', async () => {
  const gone = await cc.api('DELETE', '/v1/linkage/destinations/fire-119');
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  assert.equal((await as(dispatcherToken, 'POST', '/v1/linkage/resolve', { number: '119' })).body.code, 'CTI_LINKAGE_FORBIDDEN');
  const [row] = await cc.sql`SELECT before FROM audit_log WHERE action = 'linkage_destination.deleted' AND target_id = 'fire-119'`;
  assert.equal(row.before.number, '119');
});
