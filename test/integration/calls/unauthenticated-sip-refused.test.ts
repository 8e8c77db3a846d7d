/**
 * The SIP edge refuses who it does not know (RFC 3261 22): a REGISTER with a wrong password gets 401/403
 * and leaves the seat unregistered; an INVITE from an address that is not a trunk, without credentials,
 * gets 407 and never reaches the control plane (no call record), even from the trunk's own IP on another port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runSipp } from '../../support/sipp.ts';
import { sleep, startCallCentre, type CallCentre, type Seat } from '../support/callcentre.ts';

let cc: CallCentre;
let seat: Seat;
before(async () => {
  cc = await startCallCentre('calls-auth');
  seat = await cc.createSeat();
});
after(async () => { await cc?.close(); });

test('register-wrong-password-refused: 401/403 and the seat stays unregistered', async () => {
  for (const auth of [{ username: seat.sipUser, password: `${seat.password}-wrong` }, { username: 'nosuchseat', password: 'whatever-password' }]) {
    const r = await runSipp({ scenario: 'uac-register-wrong-password-expect-403-or-401.xml', remote: cc.sipRemote, service: auth.username, auth, timeoutS: 15 });
    assert.ok(r.ok, `REGISTER as ${auth.username} with a wrong password was not refused with 401/403: exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
  }
  await sleep(500);
  assert.equal((await cc.seatState(seat)).registered, false, 'the seat is not registered');
  const [{ n }] = await cc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM seat_state_log WHERE seat_id = ${seat.id}`;
  assert.equal(n, 0, 'no seat state change');
});

test('invite-from-non-trunk-gets-407: to 120 and to a seat, even from the trunk IP on another port; no call recorded', async () => {
  const trunk = await cc.createTrunkPort(); // 127.0.0.1:<this port> is trusted, no other port is
  const other = await cc.leasePort(); // never the trunk's: the registry hands a port out once
  for (const service of ['120', seat.sipUser]) {
    const r = await runSipp({ scenario: 'uac-invite-expect-407.xml', remote: cc.sipRemote, localPort: other, service, timeoutS: 15 });
    assert.ok(r.ok, `INVITE to ${service} from a non-trunk port did not get 407: exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
  }
  await sleep(500);
  assert.equal((await cc.calls()).length, 0, 'no call reached the control plane');
  const offered = await cc.streamEvents((e) => e.type === 'call.offered.v1');
  assert.equal(offered.length, 0, 'no call.offered.v1');
});
