/**
 * Callers queued on node A when it dies are not lost (docs/ha.md, "Queued callers when a node dies"): 20 trunk callers
 * (SIPp as the gateway in the carrier namespace, UDP) wait in A's queue, the only seat not ready; every process of A is
 * SIGKILLed and the seat is made ready through B's API. B's control plane re-injects each stored INVITE into B's
 * Kamailio as if from the gateway; each caller is answered by the seat through B with B's To-tag (the gateway accepts
 * it after A's 180), ACK and BYE go end to end, no caller gets two answers, and the callers are answered in the order
 * they arrived. Measured per caller: from the kill to the re-injection and to the answer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFailoverRig, type FailoverRig } from '../support/failover.ts';
import { queuedCallersTakenOver } from '../support/takeover.ts';

const QUEUED = 20;

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-takeover'); });
after(async () => { await rig?.close(); });

test('pair-node-a-killed-queued-callers-answered-via-b: the 20 callers queued on A are answered by a seat through B, in order, once each', async () => {
  const { figures, rows, result } = await queuedCallersTakenOver(rig, QUEUED, 90_000);
  console.log(`queued callers taken over: ${JSON.stringify(figures)}`);
  assert.equal(result.successful, QUEUED, `the gateway saw every call answered, ACKed and ended by BYE -> 200: ${result.errorLog}`);
  assert.equal(figures.calls_lost, 0, 'no queued caller lost');
  for (const r of rows) {
    assert.equal(r.state, 'ended', `caller ${r.caller_number} talked and hung up`);
    assert.equal(r.ended_by, 'caller');
    assert.equal(r.answered_seat_id, rig.seat!.id);
  }
  assert.equal(figures.two_answers, 0, 'no caller got 2xx responses with two To-tags');
  assert.equal(figures.answered_with_first_tag, 0, 'every 2xx carries the To-tag of B, not the one of A\'s 180');
  assert.ok(figures.reinjected_after_ms_max > 0, 'every caller was re-injected on B after the failure');
  assert.equal(figures.order_kept, true, 'the callers were answered in the order they arrived (queue places kept)');
  const abandoned = await rig.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM abandoned_calls WHERE call_id = ANY(${rows.map((r) => r.id)}::uuid[])`;
  assert.equal(abandoned[0]!.n, 0, 'no taken-over caller is on the callback list');
});
