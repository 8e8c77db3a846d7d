/**
 * Node A dies with everything at once (issue 13; docs/ha.md, "Everything at once"): 8 SIPp trunk callers talking with
 * SIPp seats and 2 talking with browser seats, 20 callers queued, all through A; every process of A SIGKILLed and its
 * link cut, a new 120 call sent at that moment. Nothing is lost: every conversation ends normally through B (the SIPp
 * ones' RTP flowing again, the browser ones after their ICE-restart re-INVITE), every queued caller is taken over by
 * B and answered once, and the new call is answered. Figures are logged (the bench has them: scenario
 * node_a_killed_all_at_once of `npm run bench -- failover`); no timing is asserted here.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { networkLeftovers } from '../../../scripts/stack/netns.ts';
import { allAtOnce, QUEUED, type AllAtOnceRun } from '../support/all-at-once.ts';
import { startFailoverRig, type FailoverRig } from '../support/failover.ts';

let rig: FailoverRig;
let run: AllAtOnceRun;
before(async () => {
  rig = await startFailoverRig('ha-all');
  run = await allAtOnce(rig, (s) => console.log(`all at once: ${s}`), 90_000);
  console.log(`all at once figures: ${JSON.stringify(run.figures)}`);
});
after(async () => {
  await run?.close();
  await rig?.close();
});

const why = () => `${run.errors.join('\n')}\n${run.browser.log.slice(-20).join('\n')}`;

test('pair-node-a-killed-all-at-once-nothing-lost: no queued caller, conversation or new call lost', () => {
  const f = run.figures;
  assert.deepEqual(run.errors, [], `every step after the kill completed: ${why()}`);
  assert.equal(f.queued_lost, 0, `every one of the ${QUEUED} queued callers answered through B and ended by their BYE`);
  assert.equal(f.two_answers, 0, 'no queued caller got 2xx responses with two To-tags');
  assert.equal(f.offered_in_order, true, 'the queued callers were offered to the seats in their arrival order');
  assert.equal(f.talking_lost, 0, 'every SIPp conversation ended normally through B');
  assert.equal(f.streams_not_resumed, 0, 'every RTP stream that flowed through A flowed again through B');
  assert.equal(f.browser_lost, 0, `both browser conversations ended normally through B: ${why()}`);
  assert.equal(f.browser_calls_recovered, true, 'both pages\' ICE-restart re-INVITEs were answered through B');
  assert.equal(f.new_lost, 0, 'the new call sent at the kill was answered via B');
  assert.equal(f.stale_bindings, 0, 'the browser seats registered again on B, one binding each');
  assert.equal(f.calls_lost, 0);
});

test('pair all at once: nothing left running or configured after stop', async () => {
  const { net } = rig.pair;
  await run.close();
  await rig.close();
  assert.deepEqual(await networkLeftovers(net.id), []);
});
