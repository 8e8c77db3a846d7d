/**
 * CallControl keeps an unconfirmed command per call and action: an early-media resume and an offer of the same
 * call may be in flight together, and the confirmation (or failure) of one must not cancel the other's retries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallControl } from '../../../control/src/engine/kamailio/call-control.ts';
import type { EvapiClient } from '../../../control/src/engine/evapi/client.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;

function rig(maxTries = 3) {
  const sent: Record<string, unknown>[] = [];
  const gaveUp: string[] = [];
  const refusals: boolean[] = [];
  const evapi = { send: (m: Record<string, unknown>) => { sent.push(m); return true; } } as unknown as EvapiClient;
  const control = new CallControl(evapi, silent, (id, action, refused) => { gaveUp.push(`${id}:${action}`); refusals.push(refused); }, maxTries);
  return { sent, gaveUp, refusals, control };
}
const ref = { sipCallId: 'c1', tindex: 1, tlabel: 2 };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('confirming the early-media resume leaves the offer pending (and retried)', async () => {
  const { sent, control } = rig();
  control.early(ref, 'v=0');
  control.offer(ref, 'seat1', 10_000, 1);
  control.confirmed('c1', 'early');
  assert.equal(control.isPending('c1'), true, 'the offer is still unconfirmed');
  control.failed('c1', 'offer');
  await waitFor(() => sent.length === 3);
  assert.deepEqual(sent.map((m) => m.action), ['early', 'offer', 'offer'], 'the failed offer was sent again');
  control.confirmed('c1', 'offer');
  assert.equal(control.isPending('c1'), false);
  control.stop();
});

test('an early-media resume that never succeeds is dropped quietly; a failing offer is handed to onGiveUp', async () => {
  const { sent, gaveUp, control } = rig(2);
  control.early(ref, 'v=0');
  control.offer({ ...ref, sipCallId: 'c2' }, 'seat1', 10_000, 1);
  control.failed('c1', 'early');
  control.failed('c2', 'offer');
  await waitFor(() => sent.length === 4); // both retried
  control.failed('c1', 'early');
  control.failed('c2', 'offer');
  await waitFor(() => gaveUp.length === 1 && !control.isPending('c1'));
  assert.deepEqual(gaveUp, ['c2:offer']);
  assert.equal(control.isPending('c1'), false);
  control.stop();
});

test('confirmed without an action forgets every command of the call (it left the queue)', () => {
  const { control } = rig();
  control.early(ref, 'v=0');
  control.offer(ref, 'seat1', 10_000, 1);
  control.confirmed('c1');
  assert.equal(control.isPending('c1'), false);
  control.stop();
});

test('onGiveUp says whether Kamailio refused the last try (the offer certainly did not act) or stayed silent', async () => {
  const { sent, gaveUp, refusals, control } = rig(2);
  control.offer(ref, 'seat1', 10_000, 1);
  control.failed('c1', 'offer');
  await waitFor(() => sent.length === 2); // the retry
  control.failed('c1', 'offer');
  await waitFor(() => gaveUp.length === 1);
  assert.deepEqual(refusals, [true], 'both tries refused');

  control.offer({ ...ref, sipCallId: 'c3' }, 'seat1', 10_000, 1);
  control.failed('c3', 'offer'); // refused, then the retry is never answered
  await waitFor(() => gaveUp.length === 2);
  assert.deepEqual(gaveUp, ['c1:offer', 'c3:offer']);
  assert.deepEqual(refusals, [true, false], 'the last try was not answered: the outcome may still come');
  control.stop();
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not reached');
    await tick(1); // the poll interval of waitFor
  }
}

test('an offer made while the call\'s early media is being set up leaves after it (rtpengine: placeholder before the seat)', async () => {
  const { sent, control } = rig();
  let finish!: () => void;
  const setup = new Promise<void>((r) => { finish = r; }).then(() => control.early(ref, 'v=0'));
  control.holdOffersUntil('c1', setup);
  control.offer(ref, 'seat1', 10_000, 1);
  control.offerMany({ ...ref, sipCallId: 'c3' }, ['seat2'], 10_000, 1);
  await tick(5); // what must not happen: this call's offer leaving while its setup runs
  assert.deepEqual(sent.map((m) => m.action), ['offer_many'], 'another call\'s offer is not held; this call\'s waits');
  assert.equal(control.isPending('c1'), false);
  finish();
  await waitFor(() => sent.length === 3);
  assert.deepEqual(sent.map((m) => m.action), ['offer_many', 'early', 'offer'], 'early, then the offer');
  control.offer(ref, 'seat1', 10_000, 2);
  assert.equal(sent.length, 4, 'once the setup settled, offers leave at once');
  control.stop();
});

test('a failed early-media setup releases the held offer too', async () => {
  const { sent, control } = rig();
  control.holdOffersUntil('c1', Promise.reject(new Error('rtpengine did not answer')));
  control.offer(ref, 'seat1', 10_000, 1);
  await waitFor(() => sent.length === 1);
  assert.deepEqual(sent.map((m) => m.action), ['offer']);
  control.stop();
});

test('a confirmation that arrived while the process was busy past the resend delay is read before any resend', async () => {
  // the confirmation travels over a real socket, as Kamailio's does: a timer that expired during the busy spell
  // must not resend before the poll phase has read it (a resend resumes the call's next suspension)
  const { createServer, connect } = await import('node:net');
  const { sent, control } = rig();
  const server = createServer((s) => s.on('data', () => control.confirmed('c1', 'offer')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise((r) => server.once('connection', r));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await Promise.all([accepted, new Promise((r) => client.once('connect', r))]);
  try {
    control.offer(ref, 'seat1', 10_000, 1);
    client.write('resumed');
    const until = Date.now() + 400; // busy past the 200 ms resend delay; the confirmation waits in the socket
    while (Date.now() < until) { /* a loaded machine's stall */ }
    // the expired timer runs first (timers phase), then the socket is read (poll phase)
    for (let turns = 0; control.isPending('c1') && turns < 1000; turns++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent.map((m) => m.action), ['offer'], 'sent once: the confirmation was read before the resend was due');
    assert.equal(control.isPending('c1'), false);
  } finally {
    client.destroy();
    server.close();
    control.stop();
  }
});
