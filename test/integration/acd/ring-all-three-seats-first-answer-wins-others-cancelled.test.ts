/**
 * ring_all as a real multi-seat offer (real Kamailio, rtpengine, PostgreSQL, Redis, SIPp seats):
 * 1. three ready seats ring at once (each gets the INVITE and sends 180), one answers, tm CANCELs the other
 *    two; call_offers has one row per seat with the same attempt; the others are ready again.
 * 2. nobody answers within the ring timeout: the call goes back to its place, every seat is ready (a miss is
 *    not a seat's fault), and the next ring_all offer (with a seat that joined) is answered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre, type Seat } from '../support/callcentre.ts';

const RING_TIMEOUT_S = 3;

let cc: CallCentre;
before(async () => {
  cc = await startCallCentre('acd-ringall', { queue: { ring_timeout_s: RING_TIMEOUT_S, wrapup_s: 0 } });
  await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { strategy: 'ring_all' }, [200]); // in force at once (queues/changes.ts)
});
after(async () => { await cc?.close(); });

async function ringAllEvents(callId: string) {
  return (await cc.callStreamEvents(callId)).filter((e) => e.type.startsWith('call.') && e.type !== 'call.announcement_played.v1');
}

test('ring-all-three-seats-first-answer-wins-others-cancelled', async (t) => {
  const [a, b, c] = await cc.createSeats(3);
  const answering = await cc.startSeatPhone(a, 'uas-seat-answer-audio.xml', { vars: { answer_ms: '1500' } });
  const silentB = await cc.startSeatPhone(b, 'uas-seat-no-answer.xml');
  const silentC = await cc.startSeatPhone(c, 'uas-seat-no-answer.xml');
  for (const s of [a, b, c]) await cc.loginReady(s);
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000011', display: 'ring all caller' }] });
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const call = await cc.waitForCall((r) => r.state === 'ended', 15_000, 'the ring-all call ended');
  assert.equal(call.answered_seat_id, a.id, 'the seat that answered took the call');

  const offers = await cc.offers(call.id);
  assert.equal(offers.length, 3, 'one call_offers row per seat');
  assert.deepEqual(new Set(offers.map((o) => o.attempt)), new Set([1]), 'all rows are the same attempt');
  const bySeat = new Map(offers.map((o) => [o.seat_id, o]));
  assert.equal(bySeat.get(a.id)?.outcome, 'answered');
  assert.equal(bySeat.get(b.id)?.outcome, 'cancelled');
  assert.equal(bySeat.get(c.id)?.outcome, 'cancelled');
  assert.equal(bySeat.get(b.id)?.sip_status, 487);
  for (const o of offers) assert.ok(o.ringing_at, `seat ${o.seat_id} rang (sent 180): it got the INVITE`);
  const offeredAt = offers.map((o) => o.offered_at.getTime());
  assert.equal(Math.max(...offeredAt) - Math.min(...offeredAt), 0, 'one offer to all three at the same moment');
  const ringingAt = offers.map((o) => o.ringing_at!.getTime());
  const spread = Math.max(...ringingAt) - Math.min(...ringingAt);
  assert.ok(spread < 1000, `all three rang together (spread ${spread} ms)`);
  t.diagnostic(`ring_all: 180 from all three seats within ${spread} ms; offer to first 180 ${Math.min(...ringingAt) - offeredAt[0]} ms; answer_ms ${call.answer_ms}`);

  // the two that did not answer got the CANCEL (their scenario ends with 487 + ACK) and are ready, not not_ready
  for (const [phone, seat] of [[silentB, b], [silentC, c]] as const) {
    const s = await cc.waitForSeatState(seat, 'ready', 5_000);
    assert.equal(s.reason, null);
    const r = await phone.uas.stop();
    assert.equal(r.successful, 1, `seat ${seat.id} handled INVITE, CANCEL, 487, ACK: ${r.errorLog}`);
  }
  await cc.waitForSeatState(a, 'ready', 10_000);

  const events = await ringAllEvents(call.id);
  assert.deepEqual(events.map((e) => e.type), ['call.offered.v1', 'call.queued.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  const offering = events.find((e) => e.type === 'call.offering.v1')!;
  assert.deepEqual(new Set(offering.data.seats as string[]), new Set([a.id, b.id, c.id]), 'call.offering.v1 lists every seat rung');
  assert.ok([a.id, b.id, c.id].includes(offering.data.seat_id as string), 'seat_id (v1 readers) is one of them');
  assert.equal(events.find((e) => e.type === 'call.answered.v1')!.data.seat_id, a.id);
  await answering.uas.stop();
});

test('ring-all-nobody-answers-call-back-at-its-place-seats-ready-then-answered', async () => {
  for (const s of await cc.sql<{ id: string }[]>`SELECT id FROM seats`) await cc.apiOk('POST', `/v1/seats/${s.id}/logout`, {}, [200, 409]);
  const [d, e, late] = [await cc.createSeat(), await cc.createSeat(), await cc.createSeat()];
  await cc.startSeatPhone(d, 'uas-seat-no-answer.xml');
  await cc.startSeatPhone(e, 'uas-seat-no-answer.xml');
  await cc.startSeatPhone(late, 'uas-seat-answer-audio.xml');
  await cc.loginReady(d);
  await cc.loginReady(e);
  const trunk = await cc.createTrunkPort();

  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000012', display: 'missed ring all' }] });
  const call = await cc.waitForCall((r) => r.caller_number === '13700000012', 10_000, 'the second call recorded');
  // the first offer rings d and e for RING_TIMEOUT_S; nobody answers
  const missed = await waitFor(async () => {
    const rows = (await cc.offers(call.id)).filter((o) => o.attempt === 1);
    return rows.length === 2 && rows.every((o) => o.outcome !== null) ? rows : undefined;
  }, (RING_TIMEOUT_S + 6) * 1000, 'the first ring-all offer over');
  assert.deepEqual(missed.map((o) => o.outcome), ['no_answer', 'no_answer']);
  assert.deepEqual(new Set(missed.map((o) => o.seat_id)), new Set([d.id, e.id]));
  const log = await cc.sql<{ to_state: string }[]>`SELECT to_state FROM seat_state_log WHERE seat_id IN (${d.id}, ${e.id}) AND to_state = 'not_ready' AND at > ${call.arrived_at}`;
  assert.equal(log.length, 0, 'a ring-all miss never makes a seat not_ready');
  // the event follows the offer rows: wait for it (read at once, it was once not yet published on a loaded machine)
  const requeue = await waitFor(async () => (await ringAllEvents(call.id)).filter((x) => x.type === 'call.queued.v1')[1], 10_000, 'the call queued again');
  assert.equal(requeue?.data.requeued, true, 'the call went back to the queue');
  assert.equal(requeue?.data.reason, 'no_answer');

  // a seat that joins is part of the next ring-all offer and answers
  await cc.loginReady(late);
  const result = await caller.done;
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const done = await cc.waitForCall((r) => r.id === call.id && r.state === 'ended', 15_000, 'the missed call answered and ended');
  assert.equal(done.answered_seat_id, late.id);
  const rows = await cc.offers(call.id);
  const last = rows.filter((o) => o.attempt === Math.max(...rows.map((x) => x.attempt)));
  assert.ok(last.some((o) => o.seat_id === late.id && o.outcome === 'answered'), 'the joined seat answered the last offer');
  assert.ok(last.filter((o) => o.seat_id !== late.id).every((o) => o.outcome === 'cancelled'), 'the others of that offer were cancelled');
  for (const s of [d, e]) assert.equal((await cc.waitForSeatState(s, 'ready', 5_000)).state, 'ready');
  assert.equal((await cc.calls()).filter((r) => r.id === call.id && r.failed_open).length, 0, 'never failed open');
});
