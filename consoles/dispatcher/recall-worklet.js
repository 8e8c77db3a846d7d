/**
 * AudioWorklet processor for instant recall (recall.js): copies its mono input (the caller's audio) to the
 * page in 100 ms blocks (at 48 kHz: 4,800 samples). It outputs silence.
 */
const BLOCK = 4800;

class RecallTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(BLOCK);
    this.n = 0;
  }

  process(inputs) {
    const ch = inputs[0]?.[0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      this.block[this.n++] = ch[i];
      if (this.n === BLOCK) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(BLOCK);
        this.n = 0;
      }
    }
    return true;
  }
}

registerProcessor('recall-tap', RecallTap);
