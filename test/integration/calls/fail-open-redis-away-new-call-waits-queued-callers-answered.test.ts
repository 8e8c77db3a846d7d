/**
 * Redis away on a single node (issue 13, the single-node form of pair-redis-master-killed): callers wait in the queue
 * (the seat not ready), Redis stops, a new call arrives while it is away, Redis comes back and the seat is made ready
 * through the API as soon as the API accepts it (as the pair test does).
 *
 * Before: the new call's call.new failed after ioredis's 3 reconnection attempts (~0.8 s) and was failed open at once
 * ('decision_failed'); the SIPp seat answered it through the ring-all group while the control plane had no record of
 * it, so the seat, made ready, was offered the queued callers while it talked (or an offer crossed the re-sync and a
 * caller was recorded answered with no seat, the seat left reserved, the others lost). Now the call.new is tried again
 * while Redis is away (bounded, calls/flow/arrival-retry.ts): the caller keeps ringing, the call is queued behind the
 * others when Redis answers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { queueThenStopRedis, readyWhenAccepted, redisAwayFacts, stackLog } from '../support/redis-away.ts';

const QUEUED = 3;
const NEW_CALLER = '13500000121';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-redis-away', { queue: { wrapup_s: 1 } }); });
after(async () => { await cc?.close(); });

test('fail-open-redis-away: a call arriving while Redis is away waits for it (not failed open), every caller answered in order, the seat never offered while it talks', { timeout: 150_000 }, async () => {
  const { seat, queued, queuedIds, next } = await queueThenStopRedis(cc, { n: QUEUED, prefix: '1390000', newCaller: NEW_CALLER, talkMs: 1000, timeoutS: 75 });
  // Redis stays away until the new call's call.new has failed on it (before the fix that failed the call open at once)
  await waitFor(() => /"event":"call.new"[^\n]*"msg":"call flow error"|call.new not handled \(Redis away\)/.test(stackLog(cc, 'control')), 20_000, 'the new call.new failing on Redis', 50);
  await cc.stack.redis.start();
  await readyWhenAccepted(cc, seat);

  const [qs, ns] = await Promise.all([queued.done, next.done]);
  const facts = () => redisAwayFacts(cc, seat);
  assert.ok(ns.ok, `the new call was not answered and completed: exit ${ns.exitCode}\n${ns.errorLog}\n${await facts()}`);
  assert.equal(qs.successful, QUEUED, `every queued caller answered (${qs.successful} of ${QUEUED})\n${await facts()}`);
  assert.ok(!/fail-open \(decision_failed\)/.test(stackLog(cc, 'kamailio')), `the new call was failed open (Kamailio: fail-open (decision_failed))\n${await facts()}`);

  // every call recorded answered by the seat and ended, the queued callers first (in their order), then the new one
  const rows = await waitFor(async () => {
    const all = (await cc.calls()).filter((c) => queuedIds.has(c.sip_call_id) || c.caller_number === NEW_CALLER);
    return all.length === QUEUED + 1 && all.every((c) => c.ended_at !== null) ? all : undefined;
  }, 20_000, 'the calls recorded ended', 200).catch(async (e) => { throw new Error(`${(e as Error).message}\n${await facts()}`); });
  for (const r of rows) {
    assert.equal(r.answered_seat_id, seat.id, `${r.caller_number} recorded answered by the seat\n${await facts()}`);
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
