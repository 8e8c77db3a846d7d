/**
 * Contract: a real rtpengine 10.5 (userspace, pcap recording) records two G.711 streams of known
 * tones, and the recording pipeline turns its spool entry into a stereo WAV with the caller on the
 * left and the seat on the right.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingSpool, type RecordingReady } from '../../../recordings/src/spool.ts';
import type { CtiError } from '../../../control/src/errors/catalogue.ts';
import { encodeWav } from '../../../recordings/src/wav.ts';
import { dominantTone, readStereoWav, zeroCrossingRate } from '../../unit/recordings/support/audio.ts';
import { startRtpengine, type RtpengineInstance } from './support/rtpengine.ts';
import { RtpEndpoint, type ToneSpec } from './support/rtp-sender.ts';

let re: RtpengineInstance;

before(async () => {
  re = await startRtpengine({ deleteDelay: 1 });
});

after(async () => {
  await re?.stop();
  if (re) await rm(re.dir, { recursive: true, force: true });
});

const sdp = (port: number, formats: string) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${formats} 101\r\n` +
  'a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';
const mediaPort = (s: unknown) => Number(/m=audio (\d+)/.exec(String(s))?.[1]);

/** One call through rtpengine: caller offers PCMA first, the seat answers PCMU first; both send tones at once. */
async function recordCall(callId: string, callerTone: ToneSpec, seatTone: ToneSpec): Promise<{ caller: RtpEndpoint; seat: RtpEndpoint }> {
  const caller = await RtpEndpoint.open();
  const seat = await RtpEndpoint.open();
  try {
    const offer = await re.ng.request('offer', {
      'call-id': callId, 'from-tag': 'caller-tag', sdp: sdp(caller.port, '8 0'), 'record-call': 'on', metadata: 'centre=city',
    });
    const answer = await re.ng.request('answer', { 'call-id': callId, 'from-tag': 'caller-tag', 'to-tag': 'seat-tag', sdp: sdp(seat.port, '0 8') });
    await Promise.all([caller.sendTone(mediaPort(answer.sdp), callerTone), seat.sendTone(mediaPort(offer.sdp), seatTone)]);
    await new Promise((r) => setTimeout(r, 100));
    await re.ng.request('delete', { 'call-id': callId, 'from-tag': 'caller-tag' });
    return { caller, seat };
  } finally {
    await caller.close();
    await seat.close();
  }
}

