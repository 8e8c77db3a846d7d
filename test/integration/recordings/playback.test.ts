/**
 * Playing recordings back through the API (real PostgreSQL, files on disk): the whole WAV, byte
 * ranges (first bytes, open-ended, suffix, unsatisfiable: 416), ?token= for <audio src>, an audit row
 * per GET of audio, metadata, the coded errors for a missing row, a missing recording, a lost file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../../recordings/src/wav.ts';
import { bearer, ensureSeat, insertAnsweredCall, personWith, startReadSide, type ReadSide, type Session } from '../events/support/read-side.ts';

let h: ReadSide;
let qa: Session;
const seats: [string, string] = [`p1-${process.pid}`, `p2-${process.pid}`];

before(async () => {
  h = await startReadSide('playback');
  for (const s of seats) await ensureSeat(h.deps.sql, s);
  qa = await personWith(h.app, h.admin, ['qa']);
});
after(async () => h?.close());

/** A 2 s stereo WAV on the recordings disk, indexed as the pipeline indexes it, for a new answered call. */
async function recordedCall() {
  const call = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  const frames = 16000;
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    pcm[2 * i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    pcm[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  }
  const bytes = encodeWav({ channels: 2, sampleRate: 8000 }, pcm);
  const dir = join(h.deps.config.recordingsDir, 'test');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.wav`);
  writeFileSync(path, bytes);
  const sm3 = createHash('sm3').update(bytes).digest('hex');
  const [rec] = await h.deps.sql<{ id: string }[]>`
    INSERT INTO recordings (call_id, sip_call_id, centre_id, status, path, started_at, duration_ms, size_bytes, sm3, channels)
    VALUES (${call.id}, ${call.sip_call_id}, 'city', 'ready', ${path}, now(), 2000, ${bytes.length}, ${sm3},
            ${h.deps.sql.json({ caller: { packets: 100 }, seat: { packets: 100 } })})
    RETURNING id`;
  return { call, recordingId: rec.id, bytes, path, sm3 };
}

async function playedRows(recordingId: string) {
  return h.deps.sql<{ actor_name: string; after: { range: string | null; bytes: string; call_id: string } }[]>`
    SELECT actor_name, after FROM audit_log WHERE action = 'recording.played' AND target_id = ${recordingId} ORDER BY id`;
}

test('the whole WAV, streamed with Accept-Ranges and the SM3 header; the call record points at it', async () => {
  const r = await recordedCall();
  const res = await h.app.inject({ url: `/v1/calls/${r.call.id}/recording`, headers: bearer(qa) });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'audio/wav');
  assert.equal(res.headers['accept-ranges'], 'bytes');
  assert.equal(res.headers['content-length'], String(r.bytes.length));
  assert.equal(res.headers['x-recording-sm3'], r.sm3);
  assert.ok(res.rawPayload.equals(r.bytes));
  const byId = await h.app.inject({ url: `/v1/recordings/${r.recordingId}/audio`, headers: bearer(qa) });
  assert.ok(byId.rawPayload.equals(r.bytes));
  const call = await h.app.inject({ url: `/v1/calls/${r.call.id}`, headers: bearer(qa) });
  assert.deepEqual([call.json().call.recording_id, call.json().call.recording_status], [r.recordingId, 'ready']);
});

test('Range: first bytes, open-ended, suffix (206 with Content-Range); past the end: 416 with bytes */size', async () => {
  const r = await recordedCall();
  const size = r.bytes.length;
  const get = (range: string) => h.app.inject({ url: `/v1/recordings/${r.recordingId}/audio`, headers: { ...bearer(qa), range } });
  const head = await get('bytes=0-43');
  assert.equal(head.statusCode, 206);
  assert.equal(head.headers['content-range'], `bytes 0-43/${size}`);
  assert.equal(head.headers['content-length'], '44');
  assert.ok(head.rawPayload.equals(r.bytes.subarray(0, 44)));
  assert.equal(head.rawPayload.subarray(0, 4).toString(), 'RIFF');

  const open = await get('bytes=60000-');
  assert.equal(open.statusCode, 206);
  assert.equal(open.headers['content-range'], `bytes 60000-${size - 1}/${size}`);
  assert.ok(open.rawPayload.equals(r.bytes.subarray(60000)));

  const suffix = await get('bytes=-100');
  assert.equal(suffix.statusCode, 206);
  assert.equal(suffix.headers['content-range'], `bytes ${size - 100}-${size - 1}/${size}`);
  assert.ok(suffix.rawPayload.equals(r.bytes.subarray(size - 100)));

  const beyond = await get(`bytes=${size}-`);
  assert.equal(beyond.statusCode, 416);
  assert.equal(beyond.headers['content-range'], `bytes */${size}`);
  assert.equal(beyond.json().code, 'CTI_RANGE_NOT_SATISFIABLE');

  const ignored = await get('bytes=0-1,5-9');
  assert.equal(ignored.statusCode, 200, 'several ranges: the whole file (RFC 9110 §14.2 lets a server ignore Range)');
});

test('every GET of audio writes recording.played with the person and the bytes; HEAD and metadata do not', async () => {
  const r = await recordedCall();
  await h.app.inject({ url: `/v1/calls/${r.call.id}/recording`, headers: bearer(qa) });
  await h.app.inject({ url: `/v1/recordings/${r.recordingId}/audio`, headers: { ...bearer(qa), range: 'bytes=100-199' } });
  const headRes = await h.app.inject({ method: 'HEAD', url: `/v1/recordings/${r.recordingId}/audio`, headers: bearer(qa) });
  assert.equal(headRes.statusCode, 200);
  await h.app.inject({ url: `/v1/recordings/${r.recordingId}`, headers: bearer(qa) });
  const rows = await playedRows(r.recordingId);
  assert.deepEqual(rows.map((x) => [x.actor_name, x.after.range, x.after.bytes, x.after.call_id]), [
    [qa.user.username, null, `0-${r.bytes.length - 1}/${r.bytes.length}`, r.call.id],
    [qa.user.username, 'bytes=100-199', `100-199/${r.bytes.length}`, r.call.id],
  ]);
});

test('over a real socket, an <audio>-style request with ?token= and a Range gets 206', async () => {
  const r = await recordedCall();
  const sup = await personWith(h.app, h.admin, ['supervisor']);
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/v1/calls/${r.call.id}/recording?token=${sup.token}`, { headers: { range: 'bytes=44-1043' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers.get('content-range'), `bytes 44-1043/${r.bytes.length}`);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(r.bytes.subarray(44, 1044)));
  const rows = await playedRows(r.recordingId);
  assert.equal(rows.at(-1)?.actor_name, sup.user.username);
});

