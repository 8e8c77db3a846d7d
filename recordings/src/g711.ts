/**
 * ITU-T G.711 (11/88) pulse code modulation: A-law (Table 1a/1b) and mu-law (Table 2a/2b).
 *
 * Decoding is table based: each of the 256 code words maps to the decision value of its
 * quantisation interval, expressed on a 16-bit linear scale (A-law's 13-bit scale x 8, mu-law's
 * 14-bit scale x 4), the same values as the ITU-T G.191 reference (alaw_expand / ulaw_expand).
 * A-law code words are transmitted with the even bits inverted (G.711 §A.2, XOR 0x55); mu-law code
 * words are transmitted with all bits inverted (G.711 §B.2).
 *
 * The encoders are the inverse (compression per the same tables) and serve tests and tone generation.
 */

function alawDecodeOne(code: number): number {
  const a = code ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let magnitude = (a & 0x0f) << 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function ulawDecodeOne(code: number): number {
  const u = ~code & 0xff;
  const segment = (u & 0x70) >> 4;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << segment) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** A-law code word -> 16-bit linear sample. */
export const ALAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, c) => alawDecodeOne(c));
/** mu-law code word -> 16-bit linear sample. */
export const ULAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, c) => ulawDecodeOne(c));

export function decodeAlaw(payload: Uint8Array, out: Int16Array = new Int16Array(payload.length)): Int16Array {
  for (let i = 0; i < payload.length; i++) out[i] = ALAW_TO_LINEAR[payload[i]];
  return out;
}

export function decodeUlaw(payload: Uint8Array, out: Int16Array = new Int16Array(payload.length)): Int16Array {
  for (let i = 0; i < payload.length; i++) out[i] = ULAW_TO_LINEAR[payload[i]];
  return out;
}

const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_SEGMENT_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 8159;

function segmentOf(value: number, ends: readonly number[]): number {
  for (let s = 0; s < ends.length; s++) if (value <= ends[s]) return s;
  return ends.length;
}

/** 16-bit linear sample -> A-law code word (G.711 Table 1a, 13-bit magnitude). */
export function linearToAlaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  const segment = segmentOf(v, ALAW_SEGMENT_END);
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (v >> 1) & 0x0f : (v >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

/** 16-bit linear sample -> mu-law code word (G.711 Table 2a, 14-bit magnitude with bias 33). */
export function linearToUlaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 2;
  let mask: number;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  } else mask = 0xff;
  v = Math.min(v, ULAW_CLIP) + (ULAW_BIAS >> 2);
  const segment = segmentOf(v, ULAW_SEGMENT_END);
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((v >> (segment + 1)) & 0x0f)) ^ mask;
}

export function encodeAlaw(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToAlaw(samples[i]);
  return out;
}

export function encodeUlaw(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToUlaw(samples[i]);
  return out;
}
