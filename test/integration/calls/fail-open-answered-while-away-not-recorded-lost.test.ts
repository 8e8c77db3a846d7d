/**
 * Facts after a crash (ARCHITECTURE.md rules 2 and 4): a queued call is answered by Kamailio's ring-all
 * while the control plane is dead (kill -9); the control plane comes back during the conversation.
 * The call was answered, so its record must not say it was lost or abandoned (and it must not go to the
 * abandoned-call work list as a caller to call back).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

const FAILOPEN_AFTER_MS = 1000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-record', { kamailioVars: { FAILOPEN_AFTER_MS: String(FAILOPEN_AFTER_MS) } }); });
after(async () => { await cc?.close(); });

test('fail-open-answered-while-away-not-recorded-lost: a ring-all call answered during a crash is not recorded as abandoned', async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // not ready: the call stays queued
  const trunk = await cc.createTrunkPort();
  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: '15000' }, injection: [{ caller: '13500000005', display: 'long call' }], timeoutS: 60,
  });
  const queued = await cc.waitForCall((c) => c.state === 'queued', 10_000, 'the call queued');
  await cc.stack.control.kill();
  await cc.waitForConfirmedDialog(queued.sip_call_id, FAILOPEN_AFTER_MS + 10_000); // ring-all answers meanwhile
  await cc.stack.control.start(); // back while caller and seat still talk (15 s)
  await cc.login();
  const result = await caller.done;
  assert.ok(result.ok, `the call was not answered and completed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  await cc.waitForCall((c) => c.id === queued.id && c.ended_at !== null, 10_000, 'the end of the call recorded');

  const row = await cc.call(queued.id);
  const types = await cc.callEventTypes(queued.id);
  const [work] = await cc.sql`SELECT id FROM abandoned_calls WHERE call_id = ${queued.id}`;
  const facts = `state ${row?.state}, ended_by ${row?.ended_by}, end_reason ${row?.end_reason}, failed_open ${row?.failed_open}, events ${types.join(' ')}`;
  assert.notEqual(row?.state, 'abandoned', `the answered call is recorded as abandoned (${facts})`);
  assert.notEqual(row?.end_reason, 'lost_during_disconnect', `the answered call is recorded as lost (${facts})`);
  assert.ok(!types.includes('call.abandoned.v1'), `call.abandoned.v1 was published for an answered call (${facts})`);
  assert.equal(work, undefined, 'no callback work-list entry for an answered call');
  // the seat is found by the Contact of the dialog in Kamailio's dlg.list (callee.contact; calls/flow/dialog-contact.ts)
  assert.equal(row?.answered_seat_id, seat.id, `the record names the seat that answered (${facts})`);
});
