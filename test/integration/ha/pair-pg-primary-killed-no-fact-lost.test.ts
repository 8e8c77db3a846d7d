/**
 * The PostgreSQL primary dies (docs/ha.md, "The data tier of a pair"): calls flowing (queued on A, one seat
 * answering them one after the other), A's pg_autoctl and PostgreSQL SIGKILLed; the pg_auto_failover monitor on
 * the witness promotes B's synchronous standby; the control planes find it through their multi-host URL by
 * themselves (not restarted); the call placed at the kill is answered; no committed call fact (calls, offers,
 * audit) from before the kill is missing; a seat phone registers afterwards (Kamailio's auth reads PostgreSQL); the
 * old primary, started again on its old data, rejoins as standby and does not take the lead; every caller in flight is
 * answered (the call path's writes wait in the outbox while PostgreSQL is away or read-only).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pgPrimaryKilled, type PgFailoverFigures } from '../support/data-failover.ts';
import { startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { waitFor } from '../support/callcentre.ts';
import { formationState } from '../../../scripts/stack/services/pg-auto-failover.ts';

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-pg', { replicatedData: true }); });
after(async () => { await rig?.close(); });

let figures: PgFailoverFigures | undefined;

test('pair-pg-primary-killed-no-fact-lost: the standby is promoted, the control planes follow it, no committed fact lost, the old primary rejoins as standby', async () => {
  const f = await pgPrimaryKilled(rig);
  figures = f;
  console.log(`pg_primary_killed: ${JSON.stringify(f)}`);
  assert.equal(f.facts_missing, 0, `no committed fact lost (${JSON.stringify(f.facts_before)} before)`);
  assert.ok(f.facts_before.calls > 0 && f.facts_before.call_offers > 0 && f.facts_before.audit_log > 0, 'there were facts to lose');
  assert.equal(await rig.pair.replicated!.pgPrimary(), 'b', 'B is the primary');
  assert.ok(f.promote_ms > 0 && f.first_write_ms > 0, 'promoted, and a write went through the multi-host URL');
  assert.ok(f.control_not_restarted, 'no control plane was restarted');
  assert.ok(f.new_call_answered, 'the call placed at the failure was answered');
  assert.ok(f.register_after_ok, 'a seat registers after the promotion (Kamailio auth_db follows the primary)');
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

// Before the call path's outbox (docs/ha.md "PostgreSQL away") a write refused during the ~5 s promotion window (the
// standby answers "read-only transaction") failed that event's handler half-way and lost 3 of 5 callers in one run; now
// such writes wait in Redis and are written after the promotion (first run with it: 0 of 5 lost, 15 writes replayed).
test('pair-pg-primary-killed-no-fact-lost: every caller in flight at the promotion is answered', () => {
  assert.ok(figures, 'the failover test ran');
  assert.equal(figures.calls_lost, 0, `callers lost: ${figures.calls_lost} of ${figures.calls}`);
});