test('metadata: status, duration, SM3, channels, the audio URL; never the server path', async () => {
  const r = await recordedCall();
  for (const url of [`/v1/recordings/${r.recordingId}`, `/v1/calls/${r.call.id}/recording/meta`]) {
    const res = await h.app.inject({ url, headers: bearer(qa) });
    assert.equal(res.statusCode, 200, res.body);
    const m = res.json();
    assert.deepEqual([m.id, m.call_id, m.status, m.duration_ms, m.size_bytes, m.sm3], [r.recordingId, r.call.id, 'ready', 2000, r.bytes.length, r.sm3]);
    assert.deepEqual(m.channels, { caller: { packets: 100 }, seat: { packets: 100 } });
    assert.equal(m.audio_url, `/v1/recordings/${r.recordingId}/audio`);
    assert.equal(m.path, undefined);
  }
});

test('coded errors: no recording yet, a recording marked missing, a file gone from disk; dispatchers may not listen', async () => {
  const plain = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  const none = await h.app.inject({ url: `/v1/calls/${plain.id}/recording`, headers: bearer(qa) });
  assert.deepEqual([none.statusCode, none.json().code], [404, 'CTI_RECORDING_NOT_FOUND']);
  const unknown = await h.app.inject({ url: `/v1/recordings/${randomUUID()}`, headers: bearer(qa) });
  assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'CTI_RECORDING_NOT_FOUND']);

  await h.deps.sql`INSERT INTO recordings (call_id, sip_call_id, centre_id, status) VALUES (${plain.id}, ${plain.sip_call_id}, 'city', 'missing')`;
  const missing = await h.app.inject({ url: `/v1/calls/${plain.id}/recording`, headers: bearer(qa) });
  assert.deepEqual([missing.statusCode, missing.json().code, missing.json().details.status], [404, 'CTI_RECORDING_UNAVAILABLE', 'missing']);
  const meta = await h.app.inject({ url: `/v1/calls/${plain.id}/recording/meta`, headers: bearer(qa) });
  assert.deepEqual([meta.statusCode, meta.json().status, meta.json().audio_url], [200, 'missing', null]);

  const r = await recordedCall();
  rmSync(r.path);
  const gone = await h.app.inject({ url: `/v1/recordings/${r.recordingId}/audio`, headers: bearer(qa) });
  assert.deepEqual([gone.statusCode, gone.json().code], [500, 'CTI_RECORDING_FILE_MISSING']);
  assert.equal((await playedRows(r.recordingId)).length, 0, 'no audio, no audit row');

  const d = await personWith(h.app, h.admin, ['dispatcher']);
  const denied = await h.app.inject({ url: `/v1/recordings/${r.recordingId}/audio`, headers: bearer(d) });
  assert.equal(denied.statusCode, 403);
});
