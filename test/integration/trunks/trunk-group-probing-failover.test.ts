/**
 * Issue 13, trunk groups, on the real single-node stack: two trunk gateways (SIPp UASs on their own loopback
 * addresses, answering OPTIONS and INVITE) form a group. Kamailio's dispatcher probes them with OPTIONS: a
 * gateway that stops answering (its process killed) is out of service within 10 s with `trunk.down.v1` and an
 * open `trunk_down` alarm, and back within 10 s of answering again with `trunk.up.v1` and the alarm cleared.
 * 120 calls arrive from either gateway; with one gateway dead, a callback leaves through the live one, also when
 * it is dialled before the probes noticed (the dead one times out, the next member takes it), and 0 of 50 calls
 * from the live gateway fail. Group membership is edited through the API, strictly validated and audited.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { freeUdpPort, runSipp, startSipp, type SippHandle } from '../../support/sipp.ts';
import { startCallCentre, waitFor, type CallCentre, type Seat, type StreamEvent } from '../support/callcentre.ts';
import { dispatcherFlags as kamailioDispatcherFlags } from '../support/kamailio-dispatcher.ts';
import { as, createPerson, type Person } from '../callbacks/support.ts';

const BENCH_SIPP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'sipp');
const CENTRE_NUMBER = '057112013';
/** Each gateway on its own loopback address: its trunk (any source port) and its probe address differ. */
const IP = { a: '127.0.13.1', b: '127.0.13.2' } as const;
type Name = keyof typeof IP;

interface Gw { name: Name; trunkId: string; port: number; uas?: SippHandle; logFile: string }

let cc: CallCentre;
let seat: Seat;
let seatPort: number;
let zhang: Person;
const gw = {} as Record<Name, Gw>;
let setid: number;
let answering: Seat;

function startGw(g: Gw): Promise<SippHandle> {
  return startSipp({
    scenario: 'uas-gateway-options-answer.xml', localIp: IP[g.name], localPort: g.port, service: 'gateway', timeoutS: 600,
    extraArgs: ['-trace_logs', '-log_file', g.logFile],
  }).then((h) => { g.uas = h; return h; });
}

function invitesLogged(g: Gw): string[] {
  if (!existsSync(g.logFile)) return [];
  return readFileSync(g.logFile, 'utf8').split('\n').filter((l) => l.includes('INVITE ruri=')).map((l) => /ruri=(\S*)/.exec(l)?.[1] ?? '');
}

/** Kamailio's view of the group: destination URI -> dispatcher flags (A active, I inactive, P probing). */
function dispatcherFlags(): Promise<Record<string, string>> {
  return kamailioDispatcherFlags(cc.info.kamailio.rpcUrl);
}

const uriOf = (g: Gw) => `sip:${IP[g.name]}:${g.port}`;

async function trunkEvent(type: string, trunkId: string, afterStreamId: string, timeoutMs: number): Promise<StreamEvent> {
  return waitFor(async () => (await cc.streamEvents((e) => e.type === type && e.data.trunk_id === trunkId && e.streamId > afterStreamId))[0],
    timeoutMs, `${type} for ${trunkId}`, 100);
}

async function lastStreamId(): Promise<string> {
  const all = await cc.streamEvents();
  return all.length ? all[all.length - 1]!.streamId : '0-0';
}

async function openAlarm(trunkId: string): Promise<{ id: string; level: string; type: string } | undefined> {
  const r = await cc.apiOk<{ items: Array<{ id: string; type: string; level: string; subject: string | null }> }>('GET', '/v1/alarms?open=true', undefined, [200]);
  return r.items.find((a) => a.type === 'trunk_down' && a.subject === trunkId);
}

before(async () => {
  cc = await startCallCentre('trunk-groups', { queue: { wrapup_s: 0 } });
  for (const name of ['a', 'b'] as const) {
    const port = await freeUdpPort(IP[name]);
    const trunkId = `gw-${name}`;
    await cc.apiOk('POST', '/v1/trunks', { id: trunkId, name: `E1 网关 ${name.toUpperCase()}`, ip_addr: IP[name], port: null, gateway_uri: `sip:${IP[name]}:${port}` }, [201]);
    gw[name] = { name, trunkId, port, logFile: join(mkdtempSync(join(tmpdir(), 'cti120-gwgroup-')), 'gateway.log') };
    await startGw(gw[name]);
  }
  [seat] = await cc.createSeats(1);
  zhang = await createPerson(cc, 'zhang.trunks', ['dispatcher']);
});
after(async () => {
  for (const g of Object.values(gw)) await g.uas?.stop();
  await cc?.close();
});

