import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goertzelPower, toneLevelDb, toneLevels } from '../../support/goertzel.ts';
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