/** Polls the spool until the call's recording (or failure) arrives; rtpengine writes it after delete-delay. */
async function collect(callId: string, recordingsDir: string): Promise<RecordingReady> {
  const ready: RecordingReady[] = [];
  const failures: CtiError[] = [];
  const spool = new RecordingSpool({
    spoolDir: re.spool, recordingsDir, timeZone: 'Asia/Shanghai',
    onRecording: (r) => void ready.push(r),
    onFailure: (_id, e) => void failures.push(e),
  });
  for (let i = 0; i < 50 && !ready.some((r) => r.sipCallId === callId) && failures.length === 0; i++) {
    await spool.poll();
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(failures, []);
  const r = ready.find((x) => x.sipCallId === callId);
  assert.ok(r, `no recording for ${callId} within 10 s; rtpengine log:\n${re.log().slice(-2000)}`);
  return r;
}

test('caller tone on the left, seat tone on the right, 5 s, digest of the file', async (t) => {
  const callId = `tones-${Date.now()}@127.0.0.1`;
  const { caller, seat } = await recordCall(
    callId,
    { frequencyHz: 440, payloadType: 8, durationMs: 5000 },
    { frequencyHz: 1000, payloadType: 0, durationMs: 5000 },
  );
  assert.equal(caller.received, 250, 'the seat heard the caller');
  assert.equal(seat.received, 250, 'the caller heard the seat');

  const r = await collect(callId, join(re.dir, 'recordings'));
  assert.ok(Math.abs(r.durationMs - 5000) < 1000, `duration ${r.durationMs} ms`);
  assert.equal(r.customMetadata, 'centre=city');
  assert.equal(r.unassignedPackets, 0);
  const [c, s] = r.channels;
  assert.deepEqual([c.packets, c.lost, c.payloadTypes, c.silentGapsMs], [250, 0, { 8: 250 }, []]);
  assert.deepEqual([s.packets, s.lost, s.payloadTypes, s.silentGapsMs], [250, 0, { 0: 250 }, []]);
  assert.ok(c.rmsDbfs > -20 && s.rmsDbfs > -20, `levels ${c.rmsDbfs} / ${s.rmsDbfs} dBFS`);
  assert.ok(Math.abs(r.startedAt.getTime() - Date.now()) < 60_000);

  const wav = await readStereoWav(r.outPath);
  const left = dominantTone(wav.left, 8000);
  const right = dominantTone(wav.right, 8000);
  assert.equal(left.freq, 440);
  assert.equal(right.freq, 1000);
  const zcr = [zeroCrossingRate(wav.left.subarray(800, 32000), 8000), zeroCrossingRate(wav.right.subarray(800, 32000), 8000)];
  t.diagnostic(JSON.stringify({ durationMs: r.durationMs, rmsDbfs: [c.rmsDbfs, s.rmsDbfs], share: [left.share, right.share], zcr, sm3: r.sm3 }));
  assert.ok(left.share > 0.95 && right.share > 0.95, `tone purity ${left.share} / ${right.share}`);
  // A pure tone crosses zero twice per period.
  assert.ok(Math.abs(zcr[0] - 880) < 20);
  assert.ok(Math.abs(zcr[1] - 2000) < 40);

  const bytes = await readFile(r.outPath);
  assert.equal(r.sm3, createHash('sm3').update(bytes).digest('hex'));
  assert.equal(r.sizeBytes, bytes.length);
  assert.match(r.outPath, /recordings\/\d{4}\/\d{2}\/\d{2}\/tones-\d+_127\.0\.0\.1\.wav$/);
  const done = await readdir(join(re.spool, 'done'));
  assert.ok(done.some((f) => f.endsWith('.pcap')) && done.some((f) => f.endsWith('.txt')));
});

test('a seat that stops sending for 4 s shows as a silent gap', async (t) => {
  const callId = `gap-${Date.now()}@127.0.0.1`;
  await recordCall(
    callId,
    { frequencyHz: 440, payloadType: 8, durationMs: 7000 },
    { frequencyHz: 1000, payloadType: 0, durationMs: 7000, pauseMs: [1000, 5000] },
  );
  const r = await collect(callId, join(re.dir, 'recordings'));
  const [c, s] = r.channels;
  assert.deepEqual(c.silentGapsMs, []);
  assert.equal(s.silentGapsMs.length, 1, JSON.stringify(s.silentGapsMs));
  const [start, end] = s.silentGapsMs[0];
  t.diagnostic(JSON.stringify({ durationMs: r.durationMs, gap: s.silentGapsMs, packets: [c.packets, s.packets] }));
  assert.ok(Math.abs(start - 980) < 150 && Math.abs(end - 5000) < 150, `gap ${start}..${end}`);
  assert.equal(s.packets, 150);
  // As with silence suppression: sequence numbers run on, the RTP timestamp jumps; not a loss.
  assert.equal(s.lost, 0);

  const wav = await readStereoWav(r.outPath);
  const inGap = wav.right.subarray(Math.round(start * 8) + 400, Math.round(end * 8) - 400);
  assert.ok(inGap.every((v) => v === 0), 'silence where the seat sent nothing');
  assert.equal(dominantTone(wav.right.subarray(Math.round(end * 8) + 400), 8000).freq, 1000, 'the seat resumes on the right');
});

test('early media: the caller moves to the seat answer\'s port on the same channel; rtpengine\'s own announcement is not in the pcap', async (t) => {
  const callId = `early-${Date.now()}@127.0.0.1`;
  const caller = await RtpEndpoint.open();
  const seat = await RtpEndpoint.open();
  try {
    const announcement = join(re.dir, 'announcement.wav');
    const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 600 * i) / 8000)));
    await writeFile(announcement, encodeWav({ channels: 1, sampleRate: 8000 }, tone));
    const offer = await re.ng.request('offer', { 'call-id': callId, 'from-tag': 'caller-tag', sdp: sdp(caller.port, '8 0'), 'record-call': 'on' });
    // The queue's placeholder answer gives the SDP for the 183 (engine notes: to-tag q-<from-tag>).
    const early = await re.ng.request('answer', { 'call-id': callId, 'from-tag': 'caller-tag', 'to-tag': 'q-caller-tag', sdp: sdp(9, '8') });
    const sending = caller.sendTone(mediaPort(early.sdp), { frequencyHz: 440, payloadType: 8, durationMs: 1500 });
    await re.ng.request('play media', { 'call-id': callId, 'from-tag': 'caller-tag', file: announcement });
    await sending;
    const answer = await re.ng.request('answer', { 'call-id': callId, 'from-tag': 'caller-tag', 'to-tag': 'seat-tag', sdp: sdp(seat.port, '0 8') });
    assert.notEqual(mediaPort(answer.sdp), mediaPort(early.sdp));
    await Promise.all([
      caller.sendTone(mediaPort(answer.sdp), { frequencyHz: 440, payloadType: 8, durationMs: 1500 }),
      seat.sendTone(mediaPort(offer.sdp), { frequencyHz: 1000, payloadType: 0, durationMs: 1500 }),
    ]);
    await re.ng.request('delete', { 'call-id': callId, 'from-tag': 'caller-tag' });
  } finally {
    await caller.close();
    await seat.close();
  }
  assert.ok(caller.received >= 100, `the caller heard the announcement and the seat (${caller.received} packets)`);
  const r = await collect(callId, join(re.dir, 'recordings'));
  const [c, s] = r.channels;
  t.diagnostic(JSON.stringify({ durationMs: r.durationMs, caller: [c.packets, c.ssrcs], seat: [s.packets, s.ssrcs], seatGaps: s.silentGapsMs, callerHeard: caller.received }));
  assert.deepEqual([c.packets, c.ssrcs, s.packets, r.unassignedPackets], [150, 2, 75, 0]);
  const wav = await readStereoWav(r.outPath);
  assert.equal(dominantTone(wav.left, 8000).freq, 440);
  assert.equal(dominantTone(wav.right, 8000).freq, 1000);
  assert.ok(wav.right.subarray(0, 8 * 1400).every((v) => v === 0), 'no 600 Hz announcement on the seat channel: rtpengine records only what it receives');
});
