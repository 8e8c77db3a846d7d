/**
 * Repeat callers through the real stack (default rule: within 10 min, raised 1 step; queue base priority 5).
 * No seat is ready while the calls arrive, so they wait and their order can be seen:
 *   X calls and hangs up in the queue; Y calls (first time); X calls again -> priority 4, reason repeat_caller
 *   (call record and call.queued.v1); Z is on the block list with "lowest priority, never let through", calls,
 *   hangs up, calls again -> priority 9 (screened), not raised.
 * Then one seat becomes ready: X's second call is answered first although Y's arrived earlier, Z's last.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { QUEUE_ID, startCallCentre, waitFor, type CallCentre, type CallRow } from '../support/callcentre.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'sipp');
const X = '13512340001';
const Y = '13512340002';
const Z = '17012340003';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('seats-acd-repeat', { queue: { wrapup_s: 0 } }); });
after(async () => { await cc?.close(); });

test('a repeat caller queues one step more urgent and is answered first; a blocked nuisance caller is not raised', { timeout: 120_000 }, async () => {
  const bad = await cc.api('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { repeat_caller: { within_min: 0 } } });
  assert.equal(bad.status, 400, 'within_min 0 is refused');
  await cc.apiOk('PUT', '/v1/screening/policies/block', { policy: 'lowest_priority', override_period_s: 0 });
  await cc.apiOk('POST', '/v1/screening/entries', { list: 'block', number: Z, reason: '反复骚扰' });
  // in force once answered: the screening mirror is rebuilt before the API answers (control/src/screening/mirror.ts)

  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml'));
  const trunk = await cc.createTrunkPort();
  const hangUpInQueue = async (caller: string) => {
    const r = await cc.runCaller(trunk, { scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '500' }, timeoutS: 20, injection: [{ caller, display: 'x' }] });
    assert.ok(r.ok, `${caller} hang-up: ${r.errorLog}`);
    await cc.waitForCall((c) => c.caller_number === caller && c.state === 'abandoned', 5_000, `${caller} abandoned`);
  };
  await hangUpInQueue(X);
  await hangUpInQueue(Z);

  // each waiting caller on its own trunk port (one SIPp per local port)
  const answered = async (caller: string) => cc.startCaller(await cc.createTrunkPort(), {
    scenario: join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml'), vars: { talk_ms: '300' }, timeoutS: 60, injection: [{ caller, display: 'wait' }],
  });
  const callers = [await answered(Y)];
  await cc.waitForCall((c) => c.caller_number === Y && c.state === 'queued', 5_000, 'Y queued');
  callers.push(await answered(X));
  callers.push(await answered(Z));
  const waiting = await cc.waitForCalls(3, (c) => c.state === 'queued', 5_000, 'three calls queued');
  const byCaller = new Map(waiting.map((c) => [c.caller_number, c]));

  const rows = await cc.sql<{ caller_number: string; priority: number; priority_reason: string | null }[]>`
    SELECT caller_number, priority, priority_reason FROM calls WHERE state = 'queued' ORDER BY arrived_at`;
  assert.deepEqual(rows.map((r) => [r.caller_number, r.priority, r.priority_reason]),
    [[Y, 5, null], [X, 4, 'repeat_caller'], [Z, 9, 'screened']]);
  const queuedEvent = async (c: CallRow) => (await cc.callStreamEvents(c.id)).find((e) => e.type === 'call.queued.v1')!.data;
  assert.deepEqual(await queuedEvent(byCaller.get(X)!), { call_id: byCaller.get(X)!.id, queue_id: QUEUE_ID, priority: 4, requeued: false, reason: 'repeat_caller' });
  assert.equal((await queuedEvent(byCaller.get(Z)!)).priority, 9);

  await cc.loginReady(seat);
  for (const h of callers) {
    const r = await h.done;
    assert.ok(r.ok, `caller: ${r.errorLog}`);
  }
  const ended = await cc.waitForCalls(3, (c) => c.state === 'ended', 15_000, 'three calls answered and ended');
  const order = ended.sort((a, b) => a.answered_at!.getTime() - b.answered_at!.getTime()).map((c) => c.caller_number);
  assert.deepEqual(order, [X, Y, Z], 'the repeat caller first, the blocked number last');
  await waitFor(async () => (await cc.seatState(seat)).state === 'ready' || undefined, 5_000, 'seat ready again');
});
