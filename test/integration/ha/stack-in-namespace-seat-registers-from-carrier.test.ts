/**
 * A whole stack inside a network namespace, bound to the node's 198.18 address instead of 127.0.0.1
 * (StackOptions.netns): the control plane answers on that address, a seat created through its API
 * registers with SIPp from the carrier namespace, and nothing of it is left after stop and remove.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createPairNetwork, networkLeftovers, type PairNetwork } from '../../../scripts/stack/netns.ts';
import { startStack } from '../../../scripts/stack/stack.ts';
import { runSipp } from '../../support/sipp.ts';
import { ADMIN_PASSWORD, CallCentre, waitFor } from '../support/callcentre.ts';

let net: PairNetwork;
let cc: CallCentre;

before(async () => {
  net = await createPairNetwork();
  const stack = await startStack({
    name: `ha-ns-stack-${process.pid}`,
    control: true,
    env: { CTI_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD },
    netns: { name: net.ns.a, host: net.addr.a, clientNet: `${net.addr.root}/${net.prefixLength}` },
  });
  cc = new CallCentre(stack, postgres(stack.info.postgres.url, { max: 2, onnotice: () => {} }), new Redis(stack.info.redis.url));
  await cc.login();
});
after(async () => {
  await cc?.close();
  await net?.remove();
});

test('stack-in-namespace-seat-registers-from-carrier: daemons on the node address, REGISTER from the carrier answered 200', async () => {
  assert.equal(cc.info.sip.udp, `${net.addr.a}:5060`);
  assert.equal(cc.apiUrl, `http://${net.addr.a}:8400`);
  const listening = await net.exec('a', 'ss', ['-Hlnu']);
  assert.match(listening, new RegExp(`${net.addr.a.replace(/\./g, '\\.')}:5060`), 'Kamailio listens on the node address in its namespace');
  assert.doesNotMatch(listening, /127\.0\.0\.1:5060/, 'and not on loopback');

  const [seat] = await cc.createSeats(1);
  const reg = await runSipp({
    scenario: 'uac-register-expect-200.xml', remote: cc.sipRemote, netns: net.ns.car, localIp: net.addr.car,
    localPort: 5070, mediaPort: 16000, service: seat!.sipUser, auth: { username: seat!.sipUser, password: seat!.password },
    vars: { expires: '60' }, timeoutS: 15,
  });
  assert.ok(reg.ok, `REGISTER from the carrier: exit ${reg.exitCode}\n${reg.errorLog}\n${reg.messageLog}`);
  // the 200 comes from Kamailio; the control plane learns of the registration from its evapi event just after
  await waitFor(async () => (await cc.seatState(seat!)).registered === true, 15_000, 'the control plane saw the registration', 100);
});

test('stack-in-namespace: nothing left after stop and remove', async () => {
  await cc.close();
  await net.remove();
  assert.deepEqual(await networkLeftovers(net.id), []);
});