test('group membership: strictly validated, audited, read by Kamailio; both gateways in service', async () => {
  // bad input changes nothing
  const unknown = await cc.api<{ code: string }>('POST', '/v1/trunk-groups', { id: 'pair', name: '主备网关', members: ['gw-a', 'no-such'] });
  assert.equal(unknown.status, 409);
  assert.equal(unknown.body.code, 'CTI_TRUNK_GROUP_MEMBERS_INVALID');
  const coerced = await cc.api<{ code: string }>('POST', '/v1/trunk-groups', { id: 'pair', name: '主备网关', members: 'gw-a' });
  assert.equal(coerced.status, 400);
  const extra = await cc.api<{ code: string }>('POST', '/v1/trunk-groups', { id: 'pair', name: '主备网关', setid: 7 });
  assert.equal(extra.status, 400);
  assert.equal((await cc.apiOk<{ items: unknown[] }>('GET', '/v1/trunk-groups', undefined, [200])).items.length, 0);

  const created = await cc.apiOk<{ id: string; setid: number; members: string[]; engine_reloaded: boolean }>('POST', '/v1/trunk-groups', { id: 'pair', name: '主备网关', members: ['gw-b'] }, [201]);
  assert.deepEqual(created.members, ['gw-b']);
  assert.equal(created.engine_reloaded, true);
  setid = created.setid;
  const patched = await cc.apiOk<{ members: string[]; engine_reloaded: boolean }>('PATCH', '/v1/trunk-groups/pair', { members: ['gw-a', 'gw-b'] }, [200]);
  assert.deepEqual(patched.members, ['gw-a', 'gw-b'], 'gw-a first: the preferred gateway');
  assert.equal(patched.engine_reloaded, true);
  const trunkA = await cc.apiOk<{ group_id: string | null; gateway_uri: string }>('GET', '/v1/trunks/gw-a', undefined, [200]);
  assert.equal(trunkA.group_id, 'pair');
  assert.equal(trunkA.gateway_uri, uriOf(gw.a));
  // a trunk of one group cannot join another
  await cc.apiOk('POST', '/v1/trunk-groups', { id: 'other', name: '另一组' }, [201]);
  const taken = await cc.api<{ code: string; details: { trunks: string[] } }>('PATCH', '/v1/trunk-groups/other', { members: ['gw-a'] });
  assert.equal(taken.status, 409);
  assert.deepEqual(taken.body.details.trunks, ['gw-a']);
  await cc.apiOk('DELETE', '/v1/trunk-groups/other', undefined, [200]);

  const audit = await cc.sql<{ action: string; target_id: string }[]>`
    SELECT action, target_id FROM audit_log WHERE target_type = 'trunk_group' ORDER BY at, id`;
  assert.deepEqual(audit.map((a) => `${a.action} ${a.target_id}`),
    ['trunk_group.created pair', 'trunk_group.updated pair', 'trunk_group.created other', 'trunk_group.deleted other']);

  // Kamailio's dispatcher has both and finds them alive (A: active; probing on, no I)
  const flags = await waitFor(async () => {
    const f = await dispatcherFlags();
    return f[uriOf(gw.a)] === 'AP' && f[uriOf(gw.b)] === 'AP' ? f : undefined;
  }, 10_000, 'both gateways active in Kamailio\'s dispatcher');
  assert.equal(Object.keys(flags).length, 2);
});

