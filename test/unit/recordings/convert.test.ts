import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCall } from '../../../recordings/src/convert.ts';
import { decodeAlaw, encodeAlaw } from '../../../recordings/src/g711.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { dominantTone, readStereoWav } from './support/audio.ts';
import { T0, writeSyntheticCall, type StreamSpec } from './support/synthetic-call.ts';

async function convert(streams: StreamSpec[], opts: { metadata?: boolean; ngMetadata?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'convert-test-'));
  try {
    const { metadataPath } = await writeSyntheticCall(dir, 'call-1@10.0.0.1', '0123456789abcdef', streams, opts);
    if (opts.ngMetadata) await appendFile(metadataPath, `\n\n${opts.ngMetadata}\n`);
    const outPath = join(dir, 'out.wav');
    const result = await convertCall(metadataPath, { outPath });
    return { result, wav: await readStereoWav(outPath), bytes: await readFile(outPath) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const caller = (o: Partial<StreamSpec> = {}): StreamSpec => ({ side: 'caller', ssrc: 0x1111, payloadType: 8, toneHz: 440, startMs: 0, packets: 100, ...o });
const seat = (o: Partial<StreamSpec> = {}): StreamSpec => ({ side: 'seat', ssrc: 0x2222, payloadType: 0, toneHz: 1000, startMs: 500, packets: 100, ...o });

test('caller left, seat right, on one time axis from the first packet', async () => {
  const { result, wav, bytes } = await convert([caller(), seat()]);
  assert.equal(result.callId, 'call-1@10.0.0.1');
  assert.equal(result.recordingHash, '0123456789abcdef');
  assert.equal(result.startedAt.getTime(), T0);
  assert.equal(result.durationMs, 2500);
  assert.equal(result.sampleRate, 8000);
  assert.equal(wav.left.length, 20000);
  assert.deepEqual(dominantTone(wav.left.subarray(0, 16000), 8000).freq, 440);
  assert.deepEqual(dominantTone(wav.right.subarray(4000), 8000).freq, 1000);
  assert.ok(wav.right.subarray(0, 4000).every((v) => v === 0), 'seat silent before it joined');
  assert.ok(wav.left.subarray(16000).every((v) => v === 0), 'caller silent after it stopped');
  const [c, s] = result.channels;
  assert.deepEqual([c.packets, c.lost, c.payloadTypes, s.packets, s.payloadTypes], [100, 0, { 8: 100 }, 100, { 0: 100 }]);
  assert.ok(c.rmsDbfs > -12 && c.rmsDbfs < -8, String(c.rmsDbfs)); // 12000-peak sine: -11.7 dBFS
  assert.equal(result.sm3, createHash('sm3').update(bytes).digest('hex'));
  assert.equal(result.sizeBytes, bytes.length);
});

test('jitter and reordering do not move samples: RTP timestamps order the stream', async () => {
  const { wav } = await convert([caller({ delayMs: { 10: 55, 11: 30, 40: 7 } })]);
  const tone = Array.from({ length: 16000 }, (_, i) => 12000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  assert.deepEqual([...wav.left], [...decodeAlaw(encodeAlaw(tone))]);
});

test('lost packets leave silence and are counted; duplicates are dropped', async () => {
  const { result, wav } = await convert([caller({ drop: [20, 21], duplicate: [30] })]);
  assert.equal(result.channels[0].lost, 2);
  assert.equal(result.channels[0].duplicates, 1);
  assert.ok(wav.left.subarray(20 * 160, 22 * 160).every((v) => v === 0));
  assert.ok(wav.left.subarray(22 * 160, 23 * 160).some((v) => v !== 0));
});

test('comfort noise and telephone-event are counted, not decoded', async () => {
  const { result } = await convert([caller(), seat({ ssrc: 0x3333, payloadType: 13, packets: 5 }), seat({ ssrc: 0x4444, payloadType: 101, packets: 7, startMs: 600 })]);
  const s = result.channels[1];
  assert.deepEqual(s.payloadTypes, { 13: 5, 101: 7 });
  assert.equal(s.ignoredPackets, 12);
  assert.equal(s.rmsDbfs, -120);
});

test('several SSRCs on one side (an announcement, then the seat) share that channel', async () => {
  const { result, wav } = await convert([caller({ packets: 150 }), seat({ ssrc: 0xaaaa, toneHz: 600, startMs: 0, packets: 50 }), seat({ startMs: 1200, packets: 50 })]);
  assert.equal(result.channels[1].ssrcs, 2);
  assert.equal(dominantTone(wav.right.subarray(0, 8000), 8000).freq, 600);
  assert.equal(dominantTone(wav.right.subarray(9600, 17600), 8000).freq, 1000);
  assert.equal(dominantTone(wav.left, 8000).freq, 440);
});

test('a pause over 2 s is a silent gap; leading and trailing gaps are reported too', async () => {
  const drop = Array.from({ length: 150 }, (_, i) => 50 + i); // 1000..4000 ms
  const { result } = await convert([caller({ packets: 300, drop }), seat({ startMs: 2600, packets: 50 })]);
  assert.deepEqual(result.channels[0].silentGapsMs, [[980, 4000]]);
  assert.deepEqual(result.channels[1].silentGapsMs, [[0, 2600], [3580, 6000]]);
  assert.equal(result.durationMs, 6000);
});

test('without SDP in the metadata, the first port heard is the caller', async () => {
  const { result, wav } = await convert([caller(), seat()], { metadata: false });
  assert.equal(dominantTone(wav.left.subarray(0, 8000), 8000).freq, 440);
  assert.equal(result.channels[1].packets, 100);
});

test('a recording with no G.711 audio is CTI_RECORDING_NO_MEDIA', async () => {
  await assert.rejects(convert([caller({ payloadType: 13, packets: 3 })]), (e) => isCtiError(e, 'CTI_RECORDING_NO_MEDIA'));
});

// a call in conversation taken over by the other node of a pair: its recording there has no SDP, and the seat's
// packet may reach the new node first (recordings/src/caller-media.ts); the synthetic caller sends from port 40000
test('without SDP, the ports receiving from the caller\'s media address (NG metadata) are the caller\'s, even if the seat is heard first', async () => {
  const { wav } = await convert([caller({ startMs: 500 }), seat({ startMs: 0 })], { metadata: false, ngMetadata: 'cti-caller-media:127.0.0.1:40000' });
  assert.equal(dominantTone(wav.left.subarray(8000, 16000), 8000).freq, 440, 'the caller on the left');
  assert.equal(dominantTone(wav.right.subarray(0, 16000), 8000).freq, 1000, 'the seat on the right');
  const guessed = await convert([caller({ startMs: 500 }), seat({ startMs: 0 })], { metadata: false });
  assert.equal(dominantTone(guessed.wav.left.subarray(0, 16000), 8000).freq, 1000, 'without it the first port heard is taken for the caller');
});

test('with SDP: a caller media address that sent nothing leaves the SDP rule, one that did gives the same sides', async () => {
  const sdp = await convert([caller(), seat()], { ngMetadata: 'cti-caller-media:192.0.2.7:4000' });
  assert.equal(dominantTone(sdp.wav.left.subarray(0, 16000), 8000).freq, 440);
  const both = await convert([caller(), seat()], { ngMetadata: 'cti-direction:inbound|cti-caller-media:127.0.0.1:40000' });
  assert.equal(dominantTone(both.wav.left.subarray(0, 16000), 8000).freq, 440);
  assert.equal(dominantTone(both.wav.right.subarray(4000), 8000).freq, 1000);
});
