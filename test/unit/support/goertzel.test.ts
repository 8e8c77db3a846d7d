import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goertzelPower, toneContinuity, toneLevelDb, toneLevels } from '../../support/goertzel.ts';
import { tone } from '../../support/audio.ts';

function mix(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts[0]!.length);
  for (let i = 0; i < out.length; i++) out[i] = parts.reduce((s, p) => s + p[i]!, 0);
  return out;
}

test('a full-scale sine has power 1 at its own frequency (0 dB)', () => {
  const pcm = tone(1000, 1, 32767 / 32767);
  assert.ok(Math.abs(goertzelPower(pcm, 1000) - 1) < 0.01, String(goertzelPower(pcm, 1000)));
});

test('a -6 dBFS tone reads about -6 dB at its frequency and far below at another', () => {
  const pcm = tone(440, 1, 0.5);
  assert.ok(Math.abs(toneLevelDb(pcm, 440) - -6.02) < 0.2, String(toneLevelDb(pcm, 440)));
  assert.ok(toneLevelDb(pcm, 1000) < -60, String(toneLevelDb(pcm, 1000)));
});

test('in a mix of two tones each is found and the absent third is not (the mix-minus check)', () => {
  const pcm = mix(tone(440, 1, 0.25), tone(1000, 1, 0.25));
  const lv = toneLevels(pcm, [440, 1000, 1800]);
  assert.ok(lv[440]! > -15 && lv[1000]! > -15, JSON.stringify(lv));
  assert.ok(lv[1800]! < lv[440]! - 40, JSON.stringify(lv));
});

test('silence and empty input have no tone', () => {
  assert.equal(goertzelPower(new Int16Array(0), 440), 0);
  assert.equal(toneLevelDb(new Int16Array(800), 440), -Infinity);
});

test('toneContinuity: an unbroken tone has no gaps or jumps; a dropped and a silent 20 ms frame are counted', () => {
  const whole = tone(440, 1, 0.5);
  assert.deepEqual(toneContinuity(whole, 440), { frames: 50, gaps: 0, jumps: 0 });
  const frames = Array.from({ length: 50 }, (_, i) => whole.subarray(i * 160, (i + 1) * 160));
  const broken = new Int16Array(49 * 160);
  // frame 10 dropped (the rest 20 ms early), frame 30 replaced by silence (the rest in place)
  frames.filter((_, i) => i !== 10).forEach((f, i) => broken.set(i === 29 ? new Int16Array(160) : f, i * 160));
  assert.deepEqual(toneContinuity(broken, 440), { frames: 49, gaps: 1, jumps: 1 });
  // a silent frame inserted (the rest 20 ms late): a gap and a jump
  const late = new Int16Array(51 * 160);
  late.set(whole.subarray(0, 1600)); late.set(whole.subarray(1600), 1760);
  assert.deepEqual(toneContinuity(late, 440), { frames: 51, gaps: 1, jumps: 1 });
  // a tone with 20 whole cycles in a frame does not show a dropped frame: why the check uses 440 Hz
  const k = tone(1000, 1, 0.5);
  const kDropped = new Int16Array(49 * 160);
  kDropped.set(k.subarray(0, 1600)); kDropped.set(k.subarray(1760), 1600);
  assert.equal(toneContinuity(kDropped, 1000).jumps, 0);
});
