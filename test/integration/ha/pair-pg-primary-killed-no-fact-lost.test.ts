/**
 * The PostgreSQL primary dies (docs/ha.md, "The data tier of a pair"): calls flowing (queued on A, one seat
 * answering them one after the other), A's pg_autoctl and PostgreSQL SIGKILLed; the pg_auto_failover monitor on
 * the witness promotes B's synchronous standby; the control planes find it through their multi-host URL by
 * themselves (not restarted); every call is answered, a new one too; no committed call fact (calls, offers, audit)
 * from before the kill is missing; a seat phone registers afterwards (Kamailio's auth reads PostgreSQL); the old
 * primary, started again on its old data, rejoins as standby and does not take the lead.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pgPrimaryKilled } from '../support/data-failover.ts';
import { startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { waitFor } from '../support/callcentre.ts';
import { formationState } from '../../../scripts/stack/services/pg-auto-failover.ts';

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-pg', { replicatedData: true }); });
after(async () => { await rig?.close(); });

test('pair-pg-primary-killed-no-fact-lost: the standby is promoted, calls keep being answered, no committed fact lost', async () => {
  const f = await pgPrimaryKilled(rig);
  console.log(`pg_primary_killed: ${JSON.stringify(f)}`);
  assert.equal(f.calls_lost, 0, 'no caller lost');
  assert.ok(f.new_call_answered, 'the call placed at the failure was answered');
  assert.ok(f.answered_after_ms > 0, 'a seat answered after the failure');
  assert.equal(f.facts_missing, 0, `no committed fact lost (${JSON.stringify(f.facts_before)} before)`);
  assert.ok(f.facts_before.calls > 0 && f.facts_before.call_offers > 0 && f.facts_before.audit_log > 0, 'there were facts to lose');
  assert.equal(await rig.pair.replicated!.pgPrimary(), 'b', 'B is the primary');
  assert.ok(f.control_not_restarted, 'no control plane was restarted');
  assert.ok(f.register_after_ok, 'a seat registers after the promotion');
  for (const n of ['a', 'b'] as const) {
    const h = await fetch(`${rig.pair.nodes[n].info.api.url}/health`);
    assert.equal(h.status, 200, `node ${n}'s control plane is healthy`);
  }

  // the old primary comes back on its old data: the monitor makes it a standby of B (pg_rewind), it never leads
  await rig.pair.replicated!.restartPostgres('a');
  await waitFor(async () => {
    const nodes = await formationState(rig.pair.replicated!.monitor);
    return nodes.find((x) => x.name === 'a' && x.reported === 'secondary') ? nodes : undefined;
  }, 90_000, 'the old primary back as a standby', 200);
  assert.equal(await rig.pair.replicated!.pgPrimary(), 'b', 'B stays the primary');
});
