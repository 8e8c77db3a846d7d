/**
 * Overflow (queues.settings.overflow, written through the queue API, applied live), on the real stack:
 * 1. after `after_s` the call is relayed to another centre (a second SIPp address) with the X-CTI-* headers,
 *    anchored by rtpengine; the centre answers; the caller's BYE ends it normally; the record has the overflow;
 * 2. a centre answering 503: the call comes back to its queue, that centre is not tried again, a seat answers;
 * 3. no seat of the queue logged in: the call moves at once to another queue, keeping its arrival and
 *    priority, and a seat of that queue answers;
 * 4. bad overflow settings are refused with a coded error and change nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freeUdpPort, startSipp, waitForUdpListener, type SippHandle } from '../../support/sipp.ts';
import { QUEUE_ID, sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

let cc: CallCentre;
before(async () => { cc = await startCallCentre('acd-overflow', { queue: { ring_timeout_s: 5, wrapup_s: 0 } }); });
after(async () => { await cc?.close(); });

async function setOverflow(overflow: unknown, queueId = QUEUE_ID): Promise<void> {
  await cc.apiOk('PATCH', `/v1/queues/${queueId}`, { settings: { overflow } }, [200]);
}

async function centre(scenario: string): Promise<{ uas: SippHandle; uri: string }> {
  const port = await freeUdpPort();
  const uas = await startSipp({ scenario, localPort: port, service: 'centre', timeoutS: 120, keepTraces: true });
  await waitForUdpListener(port);
  return { uas, uri: `sip:120@127.0.0.1:${port}` };
}

interface OverflowRow { seq: number; from_queue_id: string; to_queue_id: string | null; to_sip_uri: string | null; reason: string; outcome: string | null; sip_status: number | null; answered_at: Date | null; ended_at: Date | null; waited_ms: number }

async function overflows(callId: string): Promise<OverflowRow[]> {
  return cc.sql<OverflowRow[]>`SELECT seq, from_queue_id, to_queue_id, to_sip_uri, reason, outcome, sip_status, answered_at, ended_at, waited_ms
    FROM call_overflows WHERE call_id = ${callId} ORDER BY seq`;
}

/** The call's events, without the announcements a waiting caller hears (docs/announcements.md). */
async function callTypes(callId: string): Promise<string[]> {
  return (await cc.callStreamEvents(callId)).map((e) => e.type).filter((t) => t.startsWith('call.') && t !== 'call.announcement_played.v1');
}

/** Every seat logged out, so each test starts with no seat of the queue logged in. */
async function logoutAll(): Promise<void> {
  for (const s of await cc.sql<{ id: string }[]>`SELECT id FROM seats`) await cc.api('POST', `/v1/seats/${s.id}/logout`, {});
}