test('a gateway that stops answering OPTIONS is out of service within 10 s (trunk.down.v1, alarm), back within 10 s (trunk.up.v1)', async (t) => {
  const mark = await lastStreamId();
  const killedAt = Date.now();
  await gw.a.uas!.stop();
  const down = await trunkEvent('trunk.down.v1', 'gw-a', mark, 10_000);
  const downMs = Date.now() - killedAt;
  t.diagnostic(`gateway killed -> trunk.down.v1: ${downMs} ms`);
  assert.ok(downMs <= 10_000, `down after ${downMs} ms`);
  assert.deepEqual(down.data, { trunk_id: 'gw-a', group_id: 'pair', gateway_uri: uriOf(gw.a) });
  const alarm = await waitFor(() => openAlarm('gw-a'), 5000, 'the open trunk_down alarm for gw-a');
  assert.equal(alarm.level, 'critical');
  assert.match((await dispatcherFlags())[uriOf(gw.a)] ?? '', /^IP$/, 'Kamailio: inactive, probing');
  assert.equal((await dispatcherFlags())[uriOf(gw.b)], 'AP', 'the other gateway stays in service');

  const mark2 = await lastStreamId();
  const revivedAt = Date.now();
  await startGw(gw.a);
  const up = await trunkEvent('trunk.up.v1', 'gw-a', mark2, 10_000);
  const upMs = Date.now() - revivedAt;
  t.diagnostic(`gateway answering again -> trunk.up.v1: ${upMs} ms`);
  assert.ok(upMs <= 10_000, `up after ${upMs} ms`);
  assert.deepEqual(up.data, { trunk_id: 'gw-a', group_id: 'pair', gateway_uri: uriOf(gw.a) });
  await waitFor(async () => (await openAlarm('gw-a')) === undefined, 5000, 'the trunk_down alarm cleared');
  const cleared = await cc.streamEvents((e) => e.type === 'alarm.cleared.v1' && e.data.alarm_id === alarm.id);
  assert.equal(cleared.length, 1);
});

/** A caller from the gateway's address hangs up in the queue; zhang claims the item at the seat. */
async function claimedCallback(from: Gw, caller: string): Promise<void> {
  const r = await runSipp({
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', remote: cc.sipRemote, localIp: IP[from.name], vars: { cancel_ms: '800' },
    injection: [{ caller, display: 'caller' }],
  });
  assert.ok(r.ok, `the abandoning caller from ${from.trunkId} failed: exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
  const item = await waitFor(async () => (await as<{ items: Array<{ id: string; caller_number: string }> }>(cc, zhang, 'GET', '/v1/callbacks?status=open')).body.items
    .find((i) => i.caller_number === caller), 8000, `a work-list item for ${caller}`);
  const claim = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/claim`, {});
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  assert.equal(claim.body.authorisation_error, null);
  const [{ trunk_id }] = await cc.sql<{ trunk_id: string }[]>`SELECT trunk_id FROM calls WHERE caller_number = ${caller} ORDER BY arrived_at LIMIT 1`;
  assert.equal(trunk_id, from.trunkId, 'the call is recognised as arriving from that gateway');
}

async function dialBack(caller: string): Promise<{ ok: boolean; ms: number; detail: string }> {
  const started = Date.now();
  const r = await runSipp({
    scenario: 'uac-seat-callback-expect-answer-audio.xml', remote: cc.sipRemote, localPort: seatPort, service: caller,
    auth: { username: seat.sipUser, password: seat.password }, vars: { seat: seat.sipUser }, timeoutS: 40,
  });
  return { ok: r.ok, ms: Date.now() - started, detail: `exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}` };
}

