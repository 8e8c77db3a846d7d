/**
 * Redis away longer than the new call's retry (calls/flow/arrival-retry.ts, 6 s) on a single node (issue 13): callers
 * wait in the queue (the seat not ready), Redis stops, a new call arrives, its call.new cannot be handled, so the
 * control plane fails it open ('decision_failed') and the SIPp seat answers it through the ring-all group. Redis comes
 * back while the seat talks; the seat is made ready through the API as soon as the API accepts it.
 *
 * Kamailio keeps the arrival of a call the control plane failed open for decision_failed (htable awn), as for a call
 * that arrived while no control plane was connected. The sync that follows Redis's return records such calls from
 * there (calls/flow/away-arrival.ts): answered by the seat of the dialog's Contact, so the seat is known busy and is not
 * offered a queued caller while it talks (without it, the seat was offered the queued callers while it talked and the
 * call had no record).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type CallRow, type Seat } from '../support/callcentre.ts';
import { queueThenStopRedis, readyWhenAccepted, redisAwayFacts, stackLog } from '../support/redis-away.ts';

const QUEUED = 3;
const NEW_CALLER = '13500000122';
const NEW_CALL_TALK_MS = 8000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-redis-long', { queue: { wrapup_s: 1 } }); });
after(async () => { await cc?.close(); });

let o: { seat: Seat; queuedIds: Set<string>; failedOpenCallId: string; talkFrom: number } | undefined;
const facts = (): Promise<string> => (o ? redisAwayFacts(cc, o.seat) : Promise.resolve('(no scenario)'));

test('fail-open-redis-away-longer-than-retry: the call is failed open, Kamailio keeps its arrival for the sync, every caller answered', { timeout: 150_000 }, async () => {
  const { seat, queued, queuedIds, next } = await queueThenStopRedis(cc, { n: QUEUED, prefix: '1390001', newCaller: NEW_CALLER, talkMs: NEW_CALL_TALK_MS, timeoutS: 90 });
  await waitFor(() => /fail-open \(decision_failed\): ringing all registered seats/.test(stackLog(cc, 'kamailio')), 30_000, 'the new call failed open by the control plane', 100);
  const dialog = await waitFor(async () => (await cc.kamailio.dlgList())
    .find((d) => !queuedIds.has(String(d['call-id'])) && Number(d.state) === 4), 15_000, 'the seat talking to the failed-open call (a confirmed dialog)', 50);
  o = { seat, queuedIds, failedOpenCallId: String(dialog['call-id']), talkFrom: Date.now() };
  const kept = await cc.kamailio.htableGet('awn', o.failedOpenCallId);
  assert.match(String(kept), /"event":"call.new"/, `Kamailio keeps the arrival of the call failed open for decision_failed (awn): ${String(kept).slice(0, 200)}`);
  await cc.stack.redis.start();
  await readyWhenAccepted(cc, seat);

  const [qs, ns] = await Promise.all([queued.done, next.done]);
  assert.ok(ns.ok, `the failed-open call was not answered and completed: exit ${ns.exitCode}\n${ns.errorLog}\n${await facts()}`);
  assert.equal(qs.successful, QUEUED, `every queued caller answered (${qs.successful} of ${QUEUED})\n${await facts()}`);
});

test('fail-open-redis-away-longer-than-retry: the failed-open call is recorded answered by the seat, which is never offered a queued caller while it talks',
  async () => {
    assert.ok(o, 'the scenario ran');
    const { seat, queuedIds, failedOpenCallId, talkFrom } = o;
    const fo = await waitFor(async () => (await cc.calls()).find((c) => c.sip_call_id === failedOpenCallId && c.ended_at !== null), 20_000,
      `the failed-open call ${failedOpenCallId} recorded and ended`, 200).catch(async (e) => { throw new Error(`${(e as Error).message}\n${await facts()}`); });
    assert.equal(fo.caller_number, NEW_CALLER);
    assert.equal(fo.failed_open, true, `recorded failed_open\n${await facts()}`);
    assert.equal(fo.answered_seat_id, seat.id, `recorded answered by the seat\n${await facts()}`);
    assert.equal(fo.state, 'ended', await facts());
    // the seat talked to the failed-open call from its confirmed dialog until its record's end: no queued call answered meanwhile
    const rows: CallRow[] = (await cc.calls()).filter((c) => queuedIds.has(c.sip_call_id));
    const during = rows.filter((r) => r.answered_at && r.answered_at.getTime() >= talkFrom && r.answered_at.getTime() < fo.ended_at!.getTime());
    assert.deepEqual(during.map((r) => r.caller_number), [], `the seat was given queued callers while it talked\n${await facts()}`);
    assert.ok(rows.every((r) => r.answered_seat_id === seat.id && r.state === 'ended'), `every queued call answered by the seat and ended\n${await facts()}`);
  });
