/**
 * Load: 300 trunk calls to 120 in a row at 15 calls/s through the queue to one seat that answers at once
 * (wrap-up 0). Every call is answered: SIPp counts 300 successful and 0 failed; PostgreSQL holds 300 calls
 * ended with the seat as answerer, none failed open, every offer answered (none rang out, failed or was
 * re-offered); the seat is ready again at the end. A call that arrives while the seat is still on the
 * previous one waits in the queue; that is part of what this checks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCallCentre, type CallCentre, type Seat } from '../support/callcentre.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'sipp');
const CALLS = 300;
const RATE = 15;

let cc: CallCentre;
let seat: Seat;

before(async () => {
  cc = await startCallCentre('load-300', { queue: { wrapup_s: 0 } });
  [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat!, join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml'), { timeoutS: 600 });
  await cc.loginReady(seat!);
});

after(async () => cc?.close());

test('300 calls in a row through the queue to one seat: every one answered, none lost, the seat ready again', { timeout: 150_000 }, async () => {
  const trunk = await cc.createTrunkPort();
  const caller = await cc.runCaller(trunk, {
    scenario: join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml'),
    calls: CALLS, rate: RATE, concurrent: 50, timeoutS: 90, vars: { talk_ms: '30' },
    injection: [{ caller: '13800138000', display: 'load caller' }],
  });
  assert.equal(caller.failed, 0, `SIPp failed calls; traces in ${caller.traceDir}\n${caller.errorLog}\n${caller.screenLog}`);
  assert.equal(caller.successful, CALLS, `SIPp successful calls; traces in ${caller.traceDir}\n${caller.screenLog}`);
  assert.equal(caller.exitCode, 0);

  const ended = await cc.waitForCalls(CALLS, (c) => c.state === 'ended', 20_000, `${CALLS} calls ended in PostgreSQL`);
  const rows = await cc.calls();
  assert.equal(rows.length, CALLS, 'one calls row per SIP call');
  assert.equal(ended.length, CALLS);
  assert.deepEqual(rows.filter((c) => c.answered_seat_id !== seat.id).map((c) => [c.sip_call_id, c.state, c.answered_seat_id]), []);
  assert.deepEqual(rows.filter((c) => c.failed_open).map((c) => c.sip_call_id), [], 'no call failed open');
  assert.equal(new Set(rows.map((c) => c.sip_call_id)).size, CALLS);

  const offers = await cc.sql<{ outcome: string | null; n: number }[]>`
    SELECT outcome, count(*)::int AS n FROM call_offers GROUP BY outcome ORDER BY outcome`;
  assert.deepEqual(offers.map((o) => [o.outcome, o.n]), [['answered', CALLS]], 'one offer per call, each answered');

  const s = await cc.waitForSeatState(seat, 'ready', 10_000);
  assert.equal(s.call, null, 'the seat holds no call');
});
