/** Types of recall-ring.js for the TypeScript unit tests. */
export declare class RecallRing {
  constructor(sampleRate: number, seconds: number);
  readonly sampleRate: number;
  readonly data: Float32Array;
  pos: number;
  filled: number;
  write(chunk: Float32Array): void;
  readonly seconds: number;
  snapshot(): Float32Array;
  clear(): void;
}
