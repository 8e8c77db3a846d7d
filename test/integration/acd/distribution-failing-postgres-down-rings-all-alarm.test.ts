/**
 * Distribution failing (acd/health.ts, calls/distribution/failing.ts) on the real stack: a call waits (no seat ready),
 * a seat's live record in Redis is corrupt (its queues are not JSON), so every distribution pass throws, and the
 * stack's PostgreSQL stops. (PostgreSQL stopping alone no longer fails a pass: the queue settings are answered from
 * the cache and the call path's writes wait in the outbox, docs/ha.md "PostgreSQL away"; it stays in this test for
 * the alarm, which cannot be written meanwhile.)
 * After CTI_DISTRIBUTION_FAILING_S the control plane rings all for the waiting call (Kamailio's FAILOPEN,
 * reason distribution_failing) and a registered seat answers. The `distribution_failing` alarm cannot be
 * written while PostgreSQL is down; it is owed and recorded once PostgreSQL is back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const FAILING_S = 3;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('acd-failing', { env: { CTI_DISTRIBUTION_FAILING_S: String(FAILING_S) } }); });
after(async () => {
  if (cc && !cc.stack.daemons.postgres?.running) cc.stack.daemons.postgres?.start();
  await cc?.close();
});

test('distribution-failing-postgres-down-waiting-call-rings-all-answered-alarm-recorded', async (t) => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml'); // registered (in the ring-all group), never made ready
  const trunk = await cc.createTrunkPort();
  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000031', display: 'db down' }], timeoutS: 60 });
  const call = await cc.waitForCall((r) => r.caller_number === '13700000031' && r.state === 'queued', 10_000, 'the call waiting in the queue');

  const pg = cc.stack.daemons.postgres!;
  const stoppedAt = Date.now();
  await cc.redis.hset(`cti:seat:${seat.id}`, 'queues', '{not json');
  await pg.stop();
  const result = await caller.done;
  const answeredAfterMs = Date.now() - stoppedAt - 5000; // the caller talks 5 s after the answer
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  assert.ok(answeredAfterMs >= FAILING_S * 1000 - 1500, `rung all only after the passes failed for ${FAILING_S} s (answered ~${answeredAfterMs} ms after the stop)`);
  const kam = readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  assert.match(kam, /fail-open \(distribution_failing\): ringing all registered seats/, 'Kamailio rang all for reason distribution_failing');
  assert.equal(await cc.redis.hget(`cti:call:${call.sip_call_id}`, 'failed_open'), '1', 'the live call is marked failed open');

  pg.start();
  await waitFor(async () => (await cc.sql`SELECT 1 AS ok`).length === 1, 30_000, 'PostgreSQL back', 300);
  const [alarm] = await waitFor(async () => {
    const rows = await cc.sql<{ level: string; details: Record<string, unknown> }[]>`
      SELECT level, details FROM alarms WHERE type = 'distribution_failing' AND subject = ${QUEUE_ID}`;
    return rows.length > 0 ? rows : undefined;
  }, 15_000, 'the distribution_failing alarm recorded after PostgreSQL came back', 300);
  assert.equal(alarm.level, 'critical');
  assert.equal(alarm.details.queue_id, QUEUE_ID);
  assert.equal(alarm.details.calls_rung_all, 1);
  assert.ok(Number(alarm.details.failing_ms) >= FAILING_S * 1000, `failing_ms ${alarm.details.failing_ms}`);
  t.diagnostic(`distribution failing: rung all after the passes failed ${alarm.details.failing_ms} ms (rule ${FAILING_S * 1000} ms); answered ~${answeredAfterMs} ms after PostgreSQL stopped`);
});
