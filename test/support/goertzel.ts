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

export interface Continuity {
  /** 20 ms frames analysed. */
  frames: number;
  /** Frames where the tone is missing (below half its median amplitude): a frame the mixer had nothing for. */
  gaps: number;
  /**
   * Places where the tone's phase jumps (more than 20 degrees off its steady advance since the last frame that had
   * it): the rest of the tone shifted in time, a frame dropped, or a gap that delayed what followed.
   */
  jumps: number;
}

/**
 * Whether a tone runs on unbroken through `pcm`, frame by frame (160 samples = 20 ms at 8 kHz): its phase at each
 * frame's start (one DFT bin over the frame) must advance by 2 pi f 20 ms, and its amplitude stay. A mixer that drops
 * or inserts a 20 ms frame shifts the rest of the tone in time: invisible for a tone with a whole number of cycles in
 * 20 ms (1000 Hz), but a phase jump for one without (440 Hz: 8.8 cycles), which is what spreads its Goertzel power
 * over a long window. Counting them tells a weak level apart from a broken stream.
 */
export function toneContinuity(pcm: Int16Array, freqHz: number, frame = 160, rate = PCM_RATE): Continuity {
  const w = (2 * Math.PI * freqHz) / rate;
  const per: { amp: number; phase: number }[] = [];
  for (let start = 0; start + frame <= pcm.length; start += frame) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < frame; n++) {
      const x = pcm[start + n]! / 32768;
      re += x * Math.cos(w * n);
      im -= x * Math.sin(w * n);
    }
    per.push({ amp: Math.hypot(re, im), phase: Math.atan2(im, re) });
  }
  const sorted = per.map((p) => p.amp).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const present = (i: number) => per[i]!.amp >= median / 2;
  const step = w * frame;
  let gaps = 0;
  let jumps = 0;
  let last = -1; // the last frame that had the tone: across a gap, the phase must have advanced by every frame since
  for (let i = 0; i < per.length; i++) {
    if (!present(i)) { gaps++; continue; }
    if (last >= 0) {
      let d = per[i]!.phase - per[last]!.phase - step * (i - last);
      d = Math.atan2(Math.sin(d), Math.cos(d));
      if (Math.abs(d) > Math.PI / 9) jumps++;
    }
    last = i;
  }
  return { frames: per.length, gaps, jumps };
}