test('callbacks leave through a live gateway: the preferred one dead (before and after the probes notice), 0 of 50 calls from the live one fail', { timeout: 180_000 }, async (t) => {
  await as(cc, zhang, 'POST', `/v1/seats/${seat.id}/login`, {});
  seatPort = (await cc.registerSeat(seat)).port;
  await cc.apiOk('PUT', '/v1/callbacks/settings', { callback_number: CENTRE_NUMBER, trunk_id: 'gw-a', gateway_uri: uriOf(gw.a) }, [200]);
  await waitFor(async () => (await dispatcherFlags())[uriOf(gw.a)] === 'AP', 10_000, 'gw-a in service again');

  // calls arrive from either gateway; both callers abandon and are claimed while both gateways live
  await claimedCallback(gw.a, '13600000131');
  await claimedCallback(gw.b, '13600000132');
  const [{ value }] = await cc.sql<{ value: string }[]>`SELECT 'dsg:' || setid AS value FROM trunk_groups WHERE id = 'pair'`;
  assert.equal(value, `dsg:${setid}`);

  // the preferred gateway dies; the callback is dialled at once, before the probes can notice
  const mark = await lastStreamId();
  await gw.a.uas!.stop();
  const flagsAtDial = (await dispatcherFlags())[uriOf(gw.a)];
  const first = await dialBack('13600000131');
  assert.ok(first.ok, `the callback dialled right after the preferred gateway died was not answered: ${first.detail}`);
  t.diagnostic(`gw-a flags at dial: ${flagsAtDial}; callback answered after ${first.ms} ms (includes the 5 s of audio)`);
  assert.deepEqual(invitesLogged(gw.b), ['13600000131'], 'the live gateway took it');
  assert.deepEqual(invitesLogged(gw.a), [], 'the dead gateway took nothing');
  await trunkEvent('trunk.down.v1', 'gw-a', mark, 10_000);

  // known down: the next callback goes straight to the live gateway
  const second = await dialBack('13600000132');
  assert.ok(second.ok, `callback with gw-a known down: ${second.detail}`);
  assert.deepEqual(invitesLogged(gw.b), ['13600000131', '13600000132']);
  const failed = await cc.streamEvents((e) => e.type === 'callback.ended.v1' && e.data.answered_seat_id === null);
  assert.deepEqual(failed.map((e) => e.data), [], 'no callback failed');

  // 50 calls from the live gateway to 120, answered by a ready seat: none fails
  [answering] = await cc.createSeats(1);
  await cc.startSeatPhone(answering!, join(BENCH_SIPP, 'uas-seat-answer-at-once-no-media.xml'), { timeoutS: 300 });
  await cc.loginReady(answering!);
  const calls = await runSipp({
    scenario: join(BENCH_SIPP, 'uac-120-expect-answer-no-media.xml'), remote: cc.sipRemote, localIp: IP.b,
    calls: 50, rate: 10, concurrent: 20, timeoutS: 90, vars: { talk_ms: '30' }, injection: [{ caller: '13800138013', display: 'caller' }],
  });
  assert.equal(calls.failed, 0, `SIPp failed calls: ${calls.errorLog}\n${calls.screenLog}`);
  assert.equal(calls.successful, 50);
  const rows = await cc.waitForCalls(50, (c) => c.caller_number === '13800138013' && c.state === 'ended', 20_000, '50 calls from gw-b ended');
  assert.deepEqual(rows.filter((c) => c.answered_seat_id !== answering!.id || c.trunk_id !== 'gw-b' || c.failed_open).map((c) => c.sip_call_id), []);

  await startGw(gw.a);
  await trunkEvent('trunk.up.v1', 'gw-a', mark, 10_000);
});

test('one gateway of the group dies: 0 of the following 50 callbacks through the group fail', { timeout: 240_000 }, async (t) => {
  const N = 50;
  const numbers = Array.from({ length: N }, (_, i) => `1370013${String(i).padStart(4, '0')}`);
  // 50 callers from gw-b hang up in the queue (no seat ready); zhang claims every item at the seat
  await cc.seatNotReady(answering);
  const abandon = await runSipp({
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', remote: cc.sipRemote, localIp: IP.b, vars: { cancel_ms: '800' },
    calls: N, rate: 10, concurrent: N, timeoutS: 60, injection: numbers.map((caller) => ({ caller, display: 'caller' })),
  });
  assert.equal(abandon.failed, 0, `abandoning callers: ${abandon.errorLog}`);
  const items = await waitFor(async () => {
    const r = await as<{ items: Array<{ id: string; caller_number: string }> }>(cc, zhang, 'GET', '/v1/callbacks?status=open&limit=500');
    const mine = r.body.items.filter((i) => numbers.includes(i.caller_number));
    return mine.length === N ? mine : undefined;
  }, 20_000, `${N} open work-list items`);
  for (const item of items) {
    const claim = await as(cc, zhang, 'POST', `/v1/callbacks/${item.id}/claim`, {});
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
  }
  await waitFor(async () => (await dispatcherFlags())[uriOf(gw.a)] === 'AP', 10_000, 'gw-a in service');
  const before = { a: invitesLogged(gw.a).length, b: invitesLogged(gw.b).length };

  // the preferred gateway dies; the 50 callbacks start at once (the first ones reach it before anything noticed)
  const killedAt = Date.now();
  await gw.a.uas!.stop();
  const run = await runSipp({
    scenario: 'uac-seat-callback-many-expect-answer.xml', remote: cc.sipRemote, localPort: seatPort,
    auth: { username: seat.sipUser, password: seat.password }, vars: { seat: seat.sipUser, talk_ms: '1000' },
    calls: N, rate: 10, concurrent: 20, timeoutS: 120, injection: numbers.map((n) => ({ n })),
  });
  t.diagnostic(`50 callbacks through the group after gw-a died: ${run.successful} answered, ${run.failed} failed, ${Date.now() - killedAt} ms`);
  assert.equal(run.failed, 0, `failed callbacks: ${run.errorLog}\n${run.screenLog}`);
  assert.equal(run.successful, N);
  assert.equal(invitesLogged(gw.a).length, before.a, 'the dead gateway took nothing');
  assert.deepEqual(invitesLogged(gw.b).slice(before.b).sort(), [...numbers].sort(), 'the live gateway took every callback');
  const rows = await cc.waitForCalls(N, (c) => numbers.includes(c.called_number ?? '') && c.state === 'ended' && c.answered_seat_id === seat.id,
    20_000, `${N} answered callbacks ended in PostgreSQL`);
  assert.equal(rows.length, N);
  // the live gateway was never taken out of service (a failover marks the failed gateway, not the next one)
  assert.deepEqual((await cc.streamEvents((e) => e.type === 'trunk.down.v1' && e.data.trunk_id === 'gw-b')).map((e) => e.data), []);
  assert.equal((await dispatcherFlags())[uriOf(gw.b)], 'AP');
});

