/**
 * The recording pipeline and the recording watch against the stack's real rtpengine (pcap spool,
 * delete-delay 2 s), PostgreSQL and Redis: a recorded call is indexed against its call row and
 * announced with recording.ready.v1 and plays back through the API; a damaged spool entry is indexed
 * failed with a critical alarm; an answered call without a recording raises recording_missing after
 * the grace period (also for a call that ended while the watch was stopped), and a recording that
 * arrives late clears it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAlarms } from '../../../control/src/alarms/service.ts';
import { NgClient } from '../../../control/src/engine/rtpengine/ng-client.ts';
import { EVENT_STREAM } from '../../../control/src/events/bus.ts';
import { startRecordingPipeline, type RecordingPipeline } from '../../../control/src/recordings/pipeline.ts';
import { startRecordingWatch, WATCH_DUE_KEY } from '../../../control/src/recordings/watch.ts';
import { RtpEndpoint } from '../../contract/recordings/support/rtp-sender.ts';
import { bearer, ensureSeat, insertAnsweredCall, personWith, startReadSide, type CallFacts, type ReadSide } from '../events/support/read-side.ts';

let h: ReadSide;
let ng: NgClient;
let pipeline: RecordingPipeline;
const seats: [string, string] = [`r1-${process.pid}`, `r2-${process.pid}`];

before(async () => {
  h = await startReadSide('rec-pipeline');
  for (const s of seats) await ensureSeat(h.deps.sql, s);
  const [host, port] = h.stack.info.rtpengine.ng.split(':');
  ng = new NgClient({ host, port: Number(port), timeoutMs: 1000, retries: 1 });
  pipeline = startRecordingPipeline(h.deps, { intervalMs: 200 });
});
after(async () => {
  await pipeline?.stop();
  ng?.close();
  await h?.close();
});

const sdp = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 0\r\n` +
  'a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n';
const mediaPort = (s: unknown) => Number(/m=audio (\d+)/.exec(String(s))?.[1]);

/** What Kamailio asks of rtpengine for an answered call: offer (recorded), answer, 2 s of tones both ways, delete. */
async function recordThroughRtpengine(sipCallId: string, seatTone: { durationMs: number; pauseMs?: [number, number] } = { durationMs: 2000 }, callerMs = 2000): Promise<void> {
  const caller = await RtpEndpoint.open();
  const seat = await RtpEndpoint.open();
  try {
    const offer = await ng.request('offer', { 'call-id': sipCallId, 'from-tag': 'caller-tag', sdp: sdp(caller.port), 'record-call': 'on' });
    const answer = await ng.request('answer', { 'call-id': sipCallId, 'from-tag': 'caller-tag', 'to-tag': 'seat-tag', sdp: sdp(seat.port) });
    await Promise.all([
      caller.sendTone(mediaPort(answer.sdp), { frequencyHz: 440, payloadType: 8, durationMs: callerMs }),
      seat.sendTone(mediaPort(offer.sdp), { frequencyHz: 1000, payloadType: 8, ...seatTone }),
    ]);
    await ng.request('delete', { 'call-id': sipCallId, 'from-tag': 'caller-tag' });
  } finally {
    await caller.close();
    await seat.close();
  }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function eventFor(type: string, key: string, value: string) {
  const rows = await h.deps.redis.xrange(EVENT_STREAM, '-', '+');
  return rows.map(([, f]) => JSON.parse(f[1]) as { type: string; data: Record<string, unknown> })
    .find((e) => e.type === type && e.data[key] === value);
}

async function recordingRow(sipCallId: string) {
  const [row] = await h.deps.sql<{ id: string; call_id: string | null; status: string; path: string | null; sm3: string | null;
    duration_ms: number | null; size_bytes: string | null; channels: { caller: { packets: number }; seat: { packets: number } } | null }[]>`
    SELECT id, call_id, status, path, sm3, duration_ms, size_bytes, channels FROM recordings WHERE sip_call_id = ${sipCallId}`;
  return row;
}

const ended = (call: CallFacts, answered: string | null, at = new Date()) => h.deps.bus.publish('call.ended.v1',
  { call_id: call.id, ended_by: 'caller', reason: 'bye', answered_seat_id: answered, talk_ms: answered ? 2000 : null }, at);

let recorded: CallFacts;

test('a call recorded by rtpengine is indexed against its call, announced, and plays back with the same digest', async () => {
  recorded = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  await recordThroughRtpengine(recorded.sip_call_id);
  const event = await until(() => eventFor('recording.ready.v1', 'sip_call_id', recorded.sip_call_id), 'recording.ready.v1');
  const row = await recordingRow(recorded.sip_call_id);
  assert.equal(row.status, 'ready');
  assert.equal(row.call_id, recorded.id);
  assert.equal(event.data.recording_id, row.id);
  assert.equal(event.data.call_id, recorded.id);
  assert.ok(Math.abs(row.duration_ms! - 2000) < 500, `duration ${row.duration_ms}`);
  assert.ok(row.channels!.caller.packets >= 95 && row.channels!.seat.packets >= 95, JSON.stringify(row.channels));
  const file = readFileSync(row.path!);
  assert.equal(row.sm3, createHash('sm3').update(file).digest('hex'));
  assert.equal(Number(row.size_bytes), file.length);
  assert.equal(event.data.sm3, row.sm3);

  const qa = await personWith(h.app, h.admin, ['qa']);
  const res = await h.app.inject({ url: `/v1/calls/${recorded.id}/recording`, headers: bearer(qa) });
  assert.equal(res.statusCode, 200);
  assert.ok(res.rawPayload.equals(file));
});

test('a spool entry that cannot be converted is indexed failed and raises recording_failed (critical)', async () => {
  const call = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  const spool = h.deps.config.spoolDir;
  const template = readdirSync(join(spool, 'done')).find((n) => n.endsWith('.txt'));
  assert.ok(template, 'the first test left a real metadata file in done/');
  const hash = 'abcdef0123456789';
  const escaped = encodeURIComponent(call.sip_call_id);
  const pcap = join(spool, 'pcaps', `${escaped}-${hash}.pcap`);
  mkdirSync(join(spool, 'pcaps'), { recursive: true });
  writeFileSync(pcap, Buffer.from('this is not a pcap file at all, just text'));
  const lines = readFileSync(join(spool, 'done', template), 'utf8').split('\n');
  lines[0] = pcap;
  writeFileSync(join(spool, 'metadata', `rtpengine-meta-${escaped}-${hash}.txt`), lines.join('\n'));

  const alarm = await until(async () => (await listAlarms(h.deps.sql, { open: true, type: 'recording_failed', subject: call.id }))[0], 'recording_failed');
  assert.equal(alarm.level, 'critical');
  assert.equal((alarm.details as { error: { code: string } }).error.code, 'CTI_RECORDING_MALFORMED');
  const row = await recordingRow(call.sip_call_id);
  assert.deepEqual([row.status, row.call_id], ['failed', call.id]);
  assert.ok(await eventFor('alarm.raised.v1', 'subject', call.id));
});

test('the watch: an answered call without a recording gets recording_missing after the grace; recorded or unanswered calls do not', async () => {
  const watch = await startRecordingWatch(h.deps, { graceMs: 1500, checkIntervalMs: 100 });
  try {
    const silent = await insertAnsweredCall(h.deps.sql, new Date(), seats);
    const unanswered = await insertAnsweredCall(h.deps.sql, new Date(), seats);
    await ended(silent, seats[1]);
    await ended(unanswered, null);
    await ended(recorded, seats[1]);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await listAlarms(h.deps.sql, { type: 'recording_missing', subject: silent.id })).length, 0, 'not before the grace');
    const alarm = await until(async () => (await listAlarms(h.deps.sql, { open: true, type: 'recording_missing', subject: silent.id }))[0], 'recording_missing');
    assert.equal(alarm.level, 'critical');
    const row = await recordingRow(silent.sip_call_id);
    assert.deepEqual([row.status, row.call_id, (alarm.details as { recording_id: string }).recording_id], ['missing', silent.id, row.id]);
    await until(async () => ((await h.deps.redis.zcard(WATCH_DUE_KEY)) === 0 ? true : undefined), 'the expectations to be settled');
    assert.equal((await listAlarms(h.deps.sql, { type: 'recording_missing', subject: unanswered.id })).length, 0);
    assert.equal((await listAlarms(h.deps.sql, { type: 'recording_missing', subject: recorded.id })).length, 0);
    assert.equal(await recordingRow(unanswered.sip_call_id), undefined);
    assert.equal((await recordingRow(recorded.sip_call_id)).status, 'ready');
  } finally {
    await watch.stop();
  }
});

