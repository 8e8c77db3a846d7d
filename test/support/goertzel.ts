/**
 * Tone detection for audio-path tests (who hears whom in a conference): the Goertzel algorithm (G. Goertzel,
 * "An algorithm for the evaluation of finite trigonometric series", 1958), one DFT bin per frequency, over
 * 8 kHz linear PCM. `toneLevels` gives each frequency's level in dB relative to a full-scale sine, so that
 * "hears A" is level(A) well above the noise floor and "does not hear itself" is level(own) far below the others.
 */
export const PCM_RATE = 8000;

/** Power of `freqHz` in `pcm` (16-bit linear), normalised so that a full-scale sine of that frequency gives 1. */
export function goertzelPower(pcm: Int16Array, freqHz: number, rate = PCM_RATE): number {
  const n = pcm.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * freqHz) / rate;
  const k = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = pcm[i]! / 32768 + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  // |X(f)|^2 = s1^2 + s2^2 - k s1 s2; a full-scale sine gives (n/2)^2
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / ((n / 2) * (n / 2));
}

/** Level of `freqHz` in dB relative to a full-scale sine (-Infinity for none). */
export function toneLevelDb(pcm: Int16Array, freqHz: number, rate = PCM_RATE): number {
  return 10 * Math.log10(goertzelPower(pcm, freqHz, rate));
}

/** Level of each frequency, in dB re full scale. */
export function toneLevels(pcm: Int16Array, freqsHz: readonly number[], rate = PCM_RATE): Record<number, number> {
  return Object.fromEntries(freqsHz.map((f) => [f, toneLevelDb(pcm, f, rate)]));
}