test('overflow-after-wait-to-another-centre-answers-with-cti-headers', async () => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-no-answer.xml');
  await cc.seatLogin(seat); // logged in but not ready: the call waits
  const county = await centre('uas-centre-answer-expect-cti-headers.xml');
  await setOverflow({ after_s: 2, target: { sip_uri: county.uri } });
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000021', display: 'overflow caller' }] });
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const call = await cc.waitForCall((r) => r.caller_number === '13700000021' && r.state === 'ended', 15_000, 'the overflowed call ended');
  assert.equal(call.answered_seat_id, null);
  assert.ok(call.answered_at, 'answered (at the other centre): its timings are stored');
  assert.ok(call.answer_ms! >= 2000, `answered after the 2 s overflow wait (${call.answer_ms} ms)`);
  assert.ok(call.talk_ms! > 3000, `talked (${call.talk_ms} ms)`);
  assert.equal(call.ended_by, 'caller');

  const [row] = await overflows(call.id);
  assert.equal(row.to_sip_uri, county.uri);
  assert.equal(row.reason, 'wait');
  assert.equal(row.outcome, 'answered');
  assert.ok(row.waited_ms >= 2000);
  assert.deepEqual(await callTypes(call.id), ['call.offered.v1', 'call.queued.v1', 'call.overflowed.v1', 'call.overflow_answered.v1', 'call.ended.v1']);
  const ev = (await cc.callStreamEvents(call.id)).find((e) => e.type === 'call.overflowed.v1')!;
  assert.deepEqual({ ...ev.data, waited_ms: 0 }, { call_id: call.id, seq: 1, from_queue_id: QUEUE_ID, to_queue_id: null, to_sip_uri: county.uri, reason: 'wait', waited_ms: 0 });

  const centreRun = await county.uas.stop();
  assert.equal(centreRun.successful, 1, `the centre's scenario (headers checked) passed: ${centreRun.errorLog}`);
  const trace = readFileSync(join(centreRun.traceDir, 'messages.log'), 'utf8');
  const invite = trace.slice(trace.indexOf('INVITE sip:'));
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(invite)?.[1]?.trim();
  assert.equal(header('X-CTI-Call-Id'), call.id);
  assert.equal(header('X-CTI-Original-Caller'), '13700000021');
  assert.equal(header('X-CTI-Origin-Centre'), 'city');
  assert.equal(header('X-CTI-Priority'), '5');
  assert.ok(Number(header('X-CTI-Queue-Ms')) >= 2000, `X-CTI-Queue-Ms ${header('X-CTI-Queue-Ms')}`);
  const mediaPort = Number(/^m=audio (\d+)/m.exec(invite)?.[1]);
  const [lo, hi] = cc.info.rtpengine.mediaPorts;
  assert.ok(mediaPort >= lo && mediaPort <= hi, `the centre gets rtpengine's media port (${mediaPort}), the call is anchored`);
  await cc.seatLogout(seat);
});

