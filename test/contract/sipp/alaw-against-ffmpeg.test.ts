/**
 * Our G.711 A-law codec against a real peer, ffmpeg's pcm_alaw. Decoding must agree exactly. Encoding agrees
 * except next to segment edges: ffmpeg picks the nearest reconstruction level, G.711 (and the G.191 reference
 * code our encoder follows) the interval between decision levels; there the two differ by one level.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { alawToLinear, linearToAlaw } from '../../support/audio.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

function ffmpeg(args: string[], input: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { input, maxBuffer: 1 << 22 });
  assert.equal(r.status, 0, r.stderr?.toString());
  return r.stdout;
}

test('encoding all 65,536 linear samples agrees with ffmpeg up to one level at segment edges', { skip: !hasFfmpeg && 'ffmpeg not installed' }, () => {
  const pcm = Buffer.alloc(65536 * 2);
  for (let i = 0; i < 65536; i++) pcm.writeInt16LE(i - 32768, i * 2);
  const theirs = ffmpeg(['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 'alaw', 'pipe:1'], pcm);
  assert.equal(theirs.length, 65536);
  let mismatches = 0;
  for (let i = 0; i < 65536; i++) {
    const x = i - 32768;
    const ours = linearToAlaw(x);
    if (ours === theirs[i]) continue;
    mismatches++;
    const a = alawToLinear(ours);
    const b = alawToLinear(theirs[i]);
    assert.ok(Math.sign(a) === Math.sign(b) && Math.abs(a - b) <= 1024, `x=${x}: ours ${a}, ffmpeg ${b}`);
    const between = [-32768, ...Array.from({ length: 256 }, (_, c) => alawToLinear(c))].filter((v) => (v - a) * (v - b) < 0);
    assert.equal(between.length, 0, `x=${x}: ${a} and ${b} are not neighbouring levels`);
  }
  assert.ok(mismatches < 65536 * 0.02, `${mismatches} differences`);
});

test('decoding all 256 codes matches ffmpeg', { skip: !hasFfmpeg && 'ffmpeg not installed' }, () => {
  const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const theirs = ffmpeg(['-f', 'alaw', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], codes);
  for (let c = 0; c < 256; c++) assert.equal(alawToLinear(c), theirs.readInt16LE(c * 2), `code ${c}`);
});
