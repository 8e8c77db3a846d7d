/**
 * The Redis master dies (docs/ha.md, "The data tier of a pair"): 10 callers queued on A, the Redis master (on A)
 * SIGKILLed; the Sentinels (A, B, witness; down-after 1 s) promote B's replica, both control planes follow it
 * (redis-sentinel:// URL), the lease stays where it was, the queue order and the seat are kept: all 10 callers are
 * answered in the order they were queued, and a new call placed right after the kill is answered after them.
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

// KNOWN REGRESSION (docs/ha.md "Next steps"): since the leader gives the lead up at its local deadline (fencing: it
// must stop before its lease can run out in Redis, docs/ha.md "Split brain"), a Sentinel promotion of 2-3 s outlasts
// the deadline, the lead moves to B while A's Kamailio still holds the queued callers, and some are lost (seen: 6 and
// 7 of 11, lead a -> b, and once the call placed at the failure not answered). Before the fencing merge this passed.
// Runs and reports until the leader can pause and reclaim.
test('pair-redis-master-killed-queued-callers-answered-in-order: the lead stays, the 10 queued callers and a new call are answered in order',
  { todo: 'the fencing deadline gives the lead up during a Sentinel promotion (docs/ha.md "Next steps")' }, () => {
    assert.ok(f, 'the failover ran');
    assert.equal(f.calls_lost, 0, 'no caller lost');
    assert.ok(f.new_call_answered, 'the call placed at the failure was answered');
    assert.ok(f.in_order, 'the queued callers were answered in the order they were queued');
    assert.ok(f.control_not_restarted, 'no control plane was restarted');
    assert.equal(f.leader_after, f.leader_before, 'the lead did not move');
  });
