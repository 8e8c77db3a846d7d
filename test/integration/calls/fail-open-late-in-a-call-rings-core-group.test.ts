/**
 * A fail-open late in a call's life. Every offer costs the INVITE transaction branches (Kamailio allows 30), so after
 * 12 unanswered offers only a few are left; a fork to the whole ring-all group (10 contacts here) would fail as a
 * whole and the caller would get 480. Kamailio counts the branches a queued call has used ($avp(brs)) and rings the
 * core group (the first 4 registered seats) instead: the call is answered.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-late', { queue: { ring_timeout_s: 3, wrapup_s: 0 } }); });
after(async () => { await cc?.close(); });

test('fail-open-late-rings-core-group: after 12 unanswered offers the ring-all goes to the core group and is answered', async () => {
  // misses do not take the only ready seat out of service, so it is offered the call again and again
  await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { missed_offers_not_ready: 20 } }, [200]);
  const [answering, ringing] = await cc.createSeats(2);
  await cc.startSeatPhone(answering, 'uas-seat-answer-audio.xml'); // registered first: in the core group; never made ready
  await cc.startSeatPhone(ringing, 'uas-seat-no-answer.xml');
  for (const s of await cc.createSeats(8)) await cc.registerSeat(s); // more contacts in the ring-all group than branches left
  await cc.loginReady(ringing);
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13500000005', display: 'late fail-open' }], timeoutS: 120 });
  assert.ok(result.ok, `the caller was not answered: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const call = await waitFor(async () => (await cc.calls()).find((c) => c.caller_number === '13500000005' && c.state === 'ended'), 15_000, 'the call ended');
  assert.equal(call.failed_open, true, 'it was failed open');
  assert.equal(call.answered_seat_id, answering.id, 'answered by the core group\'s seat');
  const offers = await cc.offers(call.id);
  assert.equal(offers.length, 12, `12 offers to the seat that does not answer (${offers.map((o) => o.outcome).join(',')})`);
  const kam = readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  assert.match(kam, /fail-open \(max_offers\): \d+ branches used, 10 in the ring-all group: ringing the core group/);
  assert.doesNotMatch(kam, /fail-open impossible/);
});
