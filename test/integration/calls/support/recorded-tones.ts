/** The tones of the tone endpoints (tone-endpoints.ts) as a call's recording holds them, per channel and time span. */
import { readStereoWav, type StereoPcm } from '../../../unit/recordings/support/audio.ts';
import { toneLevels } from '../../../support/goertzel.ts';
import { FREQS } from './tone-endpoints.ts';

export { readStereoWav };

/** Each tone's level (dB, as `measure` gives them) on both channels over [fromMs, toMs] of the recording's axis, 200 ms in from each end. */
export function recordedLevels(wav: StereoPcm, [fromMs, toMs]: [number, number]) {
  const cut = (x: Int16Array) => x.subarray(Math.round((fromMs + 200) * 8), Math.round((toMs - 200) * 8));
  return { left: toneLevels(cut(wav.left), FREQS), right: toneLevels(cut(wav.right), FREQS) };
}
