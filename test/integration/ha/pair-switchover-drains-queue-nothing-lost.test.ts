/**
 * Switching over by hand for maintenance (docs/ha.md "Switching over by hand"): with one call in conversation and
 * one caller queued on A, an admin asks A to switch over. A waits until its queued caller is answered (the seat
 * frees up when the first conversation ends), then hands the lead and the floating address to B; the second
 * conversation goes on through A's Kamailio and rtpengine and ends normally (its BYE now reaches B via the floating
 * address); a new call is answered through B. Nothing lost: every call answered once and ended by its caller.
 * The takeover is recorded (ha_failovers kind switchover, by admin), audited, and shown by GET /v1/ha/state;
 * A's control plane comes back as standby. Bad requests change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../support/callcentre.ts';
import { callerOn, prepareFailover, startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { vipHolders, watchVip } from '../support/partition.ts';
import { launchConsoleBrowser, screenshot } from '../consoles/support/browser.ts';
import { createPerson, loginSupervisor, SUPERVISOR } from '../consoles/support/pages.ts';

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-switch'); });
after(async () => { await rig?.close(); });

const caller = (number: string, port: number, media: number) => callerOn(rig, number, port, media, 60);

test('pair-switchover: calls queued and in conversation, switched from A to B by hand, none lost', async () => {
  const { pair, a, b } = rig;
  const first = await prepareFailover(rig);
  assert.ok(first.ok, `first call answered through A: ${first.errorLog}`);
  await a.apiOk('POST', '/v1/trunks', { id: 'trunk-carrier-2', name: '测试中继 运营商 2', ip_addr: pair.net.addr.car, port: 5082 });

  // bad requests change nothing
  assert.equal((await a.api('POST', '/v1/ha/switchover', { drain_timeout_s: 0 })).status, 400);
  await b.login();
  const notLeader = await b.api<{ code: string }>('POST', '/v1/ha/switchover', {});
  assert.equal(notLeader.status, 409);
  assert.equal(notLeader.body.code, 'CTI_HA_NOT_LEADER');

  const talking = await caller('13700000001', 5080, 16100);
  await a.waitForCall((c) => c.caller_number === '13700000001' && c.answered_at !== null, 15_000, 'the first conversation answered');
  const queued = await caller('13700000002', 5082, 16200);
  await a.waitForCall((c) => c.caller_number === '13700000002' && c.state === 'queued', 15_000, 'the second caller queued on A');

  const vip = watchVip(pair);
  const t0 = Date.now();
  const res = await a.api<{ from: string; to: string; drained_ms: number }>('POST', '/v1/ha/switchover', { drain_timeout_s: 60 });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.deepEqual([res.body.from, res.body.to], ['a', 'b']);
  await waitFor(() => vipHolders(pair).join() === 'b', 15_000, 'B holds the floating address', 50);
  const vipMs = Date.now() - t0;
  // the media address follows the SIP address (its instance is boosted on the SIP master and preempts: keepalived.ts)
  await waitFor(() => pair.mediaHolder() === 'b', 5_000, 'B holds the floating media address too', 50);
  await waitFor(async () => (await b.api<{ leader: string }>('GET', '/v1/ha/state')).body.leader === 'b', 15_000, 'B leads', 100);

  const third = await caller('13700000003', 5080, 16100).then((h) => h.done);
  const [r1, r2] = await Promise.all([talking.done, queued.done]);
  assert.ok(r1.ok, `the conversation at the request ended normally: ${r1.errorLog}`);
  assert.ok(r2.ok, `the caller queued at the request was answered and ended normally: ${r2.errorLog}`);
  assert.ok(third.ok, `a new call after the switchover answered through B: ${third.errorLog}`);
  const samples = await vip.stop();
  assert.ok(!samples.includes('a+b'), `never two holders (samples: ${samples.join(', ')})`);

  for (const n of ['13700000001', '13700000002', '13700000003']) {
    const c = await b.waitForCall((x) => x.caller_number === n && x.ended_at !== null, 15_000, `call ${n} ended in PostgreSQL`);
    assert.ok(c.answered_at, `call ${n} answered`);
    assert.equal(c.ended_by, 'caller', `call ${n} ended by its caller (${c.end_reason})`);
    assert.equal((await b.offers(c.id)).length, 1, `call ${n} offered once`);
  }

  const state = await waitFor(async () => {
    const s = (await b.api<{ failovers: Array<{ epoch: number; kind: string; from_node: string; to_node: string; by: string; first_answered_at: string | null }>; nodes: Array<{ node: string; role: string }> }>('GET', '/v1/ha/state')).body;
    return s.failovers[0]?.kind === 'switchover' && s.failovers[0].first_answered_at && s.nodes.find((x) => x.node === 'a')?.role === 'standby' ? s : undefined;
  }, 30_000, 'the switchover recorded with its first answer, A back as standby', 200);
  assert.deepEqual([state.failovers[0]!.from_node, state.failovers[0]!.to_node, state.failovers[0]!.by], ['a', 'b', 'admin']);
  const audit = await rig.sql<{ action: string; actor_name: string }[]>`SELECT action, actor_name FROM audit_log WHERE action LIKE 'ha.%' ORDER BY id`;
  assert.ok(audit.some((x) => x.action === 'ha.switchover_requested' && x.actor_name === 'admin'), JSON.stringify(audit));
  assert.ok(audit.some((x) => x.action === 'ha.switchover' && x.actor_name === 'admin'), JSON.stringify(audit));

  // an old Redis (its takeover count behind the database's, as after restoring a snapshot) must not lead: B's control
  // plane dies, A's finds the lease free but does not take the lead, and says why (alarm); once Redis is right again
  // (what a resync from the live copy does), A takes the lead
  const epoch = Number(await rig.redis.get('cti:ha:epoch'));
  assert.equal(epoch, state.failovers[0]!.epoch);
  await rig.redis.set('cti:ha:epoch', String(epoch - 1));
  await pair.nodes.b.control.kill();
  const alarm = await waitFor(async () => (await rig.sql<{ details: { stale: string } }[]>`
    SELECT details FROM alarms WHERE type = 'ha_stale_data' AND subject = 'a' AND cleared_at IS NULL`)[0], 20_000, 'the stale-data alarm for A', 200);
  assert.equal(alarm.details.stale, 'redis');
  const health = await fetch(`${pair.nodes.a.info.api.url}/health`).then((r) => r.json() as Promise<{ checks: { control_plane: { detail: string } } }>);
  assert.equal(health.checks.control_plane.detail, 'standby', 'A does not lead with an old Redis');
  await waitFor(() => vipHolders(pair).length === 0, 10_000, "nobody holds the floating address: B's control plane is gone, A's does not lead", 100);
  await rig.redis.set('cti:ha:epoch', String(epoch));
  await waitFor(() => vipHolders(pair).join() === 'a', 20_000, 'A leads and holds the floating address once Redis is right', 100);
  const [open] = await rig.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM alarms WHERE type = 'ha_stale_data' AND cleared_at IS NULL`;
  assert.equal(open!.n, 0, 'the stale-data alarm cleared');

  console.log(`switchover figures: ${JSON.stringify({ drained_ms: res.body.drained_ms, vip_ms_after_reply: vipMs, failover: state.failovers[0] })}`);
});

test("the supervisor's 主备状态 panel lists the switchover and the failover, and each node's state, in Chinese", async () => {
  const { pair, a } = rig;
  await a.login();
  await createPerson(a, SUPERVISOR, 'supervisor');
  const browser = await launchConsoleBrowser();
  try {
    const page = await browser.newPage();
    await loginSupervisor(page, pair.nodes.a.info.api.url);
    await page.click('[data-testid="tab-ha"]');
    await page.waitForSelector('[data-testid="ha-failovers"] tr[data-kind="failover"]', { timeout: 15_000 });
    const switched = await page.textContent('[data-testid="ha-failovers"] tr[data-kind="switchover"]');
    assert.match(switched ?? '', /人工切换.*节点 A.*节点 B.*admin/s);
    const failed = await page.textContent('[data-testid="ha-failovers"] tr[data-kind="failover"]');
    assert.match(failed ?? '', /故障切换.*节点 B.*节点 A.*系统/s);
    await page.waitForSelector('[data-testid="ha-nodes"] tr[data-node="a"][data-leader="true"][data-role="active"]', { timeout: 10_000 });
    assert.match(await page.textContent('[data-testid="ha-nodes"] tr[data-node="a"]') ?? '', /主用.*持有/s);
    assert.match(await page.textContent('[data-testid="ha-nodes"] tr[data-node="b"]') ?? '', /无法联系/);
    await screenshot(page, 'supervisor-ha-panel');
  } finally {
    await browser.close();
  }
});
