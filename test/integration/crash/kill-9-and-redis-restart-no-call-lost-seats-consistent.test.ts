/**
 * Crash safety, the short version of bench/crash-safety.ts (ARCHITECTURE.md rules 1 and 2): 8 SIPp callers
 * arrive over 1 s while 2 SIPp seats answer (each caller talks 1 s, wrap-up 1 s). In the first repeat the control
 * plane is killed with SIGKILL at a random moment and a new one is started at once; in the second Redis is
 * restarted (AOF on). Each time: every caller is answered (SIPp counts 8 successful, the calls table shows a
 * seat answering, through the queue or by Kamailio's ring-all), no call record is left open, and afterwards no
 * seat is stuck reserved, talking or in wrap-up and every seat is registered as Kamailio's usrloc says.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';
import { runRepeat, startRig, type Disruption, type RepeatOutcome, type Rig } from '../../../bench/support/crash/rig.ts';

const CALLS = 8;
const SEATS = 2;
const RATE_CPS = 8;
const TALK_MS = 1000;

let cc: CallCentre;
let rig: Rig;
before(async () => {
  cc = await startCallCentre('crash-short', { queue: { wrapup_s: 1 } });
  rig = await startRig(cc, SEATS);
});
after(async () => { await cc?.close(); });

function evidence(o: RepeatOutcome): string {
  return [
    `disrupted at ${o.disruptAtMs} ms, calls then ${JSON.stringify(o.statesAtDisruption)}; logs in ${cc.info.logsDir}`,
    `SIPp: ${JSON.stringify(o.sipp)}`,
    `calls: ${JSON.stringify(o.calls)}`,
    `seats: ${JSON.stringify(o.seats.states)}`,
    ...o.logs.controlWarnings.slice(0, 10).map((l) => `control.log: ${l.slice(0, 300)}`),
    ...o.logs.kamailioNotes.slice(0, 10).map((l) => `kamailio.log: ${l.slice(0, 300)}`),
  ].join('\n');
}

async function repeat(disruption: Disruption, tag: number): Promise<RepeatOutcome> {
  const disruptAtMs = 200 + Math.round(Math.random() * 2300); // from the first arrivals to the queue draining
  const o = await runRepeat(rig, { disruption, tag, calls: CALLS, rateCps: RATE_CPS, talkMs: TALK_MS, disruptAtMs });
  const why = evidence(o);
  assert.equal(o.sipp.successful, CALLS, `every caller answered and completed (none lost)\n${why}`);
  assert.deepEqual(o.calls.noRow, [], `every caller has a call record\n${why}`);
  assert.deepEqual(o.calls.notClosed, [], `every call record closed\n${why}`);
  assert.equal(o.calls.answered + o.calls.failedOpenAnswered, CALLS, `every record names the answering seat\n${why}`);
  assert.deepEqual(o.seats.stuck, [], `no seat stuck reserved, talking or in wrap-up\n${why}`);
  assert.deepEqual(o.seats.registrationMismatch, [], `seats registered as Kamailio says\n${why}`);
  assert.equal(o.seats.liveCallsLeft, 0, `no live call left in Redis\n${why}`);
  assert.equal(o.seats.queuedLeft, 0, `nothing left in the queue\n${why}`);
  return o;
}

test('kill -9 of the control plane at a random moment: 8 calls answered, none lost, seats consistent', { timeout: 90_000 }, async (t) => {
  const o = await repeat('control-kill', 1);
  t.diagnostic(`new leader ${o.takeoverMs} ms after the kill; queue-answered ${o.calls.answered}, failed open ${o.calls.failedOpenAnswered}, offer-order inversions ${o.calls.offerInversions}`);
});

test('Redis restart (AOF) at a random moment: 8 calls answered, none lost, seats consistent', { timeout: 90_000 }, async (t) => {
  const o = await repeat('redis-restart', 2);
  assert.equal(o.controlPlaneExited, false, `the control plane survives a Redis restart\n${evidence(o)}`);
  t.diagnostic(`Redis back after ${o.redisRestartMs} ms; queue-answered ${o.calls.answered}, failed open ${o.calls.failedOpenAnswered}, offer-order inversions ${o.calls.offerInversions}`);
});
