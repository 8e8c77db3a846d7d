/**
 * Redis away on a single node (issue 13, the single-node form of pair-redis-master-killed): callers wait in the queue
 * (the seat not ready), Redis stops, a new call arrives while it is away, Redis comes back and the seat is made ready
 * through the API as soon as the API accepts it (as the pair test does).
 *
 * Before: the new call's call.new failed after ioredis's 3 reconnection attempts (~0.8 s) and was failed open at once
 * ('decision_failed'); the SIPp seat answered it through the ring-all group while the control plane had no record of
 * it, so the seat, made ready, was offered the queued callers while it talked (or an offer crossed the re-sync and a
 * caller was recorded answered with no seat, or lost). Now the call.new is tried again while Redis is away (bounded,
 * calls/flow/arrival-retry.ts): the caller keeps ringing, the call is queued behind the others when Redis answers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const QUEUED = 3;
const QUEUED_PREFIX = '1390000';
const NEW_CALLER = '13500000121';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-redis-away', { queue: { wrapup_s: 1 } }); });
after(async () => { await cc?.close(); });

function log(name: 'kamailio' | 'control'): string {
  return readFileSync(join(cc.info.logsDir, `${name}.log`), 'utf8');
}

test('fail-open-redis-away: a call arriving while Redis is away waits for it (not failed open), every caller answered in order, the seat never offered while it talks', { timeout: 150_000 }, async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat!); // not ready: the callers stay queued
  const queuedTrunk = await cc.createTrunkPort();
  const newTrunk = await cc.createTrunkPort();
  const queued = await cc.startCaller(queuedTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', calls: QUEUED, rate: 10, concurrent: QUEUED, vars: { talk_ms: '1000' }, timeoutS: 75,
    injection: Array.from({ length: QUEUED }, (_, i) => ({ caller: `${QUEUED_PREFIX}${String(i).padStart(4, '0')}`, display: 'queued caller' })),
  });
  const waiting = await cc.waitForCalls(QUEUED, (c) => c.state === 'queued' && (c.caller_number ?? '').startsWith(QUEUED_PREFIX), 15_000, `${QUEUED} callers queued`);
  const queuedIds = new Set(waiting.map((c) => c.sip_call_id));

  await cc.stack.redis.stop();
  const next = await cc.startCaller(newTrunk, {
    scenario: 'uac-120-expect-answer-many.xml', vars: { talk_ms: '1000' }, injection: [{ caller: NEW_CALLER, display: 'new caller' }], timeoutS: 75,
  });
  // Redis stays away until the new call's call.new has failed on it (before the fix that failed the call open at once)
  await waitFor(() => /"event":"call.new"[^\n]*"msg":"call flow error"|call.new not handled \(Redis away\)/.test(log('control')), 20_000, 'the new call.new failing on Redis', 50);
  await cc.stack.redis.start();
  // the seat made ready as soon as the API accepts it
  await waitFor(async () => (await cc.api('POST', `/v1/seats/${seat!.id}/ready`, {})).status === 200, 30_000, 'the seat made ready through the API', 50);

  const [qs, ns] = await Promise.all([queued.done, next.done]);
  const facts = async (): Promise<string> => {
    const rows = await cc.calls();
    return rows.map((r) => `${r.caller_number} ${r.sip_call_id} ${r.state} seat=${r.answered_seat_id} failed_open=${r.failed_open} answered=${r.answered_at?.toISOString()} ended=${r.ended_at?.toISOString()}`).join('\n')
      + `\nseat: ${JSON.stringify(await cc.seatState(seat!).catch(String))}, queue: ${JSON.stringify(await cc.redis.zrange(`cti:queue:${QUEUE_ID}`, '0', '-1'))}`
      + `\nevents:\n${(await cc.sql<{ caller_number: string; type: string; at: Date; data: unknown }[]>`
        SELECT c.caller_number, e.type, e.at, e.data FROM call_events e JOIN calls c ON c.id = e.call_id ORDER BY e.at, e.id`)
        .map((e) => `${e.at.toISOString()} ${e.caller_number} ${e.type} ${JSON.stringify(e.data).slice(0, 160)}`).join('\n')}`
      + `\nlogs in ${cc.info.logsDir}`;
  };
  assert.ok(ns.ok, `the new call was not answered and completed: exit ${ns.exitCode}\n${ns.errorLog}\n${await facts()}`);
  assert.equal(qs.successful, QUEUED, `every queued caller answered (${qs.successful} of ${QUEUED})\n${await facts()}`);
  assert.ok(!/fail-open \(decision_failed\)/.test(log('kamailio')), `the new call was failed open (Kamailio: fail-open (decision_failed))\n${await facts()}`);

  // every call recorded answered by the seat and ended, the queued callers first (in their order), then the new one
  const rows = await waitFor(async () => {
    const all = (await cc.calls()).filter((c) => queuedIds.has(c.sip_call_id) || c.caller_number === NEW_CALLER);
    return all.length === QUEUED + 1 && all.every((c) => c.ended_at !== null) ? all : undefined;
  }, 20_000, 'the calls recorded ended', 200).catch(async (e) => { throw new Error(`${(e as Error).message}\n${await facts()}`); });
  for (const r of rows) {
    assert.equal(r.answered_seat_id, seat!.id, `${r.caller_number} recorded answered by the seat\n${await facts()}`);
    assert.equal(r.state, 'ended', await facts());
    assert.equal(r.failed_open, false, `${r.caller_number} failed open\n${await facts()}`);
  }
  const byAnswer = [...rows].sort((a, b) => a.answered_at!.getTime() - b.answered_at!.getTime()).map((r) => r.caller_number);
  const byArrival = [...rows].sort((a, b) => a.arrived_at.getTime() - b.arrived_at.getTime()).map((r) => r.caller_number);
  assert.deepEqual(byAnswer, byArrival, `answered in arrival order\n${await facts()}`);
  assert.equal(byAnswer.at(-1), NEW_CALLER, 'the new call is answered after the queued callers');
  // one seat, one call at a time: no call answered before the previous one ended
  const talks = [...rows].sort((a, b) => a.answered_at!.getTime() - b.answered_at!.getTime());
  for (let i = 1; i < talks.length; i++) {
    assert.ok(talks[i]!.answered_at!.getTime() >= talks[i - 1]!.ended_at!.getTime(), `the seat talked to two calls at once\n${await facts()}`);
  }
});