test('overflow-target-503-call-comes-back-not-retried-answered-by-its-queue', async () => {
  await logoutAll();
  const busy = await centre('uas-centre-reply-503.xml');
  await setOverflow({ when_no_seat: true, target: { sip_uri: busy.uri } });
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml'); // registered, logged out: no seat is logged in
  const trunk = await cc.createTrunkPort();

  const caller = await cc.startCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000022', display: 'overflow 503' }] });
  const call = await cc.waitForCall((r) => r.caller_number === '13700000022', 10_000, 'the call recorded');
  const [row] = await waitFor(async () => {
    const rows = await overflows(call.id);
    return rows[0]?.outcome === 'failed' ? rows : undefined;
  }, 10_000, 'the overflow to the 503 centre failed');
  assert.equal(row.sip_status, 503);
  assert.equal(row.reason, 'no_seat');
  await waitFor(async () => (await cc.call(call.id))?.state === 'queued', 5_000, 'the call back in its queue');
  await sleep(2000);
  assert.equal((await overflows(call.id)).length, 1, 'the failed centre is not tried again for this call');

  await cc.loginReady(seat);
  const result = await caller.done;
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const done = await cc.waitForCall((r) => r.id === call.id && r.state === 'ended', 15_000, 'the call answered by the seat and ended');
  assert.equal(done.answered_seat_id, seat.id);
  assert.equal(done.failed_open, false);
  assert.deepEqual(await callTypes(call.id), ['call.offered.v1', 'call.queued.v1', 'call.overflowed.v1', 'call.overflow_failed.v1', 'call.queued.v1',
    'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  const back = (await cc.callStreamEvents(call.id)).filter((e) => e.type === 'call.queued.v1')[1];
  assert.equal(back.data.reason, 'overflow_failed');
  assert.equal(back.data.queue_id, QUEUE_ID);
  const busyRun = await busy.uas.stop();
  assert.equal(busyRun.successful, 1, 'the 503 centre got exactly one INVITE');
  await cc.seatLogout(seat);
});

test('no-seat-logged-in-immediate-overflow-to-another-queue-answered-there', async () => {
  await logoutAll();
  await cc.apiOk('POST', '/v1/queues', { id: 'county-a', name: '县级中心A', ring_timeout_s: 5, wrapup_s: 0 });
  const [countySeat] = await cc.createSeats(1);
  await cc.apiOk('PUT', '/v1/queues/county-a/seats', { seat_ids: [countySeat.id] }, [200]);
  const cityMembers = (await cc.sql<{ id: string }[]>`SELECT id FROM seats WHERE id <> ${countySeat.id}`).map((r) => r.id);
  await cc.apiOk('PUT', `/v1/queues/${QUEUE_ID}/seats`, { seat_ids: cityMembers }, [200]); // the county seat answers county-a only
  await cc.startSeatPhone(countySeat, 'uas-seat-answer-audio.xml');
  await cc.loginReady(countySeat);
  await setOverflow({ when_no_seat: true, target: { queue_id: 'county-a' } });
  const trunk = await cc.createTrunkPort();

  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13700000023', display: 'to county' }] });
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const call = await cc.waitForCall((r) => r.caller_number === '13700000023' && r.state === 'ended', 15_000, 'the moved call ended');
  assert.equal(call.answered_seat_id, countySeat.id);
  assert.equal(call.queue_id, 'county-a', 'the call record names the queue it moved to');
  assert.ok(call.answer_ms! < 3000, `moved at once (answered ${call.answer_ms} ms after arrival)`);
  const [row] = await overflows(call.id);
  assert.deepEqual([row.from_queue_id, row.to_queue_id, row.to_sip_uri, row.reason, row.outcome], [QUEUE_ID, 'county-a', null, 'no_seat', 'moved']);
  assert.deepEqual(await callTypes(call.id), ['call.offered.v1', 'call.queued.v1', 'call.overflowed.v1', 'call.queued.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  const events = await cc.callStreamEvents(call.id);
  const moved = events.filter((e) => e.type === 'call.queued.v1')[1];
  assert.equal(moved.data.queue_id, 'county-a');
  assert.equal(moved.data.priority, events.find((e) => e.type === 'call.queued.v1')!.data.priority, 'keeps its priority');
});

test('bad-overflow-settings-refused-with-coded-error-nothing-changed', async () => {
  const before = (await cc.apiOk('GET', `/v1/queues/${QUEUE_ID}`)).settings;
  for (const bad of [
    { target: { queue_id: 'county-a' } },
    { after_s: 5, target: { queue_id: QUEUE_ID } },
    { after_s: 5, target: { queue_id: 'no-such-queue' } },
    { after_s: 5, target: { sip_uri: 'sip:120@host\r\nX-Evil: 1' } },
    { after_s: -1, target: { sip_uri: 'sip:120@10.0.0.1' } },
    { after_s: 5, target: { sip_uri: 'sip:120@10.0.0.1', queue_id: 'county-a' } },
    { after_s: 5, when_no_seat: 'yes', target: { sip_uri: 'sip:120@10.0.0.1' } },
  ]) {
    const res = await cc.api<{ code: string; details: { overflow: string[] } }>('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { overflow: bad } });
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.body.code, 'CTI_QUEUE_OVERFLOW_INVALID', JSON.stringify(res.body));
    assert.ok(res.body.details.overflow.length > 0);
  }
  assert.deepEqual((await cc.apiOk('GET', `/v1/queues/${QUEUE_ID}`)).settings, before, 'nothing changed');
  await setOverflow(null);
  const [last] = await cc.sql<{ actor_name: string; before: { settings: { overflow?: unknown } }; after: { settings: { overflow?: unknown } } }[]>`
    SELECT actor_name, before, after FROM audit_log WHERE target_type = 'queue' AND target_id = ${QUEUE_ID} AND action = 'queue.updated' ORDER BY id DESC LIMIT 1`;
  assert.equal(last.actor_name, 'admin', 'the change is audited with who made it');
  assert.deepEqual(last.before.settings.overflow, { when_no_seat: true, target: { queue_id: 'county-a' } });
  assert.equal(last.after.settings.overflow, null);
});
