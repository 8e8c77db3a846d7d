/**
 * A queued call is failed open while the control plane is dead (kill -9), answered by the ring-all group, and over
 * (the caller hangs up) before the control plane comes back: none of its evapi events were heard. Kamailio keeps
 * the answer and the BYE (htables awa/awe, docs/ha.md "Next steps" 8), so the sync records it answered by that
 * seat and ended by the caller at those times, not abandoned / ended_while_disconnected.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

const FAILOPEN_AFTER_MS = 1000;
const TALK_MS = 1000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-away-ended', { kamailioVars: { FAILOPEN_AFTER_MS: String(FAILOPEN_AFTER_MS) } }); });
after(async () => { await cc?.close(); });

test('fail-open-answered-and-ended-while-away: recorded answered by the seat and ended by the caller', async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // not ready: the call stays queued
  const trunk = await cc.createTrunkPort();
  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: String(TALK_MS) }, injection: [{ caller: '13500000006', display: 'short call' }], timeoutS: 60,
  });
  const queued = await cc.waitForCall((c) => c.state === 'queued', 10_000, 'the call queued');
  await cc.stack.control.kill();
  const result = await caller.done; // answered by the ring-all group and hung up, all while no control plane runs
  assert.ok(result.ok, `the call was not answered and completed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const hungUp = Date.now();
  await cc.stack.control.start();
  await cc.login();
  await cc.waitForCall((c) => c.id === queued.id && c.ended_at !== null, 15_000, 'the end of the call recorded');

  const row = await cc.call(queued.id);
  const types = await cc.callEventTypes(queued.id);
  const [work] = await cc.sql`SELECT id FROM abandoned_calls WHERE call_id = ${queued.id}`;
  const facts = `state ${row?.state}, ended_by ${row?.ended_by}, end_reason ${row?.end_reason}, seat ${row?.answered_seat_id}, events ${types.join(' ')}`;
  assert.equal(row?.state, 'ended', `the call answered while away is not recorded ended (${facts})`);
  assert.equal(row?.answered_seat_id, seat.id, `not recorded as answered by the seat (${facts})`);
  assert.equal(row?.ended_by, 'caller', `not recorded as ended by the caller (${facts})`);
  assert.equal(row?.end_reason, 'normal', facts);
  assert.ok(!types.includes('call.abandoned.v1'), `call.abandoned.v1 was published for an answered call (${facts})`);
  assert.equal(work, undefined, 'no callback work-list entry for an answered call');
  // the times Kamailio kept, not the sync's: answered before the caller's BYE, and both before the caller was done
  const answeredAt = row?.answered_at?.getTime() ?? NaN;
  const endedAt = row?.ended_at?.getTime() ?? NaN;
  assert.ok(answeredAt < endedAt && endedAt <= hungUp, `answered ${answeredAt}, ended ${endedAt}, caller done by ${hungUp} (${facts})`);
  assert.ok(endedAt - answeredAt >= TALK_MS - 100, `talk time ${endedAt - answeredAt} ms is not the caller's ${TALK_MS} ms (${facts})`);
});
