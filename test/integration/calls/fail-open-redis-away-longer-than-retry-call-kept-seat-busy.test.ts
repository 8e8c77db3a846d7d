/**
 * Redis away longer than the new call's retry (calls/flow/arrival-retry.ts, 6 s) on a single node (issue 13): callers
 * wait in the queue (the seat not ready), Redis stops, a new call arrives, its call.new cannot be handled, so the
 * control plane fails it open ('decision_failed') and the SIPp seat answers it through the ring-all group. Redis comes
 * back while the seat talks; the seat is made ready through the API as soon as the API accepts it.
 *
 * Kamailio keeps the arrival of a call the control plane failed open for decision_failed (htable awn), as for a call
 * that arrived while no control plane was connected. The sync that follows Redis's return records such calls from
 * there (calls/flow/away-arrival.ts, branch feat-killsync): answered by the seat of the dialog's Contact, so the seat
 * is known busy and is not offered a queued caller while it talks. The second test is a todo on this branch until that
 * file is merged (without it, the seat is offered the queued callers while it talks and the call has no record).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre, type CallRow, type Seat } from '../support/callcentre.ts';
import type { SippResult } from '../../support/sipp.ts';

const QUEUED = 3;
const QUEUED_PREFIX = '1390001';
const NEW_CALLER = '13500000122';
const NEW_CALL_TALK_MS = 8000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-redis-long', { queue: { wrapup_s: 1 } }); });
after(async () => { await cc?.close(); });

interface Outcome { seat: Seat; queuedIds: Set<string>; failedOpenCallId: string; talkFrom: number; talkTo: number; qs: SippResult; ns: SippResult }
let o: Outcome | undefined;

async function facts(): Promise<string> {
  const rows = await cc.calls();
  return rows.map((r) => `${r.caller_number} ${r.sip_call_id} ${r.state} seat=${r.answered_seat_id} failed_open=${r.failed_open} answered=${r.answered_at?.toISOString()} ended=${r.ended_at?.toISOString()}`).join('\n')
    + `\nlogs in ${cc.info.logsDir}`;
}

test('fail-open-redis-away-longer-than-retry: the call is failed open, Kamailio keeps its arrival for the sync, every caller answered', { timeout: 150_000 }, async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat!); // not ready: the callers stay queued
  const queuedTrunk = await cc.createTrunkPort();
  const newTrunk = await cc.createTrunkPort();
  const queued = await cc.startCaller(queuedTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', calls: QUEUED, rate: 10, concurrent: QUEUED, vars: { talk_ms: '1000' }, timeoutS: 90,
    injection: Array.from({ length: QUEUED }, (_, i) => ({ caller: `${QUEUED_PREFIX}${String(i).padStart(4, '0')}`, display: 'queued caller' })),
  });
  const waiting = await cc.waitForCalls(QUEUED, (c) => c.state === 'queued' && (c.caller_number ?? '').startsWith(QUEUED_PREFIX), 15_000, `${QUEUED} callers queued`);
  const queuedIds = new Set(waiting.map((c) => c.sip_call_id));

  await cc.stack.redis.stop();
  const next = await cc.startCaller(newTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: String(NEW_CALL_TALK_MS) }, injection: [{ caller: NEW_CALLER, display: 'new caller' }], timeoutS: 90,
  });
  const kamailioLog = (): string => readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  await waitFor(() => /fail-open \(decision_failed\): ringing all registered seats/.test(kamailioLog()), 30_000, 'the new call failed open by the control plane', 100);
  const dialog = await waitFor(async () => (await cc.kamailio.dlgList())
    .find((d) => !queuedIds.has(String(d['call-id'])) && Number(d.state) === 4), 15_000, 'the seat talking to the failed-open call (a confirmed dialog)', 50);
  const talkFrom = Date.now();
  const failedOpenCallId = String(dialog['call-id']);
  const kept = await cc.kamailio.htableGet('awn', failedOpenCallId);
  assert.match(String(kept), /"event":"call.new"/, `Kamailio keeps the arrival of the call failed open for decision_failed (awn): ${String(kept).slice(0, 200)}`);
  await cc.stack.redis.start();
  await waitFor(async () => (await cc.api('POST', `/v1/seats/${seat!.id}/ready`, {})).status === 200, 60_000, 'the seat made ready through the API', 100);

  const [qs, ns] = await Promise.all([queued.done, next.done]);
  o = { seat: seat!, queuedIds, failedOpenCallId, talkFrom, talkTo: Date.now(), qs, ns };
  assert.ok(ns.ok, `the failed-open call was not answered and completed: exit ${ns.exitCode}\n${ns.errorLog}\n${await facts()}`);
  assert.equal(qs.successful, QUEUED, `every queued caller answered (${qs.successful} of ${QUEUED})\n${await facts()}`);
});

test('fail-open-redis-away-longer-than-retry: the failed-open call is recorded answered by the seat, which is never offered a queued caller while it talks',
  { todo: 'needs the sync to record kept arrivals (calls/flow/away-arrival.ts, branch feat-killsync)' }, async () => {
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
