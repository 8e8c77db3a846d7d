/**
 * Missed offers in a row, through the real stack: queue missed_offers_not_ready = 2, ring timeout 3 s.
 * A silent seat (idle longest, never answers) and an answering seat.
 *   call 1: the silent seat rings out (miss 1 of 2): it goes back to ready, the call is not offered to it
 *           again but to the answering seat;
 *   call 2: the silent seat (still idle longest) rings out again (miss 2 of 2): not ready, reason
 *           'missed_offers', a seat_missed_offers warning alarm; the answering seat takes the call;
 *   the supervisor makes the silent seat ready: the alarm clears (alarm.cleared.v1) and the count restarts.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { QUEUE_ID, sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'sipp');
const RING_TIMEOUT_S = 3;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('seats-acd-missed', { queue: { ring_timeout_s: RING_TIMEOUT_S, wrapup_s: 0 } }); });
after(async () => { await cc?.close(); });

test('missed_offers_not_ready 2: ready after the first miss, not ready with an alarm at the second, cleared when made ready', { timeout: 120_000 }, async () => {
  const bad = await cc.api('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { missed_offers_not_ready: 0 } });
  assert.equal(bad.status, 400, 'missed_offers_not_ready 0 is refused');
  await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { missed_offers_not_ready: 2 } });

  const [silent, answering] = await cc.createSeats(2);
  await cc.startSeatPhone(silent, 'uas-seat-no-answer.xml');
  await cc.startSeatPhone(answering, join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml'));
  await cc.loginReady(silent);
  await sleep(300);
  await cc.loginReady(answering);
  const trunk = await cc.createTrunkPort();
  const call = async (caller: string) => {
    const r = await cc.runCaller(trunk, {
      scenario: join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml'), vars: { talk_ms: '100' }, timeoutS: 40, injection: [{ caller, display: 'missed' }],
    });
    assert.ok(r.ok, `caller ${caller}: ${r.errorLog}\n${r.screenLog}`);
    return cc.waitForCall((c) => c.caller_number === caller && c.state === 'ended', 10_000, `call from ${caller} ended`);
  };

  const first = await call('13600000001');
  assert.equal(first.answered_seat_id, answering.id);
  assert.deepEqual((await cc.offers(first.id)).map((o) => [o.attempt, o.seat_id, o.outcome]),
    [[1, silent.id, 'no_answer'], [2, answering.id, 'answered']], 'not offered to the seat that missed it again');
  const afterFirst = await cc.seatState(silent);
  assert.equal(afterFirst.state, 'ready', 'one miss of two: back to ready');
  assert.equal(await cc.redis.hget(`cti:seat:${silent.id}`, 'missed'), '1');
  assert.equal((await cc.sql`SELECT 1 FROM alarms WHERE type = 'seat_missed_offers' AND subject = ${silent.id}`).length, 0, 'no alarm yet');

  await cc.waitForSeatState(answering, 'ready');
  const second = await call('13600000002');
  assert.equal(second.answered_seat_id, answering.id);
  assert.deepEqual((await cc.offers(second.id)).map((o) => [o.seat_id, o.outcome]), [[silent.id, 'no_answer'], [answering.id, 'answered']]);
  const s = await cc.seatState(silent);
  assert.deepEqual([s.state, s.reason], ['not_ready', 'missed_offers']);
  const [alarm] = await cc.sql<{ id: string; level: string; cleared_at: Date | null; details: Record<string, unknown> }[]>`
    SELECT id::text AS id, level, cleared_at, details FROM alarms WHERE type = 'seat_missed_offers' AND subject = ${silent.id}`;
  assert.ok(alarm, 'the alarm is raised');
  assert.equal(alarm.level, 'warning');
  assert.equal(alarm.cleared_at, null);
  assert.equal(alarm.details.missed_in_a_row, 2);
  assert.equal(alarm.details.threshold, 2);
  const open = await cc.apiOk<{ items: { id: string }[] }>('GET', `/v1/alarms?open=true&type=seat_missed_offers`);
  assert.deepEqual(open.items.map((a) => a.id), [alarm.id], 'the supervisors\' alarm list shows it');

  await cc.seatReady(silent);
  await waitFor(async () => (await cc.sql`SELECT 1 FROM alarms WHERE id = ${alarm.id} AND cleared_at IS NOT NULL`).length === 1, 5_000, 'alarm cleared');
  const cleared = await cc.streamEvents((e) => e.type === 'alarm.cleared.v1' && e.data.alarm_id === alarm.id);
  assert.equal(cleared.length, 1, 'alarm.cleared.v1 on the stream');
  assert.equal(await cc.redis.hget(`cti:seat:${silent.id}`, 'missed'), '0', 'the count restarts');
});
