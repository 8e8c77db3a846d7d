/**
 * A blind transfer whose REFER never leaves (the dispatcher's page closed right after asking): at the transfer's
 * deadline (CTI_TRANSFER_DEADLINE_MS, 1.5 s here) it fails with token_expired, the call is back to talking with the
 * dispatcher (who never left it), and the token is dead in Kamailio too: a late REFER carrying it is refused (403) and
 * never reaches the gateway. docs/transfers.md.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { TransferRig } from '../support/transfer-parties.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';

const DEADLINE_MS = 1500;
let cc: CallCentre;
let rig: TransferRig;

before(async () => {
  cc = await startCallCentre('calls-transfer-deadline', { queue: { wrapup_s: 0 }, env: { CTI_TRANSFER_DEADLINE_MS: String(DEADLINE_MS) } });
  rig = await TransferRig.open(cc, '13700000009');
});
after(async () => {
  await rig?.close();
  await cc?.close();
});

test('no REFER before the deadline: token_expired, the caller stays with seat A, the late REFER is refused', async () => {
  const c = await rig.connectToA();
  const referTo = await rig.startTransfer(c, 'seat-b');
  assert.equal((await cc.call(c.recordId))!.state, 'transferring');
  const failed = await waitFor(async () => {
    const [t] = await cc.sql<{ state: string; fail_reason: string | null }[]>`SELECT state, fail_reason FROM call_transfers WHERE call_id = ${c.recordId}`;
    return t?.state === 'failed' ? t : undefined;
  }, DEADLINE_MS + 10_000, 'the transfer failed at its deadline', 50);
  assert.equal(failed.fail_reason, 'token_expired');
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'talking', 10_000, 'the call back to talking'); // written after the transfer row
  assert.equal((await cc.seatState(rig.seatA)).state, 'talking');
  // Kamailio's own expiry of the token (htable.setex) is whole seconds: wait for it, then the late REFER
  const rpc = new KamailioRpc({ url: cc.info.kamailio.rpcUrl });
  const token = /xfer-([^@]+)@/.exec(referTo)![1]!;
  await waitFor(async () => (await rpc.htableGet('xf', token)) === undefined, 5000, 'the token gone from Kamailio', 100);
  await rig.referFromA(c, referTo);
  await rig.rsA.waitResponse(c.callId, 'REFER', (s) => s === 403, 'the late REFER refused');
  assert.equal(rig.gw.requests(c.callId, 'REFER').length, 0);
  await rig.hangUpFromGateway(c.d, rig.rsA);
  await cc.waitForCall((r) => r.id === c.recordId && r.state === 'ended', 10_000, 'call ended');
});
