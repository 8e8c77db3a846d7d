/**
 * Callers queued on node A when it dies that B cannot take over (docs/ha.md, "Queued callers when a node dies"):
 * their INVITE transactions lived in A's Kamailio, and their stored INVITEs are gone here (deleted by the test, as
 * for a TCP/TLS trunk or an INVITE over the size limit), so B cannot re-inject them. What this test holds: B's
 * control plane, on taking the lead, finds them in the Redis queue but not in B's Kamailio (queued by node A) and
 * writes each one as abandoned with end reason `failover` and puts it on the callback work list
 * (abandoned_calls) with the caller's number, without offering any of them to a seat; a new 120 call is still
 * answered via B. (Callers B can take over: pair-node-a-killed-queued-callers-answered-via-b.test.ts.)
 * What it measures and reports: how many queued callers were lost and whether they got any final response
 * (none: they wait in silence until their gateway gives up).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { takeoverKey } from '../../../control/src/calls/store.ts';
import { killNodeAAndCall, prepareFailover, queueCallsOnA, queuedOutcome, startFailoverRig, type FailoverRig } from '../support/failover.ts';

const QUEUED = 3;

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-queued'); });
after(async () => { await rig?.close(); });

test('pair-node-a-killed-queued-callers-listed-abandoned: callers queued on A are on the abandoned list with their numbers after B leads', async () => {
  const first = await prepareFailover(rig);
  assert.ok(first.ok, `the first call was answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  const queued = await queueCallsOnA(rig, QUEUED);
  const onA = (await rig.a.calls()).filter((c) => (c.caller_number ?? '').startsWith('1390000'));
  assert.equal(await rig.redis.del(...onA.map((c) => takeoverKey(c.sip_call_id))), QUEUED, 'the takeover identities were kept, then removed');
  const [firstCall] = await rig.a.calls();
  const { figures, call, t0 } = await killNodeAAndCall(rig, firstCall!.id, { readyAfterKill: true });
  assert.equal(call.answered_seat_id, rig.seat!.id, 'a new call is answered via B although A left queued calls behind');
  const outcome = await queuedOutcome(rig, queued, QUEUED, t0, 20_000);
  console.log(`failover with queued callers: ${JSON.stringify({ ...figures, queued: outcome })}`);
  const rows = (await rig.b.calls()).filter((c) => (c.caller_number ?? '').startsWith('1390000'));
  assert.equal(rows.length, QUEUED);
  for (const r of rows) {
    assert.equal(r.state, 'abandoned', `queued caller ${r.caller_number} is abandoned`);
    assert.equal(r.end_reason, 'failover', `queued caller ${r.caller_number} is marked failover`);
    assert.ok(r.ended_at && r.ended_at.getTime() >= t0, 'written after the failure');
  }
  const listed = await rig.sql<{ caller_number: string; status: string }[]>`
    SELECT caller_number, status FROM abandoned_calls WHERE call_id = ANY(${rows.map((r) => r.id)}::uuid[]) ORDER BY caller_number`;
  assert.deepEqual(listed.map((l) => [l.caller_number, l.status]), rows.map((r) => r.caller_number).sort().map((n) => [n, 'open']),
    'every queued caller is on the callback work list, open');
  // B distributes only after its Kamailio's sync: a call only A's Kamailio held never takes B's seat (it used to be
  // offered, fail to resume and keep the seat reserved, so the new caller was not answered)
  const offers = await rig.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM call_offers WHERE call_id = ANY(${rows.map((r) => r.id)}::uuid[]) AND offered_at >= ${new Date(t0)}`;
  assert.equal(offers[0]!.n, 0, 'no seat was offered a call that only the dead node held');
});
