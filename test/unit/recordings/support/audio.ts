/** Audio checks for the recordings tests: WAV reading and Goertzel tone detection. */
import { readFile } from 'node:fs/promises';

export interface StereoPcm {
  sampleRate: number;
  left: Int16Array;
  right: Int16Array;
}

/** Reads the 44-octet-header stereo 16-bit WAV that recordings/src/wav.ts writes. */
export async function readStereoWav(path: string): Promise<StereoPcm> {
  const b = await readFile(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.readUInt16LE(22) !== 2) throw new Error('not a stereo WAV');
  const frames = b.readUInt32LE(40) / 4;
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = b.readInt16LE(44 + 4 * i);
    right[i] = b.readInt16LE(46 + 4 * i);
  }
  return { sampleRate: b.readUInt32LE(24), left, right };
}

/** Goertzel algorithm: power of one frequency, normalised by the block length. */
export function goertzel(x: ArrayLike<number>, freq: number, rate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (x.length * x.length);
}

/** The candidate frequency with the most power, and its share of the candidates' total power. */
export function dominantTone(x: ArrayLike<number>, rate: number, candidates = [300, 440, 600, 800, 1000, 1400, 2000]): { freq: number; share: number } {
  const powers = candidates.map((f) => goertzel(x, f, rate));
  const total = powers.reduce((a, b) => a + b, 0);
  const i = powers.indexOf(Math.max(...powers));
  return { freq: candidates[i], share: total === 0 ? 0 : powers[i] / total };
}

/** Zero crossings per second: about twice the frequency of a pure tone. */
export function zeroCrossingRate(x: ArrayLike<number>, rate: number): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if ((x[i - 1] < 0) !== (x[i] < 0)) n++;
  return (n * rate) / x.length;
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}
