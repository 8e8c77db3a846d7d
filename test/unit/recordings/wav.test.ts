import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, WavWriter, wavHeader } from '../../../recordings/src/wav.ts';

test('header of a stereo 8 kHz 16-bit PCM file', () => {
  const h = wavHeader({ channels: 2, sampleRate: 8000 }, 8000);
  assert.equal(h.toString('ascii', 0, 4), 'RIFF');
  assert.equal(h.readUInt32LE(4), 36 + 32000);
  assert.equal(h.toString('ascii', 8, 16), 'WAVEfmt ');
  assert.equal(h.readUInt32LE(16), 16);
  assert.equal(h.readUInt16LE(20), 1); // WAVE_FORMAT_PCM
  assert.equal(h.readUInt16LE(22), 2);
  assert.equal(h.readUInt32LE(24), 8000);
  assert.equal(h.readUInt32LE(28), 32000); // byte rate
  assert.equal(h.readUInt16LE(32), 4); // block align
  assert.equal(h.readUInt16LE(34), 16);
  assert.equal(h.toString('ascii', 36, 40), 'data');
  assert.equal(h.readUInt32LE(40), 32000);
});

test('samples are little-endian and interleaved left first', () => {
  const wav = encodeWav({ channels: 2, sampleRate: 8000 }, Int16Array.from([1, -2, 0x1234, -32768]));
  assert.equal(wav.length, 44 + 8);
  assert.deepEqual([...wav.subarray(44)], [0x01, 0x00, 0xfe, 0xff, 0x34, 0x12, 0x00, 0x80]);
});

test('WavWriter streams, hashes, and renames into place', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wav-test-'));
  try {
    const path = join(dir, 'a.wav');
    const w = await WavWriter.create(path, { channels: 2, sampleRate: 8000 }, 3, 'sm3');
    await w.write(Int16Array.from([1, 2, 3, 4]));
    await assert.rejects(access(path)); // not visible until closed
    await w.write(Int16Array.from([5, 6]));
    const { sizeBytes, digest } = await w.close();
    const bytes = await readFile(path);
    assert.equal(sizeBytes, bytes.length);
    assert.deepEqual(bytes, encodeWav({ channels: 2, sampleRate: 8000 }, Int16Array.from([1, 2, 3, 4, 5, 6])));
    assert.equal(digest, createHash('sm3').update(bytes).digest('hex'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('WavWriter refuses a frame count other than announced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wav-test-'));
  try {
    const w = await WavWriter.create(join(dir, 'b.wav'), { channels: 2, sampleRate: 8000 }, 2);
    await w.write(Int16Array.from([1, 2]));
    await assert.rejects(w.close(), RangeError);
    const w2 = await WavWriter.create(join(dir, 'c.wav'), { channels: 2, sampleRate: 8000 }, 1);
    await assert.rejects(w2.write(Int16Array.from([1, 2, 3, 4])), RangeError);
    await w2.abort();
    await assert.rejects(access(join(dir, 'c.wav.part')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