test('a call that ends while the watch is stopped is still expected after its restart', async () => {
  const call = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  await ended(call, seats[0], new Date(Date.now() - 60_000)); // the watch is down: only the stream and its cursor hold it
  const watch = await startRecordingWatch(h.deps, { graceMs: 1500, checkIntervalMs: 100 });
  try {
    const alarm = await until(async () => (await listAlarms(h.deps.sql, { open: true, type: 'recording_missing', subject: call.id }))[0], 'recording_missing after restart');
    assert.equal(alarm.subject, call.id);
  } finally {
    await watch.stop();
  }
});

test('a recording that arrives after recording_missing turns the row ready and clears the alarm', async () => {
  const watch = await startRecordingWatch(h.deps, { graceMs: 1500, checkIntervalMs: 100 });
  try {
    const late = await insertAnsweredCall(h.deps.sql, new Date(), seats);
    await ended(late, seats[1], new Date(Date.now() - 10_000)); // already past its grace
    const alarm = await until(async () => (await listAlarms(h.deps.sql, { open: true, type: 'recording_missing', subject: late.id }))[0], 'recording_missing');
    await recordThroughRtpengine(late.sip_call_id);
    await until(async () => ((await recordingRow(late.sip_call_id)).status === 'ready' ? true : undefined), 'the late recording');
    const after = await until(async () => (await listAlarms(h.deps.sql, { type: 'recording_missing', subject: late.id })).find((a) => a.cleared_at !== null), 'the alarm cleared');
    assert.equal(after.id, alarm.id);
    assert.ok(await eventFor('alarm.cleared.v1', 'alarm_id', alarm.id));
  } finally {
    await watch.stop();
  }
});