test('a gateway that comes back while the control plane is away is reported when it returns (dispatcher.list read back)', { timeout: 90_000 }, async () => {
  // gw-a died in the previous test: its alarm is open
  assert.ok(await openAlarm('gw-a'), 'gw-a is still down with its alarm open');
  const mark = await lastStreamId();
  await cc.stack.control.stop();
  await startGw(gw.a);
  await waitFor(async () => (await dispatcherFlags())[uriOf(gw.a)] === 'AP', 10_000, 'gw-a back in service in Kamailio');
  await cc.stack.control.start();
  const up = await trunkEvent('trunk.up.v1', 'gw-a', mark, 15_000);
  assert.deepEqual(up.data, { trunk_id: 'gw-a', group_id: 'pair', gateway_uri: uriOf(gw.a) });
  await waitFor(async () => (await openAlarm('gw-a')) === undefined, 5000, 'the trunk_down alarm cleared after the read-back');
  assert.equal((await cc.streamEvents((e) => e.type === 'trunk.up.v1' && e.streamId > mark)).length, 1, 'reported once');
});

test('overflow to another centre behind the group\'s gateways leaves through the live one', { timeout: 90_000 }, async () => {
  const CENTRE = '0571120';
  const mark = await lastStreamId();
  await gw.a.uas!.stop();
  await trunkEvent('trunk.down.v1', 'gw-a', mark, 10_000);
  // the queue overflows after 1 s to the other centre's number as reached through gw-a (the preferred gateway)
  await cc.apiOk('PATCH', '/v1/queues/city-main', { settings: { overflow: { after_s: 1, target: { sip_uri: `sip:${CENTRE}@${IP.a}:${gw.a.port}` } } } }, [200]);
  const before = invitesLogged(gw.b).length;
  const r = await runSipp({
    scenario: 'uac-120-expect-answer-audio.xml', remote: cc.sipRemote, localIp: IP.b, injection: [{ caller: '13700130999', display: 'overflow' }], timeoutS: 40,
  });
  assert.ok(r.ok, `the overflowed call was not answered: exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
  assert.deepEqual(invitesLogged(gw.b).slice(before), [CENTRE], 'the live gateway took the overflow');
  const [ov] = await cc.sql<{ to_sip_uri: string; outcome: string | null }[]>`
    SELECT o.to_sip_uri, o.outcome FROM call_overflows o JOIN calls c ON c.id = o.call_id WHERE c.caller_number = '13700130999'`;
  assert.equal(ov?.to_sip_uri, `sip:${CENTRE}@${IP.a}:${gw.a.port}`);
  await cc.apiOk('PATCH', '/v1/queues/city-main', { settings: { overflow: null } }, [200]);
});
