/**
 * A pair (npm run pair): a seat registers via the floating address (DMQ puts the registration on both nodes),
 * a trunk call to 120 via the floating address is answered through node A; every process of A is SIGKILLed
 * and its link cut; a new 120 call is answered through B (B holds the floating address, B's control plane
 * leads). Nothing is left running or configured afterwards. The time to answer is reported, not asserted
 * (tests never assert on wall-clock speed; `npm run bench -- failover` reports it).
 * Also: a node configured for a pair without its peer refuses to start.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { networkLeftovers } from '../../../scripts/stack/netns.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import { startStack } from '../../../scripts/stack/stack.ts';
import { waitFor } from '../support/callcentre.ts';
import { killNodeAAndCall, prepareFailover, startFailoverRig, type FailoverRig } from '../support/failover.ts';

let rig: FailoverRig;
before(async () => { rig = await startFailoverRig('ha-failover'); });
after(async () => { await rig?.close(); });

test('pair-node-a-killed-new-call-answered-via-b: registration on both nodes, node A SIGKILLed, the next 120 call answered via B', async () => {
  assert.equal(rig.pair.holder(), 'a', 'node A holds the floating address at the start');
  assert.equal(rig.pair.keepalived.b.state(), 'FAULT', 'B, standby, is fenced: it may take the floating address only with the lease (docs/ha.md "Split brain")');
  const first = await prepareFailover(rig);
  assert.ok(first.ok, `the first call via the floating address was answered through A: exit ${first.exitCode}\n${first.errorLog}`);
  const [firstCall] = await rig.a.calls();
  assert.ok(firstCall?.answered_at, 'the first call is answered in PostgreSQL');

  const bRpc = new KamailioRpc({ url: rig.pair.nodes.b.info.kamailio.rpcUrl });
  // B's Kamailio counts "control plane away" from its own start while it is standby (its control plane is not connected)
  const armedAtStart = await shv(bRpc, 'cp_down_at');
  const { figures, call, t0 } = await killNodeAAndCall(rig, firstCall!.id);
  console.log(`failover figures: ${JSON.stringify(figures)}`);
  assert.equal(figures.registration_replicated, true, "the seat's registration was on B (DMQ) before the kill");
  assert.equal(rig.pair.holder(), 'b', 'B holds the floating address');
  assert.equal(rig.pair.keepalived.b.state(), 'MASTER');
  assert.ok(figures.leader_ms > 0, "B's control plane took the lead");
  assert.equal(call.answered_seat_id, rig.seat!.id, 'the seat answered the call after the kill');
  assert.ok(figures.answered_after_ms > 0);
  assert.equal(call.failed_open, false, 'the new call was queued and offered by B, not failed open');
  // the fail-open count restarted when B took the lead and the address (docs/ha.md "Next steps" 4): never B's start
  assert.ok(armedAtStart > 0 && armedAtStart * 1000 < t0, `B counted from its start while standby (${armedAtStart})`);
  const after = await shv(bRpc, 'cp_down_at');
  assert.ok(after === 0 || after * 1000 >= t0 - 1000, `B's fail-open count was reset (cp_down_at ${after}, kill at ${Math.floor(t0 / 1000)})`);
});

/** A Kamailio shared variable (pv.shvGet over JSON-RPC). */
async function shv(rpc: KamailioRpc, name: string): Promise<number> {
  const m = /"value"\s*:\s*(-?\d+)/.exec(JSON.stringify(await rpc.call('pv.shvGet', [name])));
  if (!m) throw new Error(`no value of $shv(${name})`);
  return Number(m[1]);
}

test('pair: nothing left running or configured after stop', async () => {
  const { net } = rig.pair;
  await rig.close();
  assert.deepEqual(await networkLeftovers(net.id), []);
  // the stacks' watchdogs notice the clean stop within their 1 s poll
  const ours = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(rig.pair.name));
  await waitFor(() => ours().length === 0, 5_000, `no process of the pair left (${ours().join(' | ')})`);
});

test('a Kamailio configured for a pair without its peer refuses to start', async () => {
  await assert.rejects(
    startStack({ name: `ha-half-${process.pid}`, control: false, kamailioDefines: ['WITH_PAIR'] }),
    /WITH_PAIR needs DMQ_PEER/,
  );
});
