/**
 * Fail-open (ARCHITECTURE.md rule 1): with the control plane stopped, a call to 120 still reaches a seat.
 * After FAILOPEN_AFTER_MS without a control plane, Kamailio rings every registered seat (the ring-all AoR)
 * by itself; a registered seat that nobody made ready answers, audio flows, the caller hangs up normally.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

const FAILOPEN_AFTER_MS = 1000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-stop', { kamailioVars: { FAILOPEN_AFTER_MS: String(FAILOPEN_AFTER_MS) } }); });
after(async () => { await cc?.close(); });

test('fail-open-control-plane-stopped-ring-all-answers: with the control plane stopped a registered seat answers the call', async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  const trunk = await cc.createTrunkPort(); // the API must be up to create it
  await cc.stack.control.stop();
  await cc.waitForFailOpenArmed(FAILOPEN_AFTER_MS); // past the fail-open delay: the INVITE fails open at once

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13500000003', display: 'no control plane' }], timeoutS: 30 });
  assert.ok(result.ok, `caller SIPp failed with the control plane down: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  assert.match(result.screenLog, /200/, 'the caller saw the 200 OK');
  const kam = readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  assert.match(kam, /fail-open \(control_plane_down\): ringing all registered seats/, 'Kamailio logged the fail-open ring-all');
});

test('fail-open-ring-all-group-capped: with 30 seats registered (more than a transaction\'s branches), the fail-open still rings and is answered', async () => {
  // a surge: more registered seats than the 30 branches of one INVITE transaction. The ring-all group keeps the first
  // RINGALL_MAX (24) contacts, so the fail-open rings those instead of failing as a whole (480).
  await cc.stack.control.start();
  const [answering] = await cc.createSeats(1);
  await cc.startSeatPhone(answering, 'uas-seat-answer-audio.xml'); // registered first: inside the group
  const others = await cc.createSeats(29);
  for (const s of others) {
    const reg = await cc.registerSeat(s);
    assert.ok(reg.result.ok, `seat ${s.id} registered`);
  }
  const trunk = await cc.createTrunkPort();
  await cc.stack.control.stop();
  await cc.waitForFailOpenArmed(FAILOPEN_AFTER_MS);
  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13500000004', display: 'surge, no control plane' }], timeoutS: 40 });
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const kam = readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  assert.match(kam, /ring-all group full \(24 contacts\)/, 'registrations beyond the cap were kept out of the group');
  assert.doesNotMatch(kam, /fail-open impossible/, 'the fail-open did not run out of branches');
});
