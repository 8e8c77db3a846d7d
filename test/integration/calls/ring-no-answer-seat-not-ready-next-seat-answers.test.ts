/**
 * Ring-no-answer: the longest-idle seat rings for ring_timeout_s and does not answer; it goes not_ready
 * with reason 'no_answer', the call goes back to the head of the queue and the next seat answers it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const RING_TIMEOUT_S = 3;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-rna', { queue: { ring_timeout_s: RING_TIMEOUT_S } }); });
after(async () => { await cc?.close(); });

test('ring-no-answer-seat-not-ready-next-seat-answers: offer 1 no_answer after ring_timeout_s, offer 2 answered by the next seat', async () => {
  const [silent, answering] = await cc.createSeats(2);
  await cc.startSeatPhone(silent, 'uas-seat-no-answer.xml');
  await cc.startSeatPhone(answering, 'uas-seat-answer-audio.xml');
  // the silent seat is the longest idle: ready first
  await cc.loginReady(silent);
  await sleep(300);
  await cc.loginReady(answering);
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000001', display: 'rna caller' }] });
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);

  const call = await cc.waitForCall((c) => c.state === 'ended', 10_000, 'the call ended');
  assert.equal(call.answered_seat_id, answering.id, 'the second seat answered');

  const seatNow = await cc.seatState(silent);
  assert.equal(seatNow.state, 'not_ready', 'the seat that did not answer is not ready');
  assert.equal(seatNow.reason, 'no_answer');
  const [log] = await cc.sql<{ from_state: string; to_state: string; reason: string | null }[]>`
    SELECT from_state, to_state, reason FROM seat_state_log WHERE seat_id = ${silent.id} AND to_state = 'not_ready' AND reason = 'no_answer'`;
  assert.ok(log, 'seat_state_log has the move to not_ready (no_answer)');
  assert.equal(log.from_state, 'reserved');

  const offers = await cc.offers(call.id);
  assert.equal(offers.length, 2, 'two offers');
  assert.deepEqual(offers.map((o) => [o.attempt, o.seat_id, o.outcome]), [[1, silent.id, 'no_answer'], [2, answering.id, 'answered']]);
  assert.ok(offers[0].ring_ms! >= RING_TIMEOUT_S * 1000 - 200 && offers[0].ring_ms! < RING_TIMEOUT_S * 1000 + 2500,
    `offer 1 rang about ring_timeout_s (${offers[0].ring_ms} ms)`);
  assert.ok(offers[1].offered_at.getTime() >= offers[0].ended_at!.getTime(), 'offer 2 after offer 1 ended');

  const types = (await cc.callStreamEvents(call.id)).map((e) => e.type).filter((t) => t.startsWith('call.'));
  assert.deepEqual(types, ['call.offered.v1', 'call.queued.v1', 'call.offering.v1', 'call.offer_failed.v1', 'call.queued.v1',
    'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  const requeue = (await cc.callStreamEvents(call.id)).filter((e) => e.type === 'call.queued.v1')[1];
  assert.equal(requeue.data.requeued, true);
  assert.equal(requeue.data.reason, 'no_answer');

  // the no-answer seat is not offered anything else: it stays not_ready until a person makes it ready
  await waitFor(async () => (await cc.seatState(answering)).state === 'ready' || undefined, 15_000, 'the answering seat back to ready after wrap-up');
  assert.equal((await cc.seatState(silent)).state, 'not_ready');
});
