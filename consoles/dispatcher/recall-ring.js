/**
 * A ring buffer of the last N seconds of mono audio samples (the caller's voice for instant recall,
 * recall.js). Pure: no Web Audio here, so it is unit-tested in Node (test/unit/consoles/recall-ring.test.ts).
 */
export class RecallRing {
  /** @param {number} sampleRate @param {number} seconds */
  constructor(sampleRate, seconds) {
    this.sampleRate = sampleRate;
    this.data = new Float32Array(Math.round(sampleRate * seconds));
    this.pos = 0; // next write index
    this.filled = 0;
  }

  /** @param {Float32Array} chunk */
  write(chunk) {
    const cap = this.data.length;
    let src = chunk.length > cap ? chunk.subarray(chunk.length - cap) : chunk;
    while (src.length > 0) {
      const n = Math.min(src.length, cap - this.pos);
      this.data.set(src.subarray(0, n), this.pos);
      this.pos = (this.pos + n) % cap;
      src = src.subarray(n);
      this.filled = Math.min(cap, this.filled + n);
    }
  }

  /** Seconds of audio held. */
  get seconds() { return this.filled / this.sampleRate; }

  /** The held samples, oldest first. */
  snapshot() {
    const cap = this.data.length;
    const out = new Float32Array(this.filled);
    const start = (this.pos - this.filled + cap) % cap;
    const first = Math.min(this.filled, cap - start);
    out.set(this.data.subarray(start, start + first), 0);
    out.set(this.data.subarray(0, this.filled - first), first);
    return out;
  }

  clear() {
    this.pos = 0;
    this.filled = 0;
  }
}
