/**
 * Fail-open after a crash (ARCHITECTURE.md rules 1 and 2): a call waits in the queue (no seat ready), the
 * control plane is killed with SIGKILL; Kamailio holds the call and, after FAILOPEN_AFTER_MS, rings every
 * registered seat; the seat answers and the caller talks until they hang up.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';

const FAILOPEN_AFTER_MS = 1000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-failopen-kill', { kamailioVars: { FAILOPEN_AFTER_MS: String(FAILOPEN_AFTER_MS) } }); });
after(async () => { await cc?.close(); });

test('fail-open-control-plane-killed-queued-call-answered: a queued call is answered by ring-all after kill -9', async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // not ready: the call stays queued
  const trunk = await cc.createTrunkPort();

  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13500000004', display: 'crash caller' }], timeoutS: 40 });
  const queued = await cc.waitForCall((c) => c.state === 'queued', 10_000, 'the call queued');
  await cc.stack.control.kill();

  const result = await caller.done;
  assert.ok(result.ok, `the queued call was not answered after kill -9: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  assert.equal(queued.state, 'queued', 'the control plane had queued the call before the kill');
  const kam = readFileSync(join(cc.info.logsDir, 'kamailio.log'), 'utf8');
  assert.match(kam, /fail-open \(control_plane_down\): ringing all registered seats/, 'Kamailio failed the held call open (ring-all)');
});
