/**
 * The Redis master dies (docs/ha.md, "The data tier of a pair"): 10 callers queued on A, the Redis master (on A)
 * SIGKILLed; the Sentinels (A, B, witness; down-after 1 s) promote B's replica, both control planes follow it
 * (redis-sentinel:// URL), the lease stays where it was, the queue order and the seat are kept: all 10 callers are
 * answered in the order they were queued, and a new call placed right after the kill is answered after them. The
 * leader's lease outlives its deadline during the promotion: it pauses and reclaims (figures leader_paused/resumed).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { redisMasterKilled } from '../support/data-failover.ts';
import { startFailoverRig, type FailoverRig } from '../support/failover.ts';

const QUEUED = 10;

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-redis', { replicatedData: true }); });
after(async () => { await rig?.close(); });

let f: Awaited<ReturnType<typeof redisMasterKilled>> | undefined;

test('pair-redis-master-killed: Sentinel promotes the replica to B, no acknowledged write lost', async () => {
  f = await redisMasterKilled(rig, QUEUED);
  console.log(`redis_master_killed: ${JSON.stringify(f)}`);
  assert.equal(await rig.pair.replicated!.redisMaster(), 'b', 'B holds the Redis master');
  assert.ok(f.promote_ms > 0 && f.promote_ms < 10_000, `promoted within 10 s (${f.promote_ms} ms)`);
  assert.equal(f.redis_writes_lost, 0, `no acknowledged write lost (of ${f.redis_writes_acked})`);
});

// The leader's lease cannot be renewed while the Sentinels promote the replica (2-3 s, more than what is left of its
// lease), so the leader pauses (no offers) instead of giving the lead up, keeps its Kamailio's queued callers and the
// floating address (its peer answers over the A-B link and does not lead), and reclaims its lease the moment Redis
// answers; the standby waits for a peer that pauses (docs/ha.md "The leader across a Redis outage"). Before this, the
// lead moved to B and 6-7 of 11 callers were lost.
test('pair-redis-master-killed-queued-callers-answered-in-order: the lead stays, the 10 queued callers and a new call are answered in order, none twice', () => {
  assert.ok(f, 'the failover ran');
  assert.equal(f.calls_lost, 0, 'no caller lost');
  assert.ok(f.new_call_answered, 'the call placed at the failure was answered');
  assert.ok(f.in_order, 'the queued callers were answered in the order they were queued');
  assert.equal(f.answered_offers_max, 1, 'no caller answered twice');
  assert.ok(f.control_not_restarted, 'no control plane was restarted');
  assert.equal(f.leader_before, 'a');
  assert.equal(f.leader_after, f.leader_before, 'the lead did not move');
  assert.equal(rig.pair.holder(), 'a', 'the floating address stayed on A');
});
