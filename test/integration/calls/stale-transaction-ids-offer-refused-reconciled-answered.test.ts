/**
 * Kamailio refuses every resume of an offer (resume_failed: no suspended transaction under the ids the control plane
 * holds, e.g. ids gone stale): the control plane reconciles with Kamailio at once (the sync), so the call is put
 * back in line with Kamailio's real transaction ids, the seat reserved for the refused offer is released, and the
 * call is answered, instead of the seat staying reserved until the tick's 150 s limit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { callKey } from '../../../control/src/calls/store.ts';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-stale-ids'); });
after(async () => { await cc?.close(); });

test('an offer Kamailio refuses on every try is reconciled: the call is answered by the same seat within seconds', async () => {
  // ringback only: an early-media resume would give the call new transaction ids of its own
  await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { announcements: { ringback_only: true } } });
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat);
  const trunk = await cc.createTrunkPort();
  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000077', display: 'stale ids' }] });

  const queued = await cc.waitForCall((c) => c.state === 'queued', 10_000, 'the call queued');
  const sipCallId = queued.sip_call_id;
  // ids Kamailio holds no suspended transaction under
  await cc.redis.hset(callKey(sipCallId), 'tindex', '65000', 'tlabel', '1');

  const readyAt = Date.now();
  await cc.seatReady(seat);
  const result = await caller.done;
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);

  const call = await cc.waitForCall((c) => c.id === queued.id && c.state === 'ended', 20_000, 'the call answered and ended');
  assert.equal(call.answered_seat_id, seat.id);
  // without the reconciliation the seat stays reserved until the tick's 150 s limit and the wait above times out
  console.log(`answered ${call.answered_at!.getTime() - readyAt} ms after the seat became ready`);

  const types = (await cc.callStreamEvents(call.id)).map((e) => e.type);
  const requeue = (await cc.callStreamEvents(call.id)).filter((e) => e.type === 'call.queued.v1').map((e) => e.data.reason ?? null);
  assert.deepEqual(types, ['call.offered.v1', 'call.queued.v1', 'call.offering.v1', 'call.queued.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  assert.deepEqual(requeue, [null, 'resync'], 'the call was put back in line by the sync');
  const offers = await cc.offers(call.id);
  assert.deepEqual(offers.map((o) => [o.attempt, o.seat_id, o.outcome]), [[1, seat.id, 'failed'], [2, seat.id, 'answered']],
    'the refused offer is closed as failed, the second answered');
  assert.equal(offers[0].ringing_at, null, 'the refused offer never rang');
  await waitFor(async () => (await cc.seatState(seat)).state !== 'reserved' || undefined, 15_000, 'the seat not left reserved');
});
