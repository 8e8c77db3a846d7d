/**
 * A caller who gives up in the queue: no seat is ready, the caller CANCELs after ~2 s and gets 487;
 * the call is 'abandoned' (by the caller), lands on the abandoned-call work list with its wait time,
 * and call.abandoned.v1 is published.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const CANCEL_MS = 2000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-abandon'); });
after(async () => { await cc?.close(); });

test('abandon-in-queue-487-work-list: CANCEL in queue gets 487, call abandoned, work-list row with wait_ms ~2 s, event', async (t) => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // logged in, not ready: nobody takes the call
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, {
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: String(CANCEL_MS) },
    injection: [{ caller: '13600000002', display: 'gave up' }],
  });
  assert.ok(result.ok, `the caller did not get 200 (CANCEL) and 487: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);

  const call = await cc.waitForCall((c) => c.state === 'abandoned', 5000, 'the call abandoned');
  assert.equal(call.ended_by, 'caller');
  assert.equal(call.caller_number, '13600000002');
  assert.equal(call.answered_at, null);
  assert.ok(call.queue_ms! >= CANCEL_MS - 100 && call.queue_ms! < CANCEL_MS + 1500, `queue_ms ${call.queue_ms}`);
  assert.equal((await cc.offers(call.id)).length, 0, 'never offered');

  const [row] = await cc.sql<{ wait_ms: number; caller_number: string; status: string; queue_id: string }[]>`
    SELECT wait_ms, caller_number, status, queue_id FROM abandoned_calls WHERE call_id = ${call.id}`;
  assert.ok(row, 'an abandoned_calls row');
  assert.ok(row.wait_ms >= CANCEL_MS - 100 && row.wait_ms < CANCEL_MS + 1500, `wait_ms ${row.wait_ms} is about ${CANCEL_MS}`);
  assert.equal(row.caller_number, '13600000002');
  assert.equal(row.status, 'open');
  assert.equal(row.queue_id, 'city-main');

  const events = await cc.callStreamEvents(call.id);
  const abandoned = events.find((e) => e.type === 'call.abandoned.v1');
  assert.ok(abandoned, 'call.abandoned.v1 on the stream');
  assert.equal(abandoned.data.wait_ms, row.wait_ms);
  assert.equal(abandoned.data.phase, 'queued');
  assert.deepEqual(events.map((e) => e.type).filter((x) => x.startsWith('call.')),
    ['call.offered.v1', 'call.queued.v1', 'call.announcement_played.v1', 'call.abandoned.v1', 'call.ended.v1'], 'the greeting played while it waited');

  const list = await cc.api<{ items: Array<{ call_id: string; wait_ms: number }> }>('GET', '/v1/calls/abandoned');
  if (list.status === 404) {
    t.diagnostic('GET /v1/calls/abandoned answers 404: the control plane does not serve it; checked the table only');
  } else {
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((i) => i.call_id === call.id && i.wait_ms === row.wait_ms), 'the work list over the API has the call');
  }
  // the seat was never disturbed
  await waitFor(async () => (await cc.seatState(seat)).state === 'not_ready' || undefined, 2000, 'seat still not_ready');
});
