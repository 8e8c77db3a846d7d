/**
 * One active control plane per centre (ARCHITECTURE.md "Scaling out", docs/engine.md "Restart of the control
 * plane"): a second control-plane process against the same stack holds off while the first holds the Redis lease
 * `cti:leader`, and takes over when the first is killed with SIGKILL; the call waiting in the queue then is
 * offered and answered by the seat, without ring-all. The time from the kill to the new lease holder, to the
 * offer and to the answer is measured and reported (diagnostics), not asserted: the lease is 3 s, so the
 * takeover should come within about 3 s.
 *
 * One seat answers at once; two callers talk 1.5 s each: the first is talking, the second waits in the queue when
 * the active process is killed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { CALLER_UAC, SEAT_UAS } from '../../../bench/support/crash/rig.ts';
import { activeInstanceIn, healthRole, startSecondControlPlane, type SecondControlPlane } from '../../../bench/support/crash/second-control-plane.ts';

const LEADER_KEY = 'cti:leader';
const CALLERS = ['13700000001', '13700000002'];

let cc: CallCentre;
let standby: SecondControlPlane | undefined;
before(async () => { cc = await startCallCentre('crash-standby', { queue: { wrapup_s: 0 } }); });
after(async () => {
  await standby?.stop();
  await cc?.close();
});

test('standby-takes-over-within-3s: the standby holds off, then takes the lease after kill -9 and the queued call is answered', { timeout: 90_000 }, async (t) => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, SEAT_UAS, { timeoutS: 120 });
  await cc.loginReady(seat!);
  const trunk = await cc.createTrunkPort();

  const firstId = await waitFor(() => activeInstanceIn(join(cc.info.logsDir, 'control.log')), 10_000, 'the first control plane active');
  standby = await startSecondControlPlane(cc);
  await waitFor(async () => (await cc.redis.get(LEADER_KEY)) === firstId, 5_000, 'the lease held by the first process');
  await waitFor(() => activeInstanceIn(standby!.logFile) === undefined && !standby!.exited(), 2_000, 'the second process alive, not active');
  // it holds off for longer than a lease period while the first renews
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal(await cc.redis.get(LEADER_KEY), firstId, 'the first process keeps the lease while it lives');
  assert.equal(activeInstanceIn(standby.logFile), undefined, 'the second process stays a standby');
  const [h1, h2] = await Promise.all([healthRole(cc.apiUrl), healthRole(standby.url)]);
  if (h1.role !== undefined || h2.role !== undefined) {
    assert.deepEqual([h1.role, h2.role], ['active', 'standby'], 'GET /health names the roles');
  } else {
    t.diagnostic(`GET /health does not name the role (checks.control_plane: ${JSON.stringify((h1.body as any).checks?.control_plane)} / ${JSON.stringify((h2.body as any).checks?.control_plane)})`);
  }

  const caller = await cc.startCaller(trunk, {
    scenario: CALLER_UAC, calls: 2, rate: 4, concurrent: 2, timeoutS: 60, vars: { talk_ms: '1500' },
    injection: CALLERS.map((n, i) => ({ caller: n, display: `standby ${i + 1}` })),
  });
  await cc.waitForCall((c) => c.caller_number === CALLERS[1] && c.state === 'queued', 10_000, 'the second call queued behind the first');

  const killedAt = Date.now();
  await cc.stack.control.kill();
  await waitFor(async () => {
    const holder = await cc.redis.get(LEADER_KEY);
    return holder !== null && holder !== firstId;
  }, 15_000, 'a new lease holder', 20);
  const leaseMs = Date.now() - killedAt;
  const secondId = await cc.redis.get(LEADER_KEY);
  const queued = (await cc.calls()).find((c) => c.caller_number === CALLERS[1])!;
  const offeredMs = await waitFor(async () => {
    const offers = await cc.offers(queued.id);
    const o = offers.find((x) => x.offered_at.getTime() >= killedAt);
    return o ? o.offered_at.getTime() - killedAt : undefined;
  }, 20_000, 'the queued call offered after the kill', 50);
  const answered = await cc.waitForCall((c) => c.id === queued.id && c.answered_at !== null, 20_000, 'the queued call answered');
  const answeredMs = answered.answered_at!.getTime() - killedAt;

  const result = await caller.done;
  t.diagnostic(`kill -9 -> standby holds the lease: ${leaseMs} ms; -> queued call offered: ${offeredMs} ms; -> answered: ${answeredMs} ms`);
  console.log(JSON.stringify({ standby_takeover: { lease_ms: leaseMs, offered_ms: offeredMs, answered_ms: answeredMs } }));

  assert.equal(secondId, activeInstanceIn(standby.logFile), 'the new lease holder is the standby process');
  assert.equal(standby.exited(), false, 'the standby runs on as the active control plane');
  assert.ok(result.ok && result.successful === 2, `both callers answered: ${result.successful} ok, ${result.failed} failed\n${result.errorLog}`);
  const rows = await cc.waitForCalls(2, (c) => CALLERS.includes(c.caller_number ?? '') && c.state === 'ended', 15_000, 'both calls ended');
  for (const c of rows) {
    assert.equal(c.answered_seat_id, seat!.id, `call ${c.caller_number} answered by the seat`);
    assert.equal(c.failed_open, false, `call ${c.caller_number} answered through the queue, not by ring-all (logs in ${cc.info.logsDir})`);
  }
  const h = await healthRole(standby.url);
  if (h.role !== undefined) assert.equal(h.role, 'active', 'GET /health of the former standby says active');
});
