/**
 * Calls that arrive while no control plane runs (kill -9) get a record when it comes back (docs/ha.md "Next steps" 8):
 * their call.new went to no one, Kamailio failed them open and the ring-all group answered, so neither Redis nor
 * PostgreSQL knew them. Kamailio keeps each such arrival (htable awn) and the sync writes the record from it
 * (calls/flow/away-arrival.ts): failed open, answered by the seat, at Kamailio's times, with the caller's number.
 *   - still talking when the control plane is back: recorded talking (seat from the dialog's Contact), then ended
 *     normally by the caller's BYE, which the control plane hears;
 *   - answered and hung up before it is back: recorded ended by the caller at the BYE's time (htables awa/awe).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type CallRow, type Seat, type Trunk } from '../support/callcentre.ts';

const FAILOPEN_AFTER_MS = 1000;

let cc: CallCentre;
let seat: Seat;
let trunk: Trunk;
before(async () => {
  cc = await startCallCentre('calls-away-arrived', { kamailioVars: { FAILOPEN_AFTER_MS: String(FAILOPEN_AFTER_MS) } });
  [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // not ready: only the fail-open ring-all group reaches it
  trunk = await cc.createTrunkPort(); // through the API: before the control plane is killed
});
after(async () => { await cc?.close(); });

/** The Call-ID of a confirmed dialog in Kamailio that no earlier sub-test used. */
async function newConfirmedDialog(used: Set<string>, timeoutMs: number): Promise<string> {
  return waitFor(async () => (await cc.kamailio.dlgList())
    .map((d) => ({ id: String(d['call-id'] ?? '').trim(), state: Number(d.state) }))
    .find((d) => d.state === 4 && !used.has(d.id))?.id, timeoutMs, 'a confirmed dialog of the call placed while away', 100);
}

function facts(row: CallRow | undefined, types: string[]): string {
  return `state ${row?.state}, seat ${row?.answered_seat_id}, failed_open ${row?.failed_open}, caller ${row?.caller_number}, ended_by ${row?.ended_by}, `
    + `end_reason ${row?.end_reason}, events ${types.join(' ')}`;
}

const used = new Set<string>();

test('a call placed and answered while the control plane is dead, still talking when it is back: recorded answered by the seat, then ended', async () => {
  await cc.stack.control.kill();
  const placedAt = Date.now();
  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: '12000' }, injection: [{ caller: '13500000011', display: 'while away' }], timeoutS: 60,
  });
  const callId = await newConfirmedDialog(used, FAILOPEN_AFTER_MS + 15_000); // failed open, answered by the ring-all group
  used.add(callId);
  assert.equal((await cc.calls()).find((c) => c.sip_call_id === callId), undefined, 'no record can exist while no control plane runs');
  await cc.stack.control.start(); // back while caller and seat still talk
  await cc.login();
  const talking = await cc.waitForCall((c) => c.sip_call_id === callId && c.answered_at !== null, 15_000, 'the call recorded answered');
  const early = facts(talking, await cc.callEventTypes(talking.id));
  assert.equal(talking.state, 'talking', `recorded talking while the caller and the seat still talk (${early})`);
  assert.equal(talking.answered_seat_id, seat.id, `the record names the seat that answered (${early})`);
  assert.equal(talking.failed_open, true, `failed open (${early})`);
  assert.equal(talking.caller_number, '13500000011', early);
  assert.ok(talking.arrived_at.getTime() >= placedAt - 1000 && talking.arrived_at.getTime() <= talking.answered_at!.getTime(),
    `arrived at Kamailio's time of the INVITE: ${talking.arrived_at.toISOString()}, placed ${new Date(placedAt).toISOString()} (${early})`);

  const result = await caller.done;
  assert.ok(result.ok, `the call was not answered and completed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const row = await cc.waitForCall((c) => c.id === talking.id && c.ended_at !== null, 10_000, 'the end of the call recorded');
  const types = await cc.callEventTypes(row.id);
  const all = facts(row, types);
  assert.equal(row.state, 'ended', all);
  assert.equal(row.ended_by, 'caller', all);
  assert.equal(row.end_reason, 'normal', all);
  for (const t of ['call.offered.v1', 'call.failed_open.v1', 'call.answered.v1', 'call.ended.v1']) assert.ok(types.includes(t), `${t} missing (${all})`);
  assert.ok(!types.includes('call.abandoned.v1'), `call.abandoned.v1 for an answered call (${all})`);
  // the seat the ring-all answer made talking is not left talking after the call
  await waitFor(async () => ((await cc.seatState(seat)).state !== 'talking' ? true : undefined), 10_000, `seat ${seat.id} no longer talking`, 100);
});

test('a call placed, answered and hung up while the control plane is dead: recorded answered by the seat and ended by the caller', async () => {
  await cc.stack.control.kill();
  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: '1000' }, injection: [{ caller: '13500000012', display: 'over while away' }], timeoutS: 60,
  });
  const result = await caller.done; // failed open, answered and hung up, all while no control plane runs
  assert.ok(result.ok, `the call was not answered and completed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const hungUp = Date.now();
  await cc.stack.control.start();
  await cc.login();
  const row = await cc.waitForCall((c) => c.caller_number === '13500000012' && c.ended_at !== null, 15_000, 'the call recorded and ended');
  const types = await cc.callEventTypes(row.id);
  const all = facts(row, types);
  assert.equal(row.state, 'ended', all);
  assert.equal(row.answered_seat_id, seat.id, all);
  assert.equal(row.failed_open, true, all);
  assert.equal(row.ended_by, 'caller', all);
  assert.equal(row.end_reason, 'normal', all);
  const answeredAt = row.answered_at?.getTime() ?? NaN;
  const endedAt = row.ended_at?.getTime() ?? NaN;
  assert.ok(row.arrived_at.getTime() <= answeredAt && answeredAt < endedAt && endedAt <= hungUp,
    `arrived ${row.arrived_at.toISOString()}, answered ${answeredAt}, ended ${endedAt}, caller done by ${hungUp} (${all})`);
  // the kept arrival is deleted once recorded (the sync's last steps), so that a later sync does not judge it again
  await waitFor(async () => ((await cc.kamailio.htableDump('awn')).length === 0 ? true : undefined), 5000, 'the arrivals kept while away deleted in Kamailio', 100);
});