test('a side that sends no audio for 4 s raises recording_gap (warning) naming the channel; a recording without gaps raises none', async () => {
  // the made-up call is answered 14 s after t0: put the answer just before the recording starts (only gaps after it count)
  const call = await insertAnsweredCall(h.deps.sql, new Date(Date.now() - 14_000), seats);
  await recordThroughRtpengine(call.sip_call_id, { durationMs: 6000, pauseMs: [1000, 5000] }, 6000);
  await until(() => eventFor('recording.ready.v1', 'sip_call_id', call.sip_call_id), 'recording.ready.v1 of the call with a gap');
  const alarm = await until(async () => (await listAlarms(h.deps.sql, { open: true, type: 'recording_gap', subject: call.id, limit: 5 }))[0], 'recording_gap');
  assert.equal(alarm.level, 'warning');
  const gaps = (alarm.details as { gaps: { channel: string; start_ms: number; end_ms: number }[] }).gaps;
  assert.equal(gaps.length, 1, JSON.stringify(gaps));
  assert.equal(gaps[0]!.channel, 'seat');
  assert.ok(gaps[0]!.end_ms - gaps[0]!.start_ms >= 3500 && gaps[0]!.end_ms - gaps[0]!.start_ms <= 4600, JSON.stringify(gaps));
  assert.equal((await listAlarms(h.deps.sql, { open: true, type: 'recording_gap', subject: recorded.id, limit: 5 })).length, 0);
});
