/**
 * The SM3 hash chain of a recording (GB/T 32905 SM3), over the plaintext WAV in fixed chunks:
 *
 *   seed    = SM3("cti120-recording-chain/v1:" || recording id || ":" || chunk size)
 *   h_i     = SM3(h_{i-1} || chunk_i || uint64be(i)),   h_{-1} = seed,  i = 0 .. n-1
 *   leaf_i  = SM3(chunk_i)
 *
 * The head h_{n-1} (the seed for an empty file) goes into the day's signed manifest. The chain hashes
 * make every chunk depend on all before it and on its position; the leaves let a verifier find where a
 * chunk went when chunks were dropped or reordered (verify.ts).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const CHAIN_ALGORITHM = 'sm3-chain-v1';
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const HASH_BYTES = 32;

export interface Chain {
  algorithm: typeof CHAIN_ALGORITHM;
  recordingId: string;
  chunkSize: number;
  chunkCount: number;
  sizeBytes: number;
  /** SM3 of the whole file, hex (the same digest the recordings index keeps). */
  fileSm3: string;
  /** h_{n-1}, hex. */
  head: string;
  /** h_0 .. h_{n-1}, 32 octets each. */
  chain: Buffer;
  /** SM3(chunk_0) .. SM3(chunk_{n-1}), 32 octets each. */
  leaves: Buffer;
}

export function sm3(...parts: Buffer[]): Buffer {
  const h = createHash('sm3');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function chainSeed(recordingId: string, chunkSize: number): Buffer {
  return sm3(Buffer.from(`cti120-recording-chain/v1:${recordingId}:${chunkSize}`, 'utf8'));
}

export function indexOctets(i: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(i));
  return b;
}

/** h_i from h_{i-1}, the chunk and its index. */
export function link(prev: Buffer, chunk: Buffer, i: number): Buffer {
  return sm3(prev, chunk, indexOctets(i));
}

/** The i-th 32-octet hash of a packed list. */
export function hashAt(packed: Buffer, i: number): Buffer {
  return packed.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
}

/** Builds a chain incrementally from chunks of exactly chunkSize octets (the last may be shorter). */
export class ChainBuilder {
  private prev: Buffer;
  private readonly links: Buffer[] = [];
  private readonly leafList: Buffer[] = [];
  private readonly whole = createHash('sm3');
  private size = 0;

  constructor(readonly recordingId: string, readonly chunkSize = DEFAULT_CHUNK_SIZE) {
    this.prev = chainSeed(recordingId, chunkSize);
  }

  addChunk(chunk: Buffer): void {
    const i = this.links.length;
    this.prev = link(this.prev, chunk, i);
    this.links.push(this.prev);
    this.leafList.push(sm3(chunk));
    this.whole.update(chunk);
    this.size += chunk.length;
  }

  finish(): Chain {
    return {
      algorithm: CHAIN_ALGORITHM, recordingId: this.recordingId, chunkSize: this.chunkSize,
      chunkCount: this.links.length, sizeBytes: this.size, fileSm3: this.whole.digest('hex'),
      head: this.prev.toString('hex'), chain: Buffer.concat(this.links), leaves: Buffer.concat(this.leafList),
    };
  }
}

/** Splits a buffer into chunks of chunkSize (the last may be shorter; none for an empty buffer). */
export function chunksOf(data: Buffer, chunkSize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += chunkSize) out.push(data.subarray(off, Math.min(off + chunkSize, data.length)));
  return out;
}

export function chainOfBuffer(recordingId: string, data: Buffer, chunkSize = DEFAULT_CHUNK_SIZE): Chain {
  const b = new ChainBuilder(recordingId, chunkSize);
  for (const c of chunksOf(data, chunkSize)) b.addChunk(c);
  return b.finish();
}

/** Reads `path` chunk by chunk; `transform` (e.g. SM4 decryption) sees each chunk at its file offset. */
export async function readChunks(path: string, chunkSize: number, onChunk: (chunk: Buffer, i: number) => void,
  transform?: (chunk: Buffer, offset: number) => Buffer, skip = 0): Promise<number> {
  const fh = await open(path, 'r');
  try {
    let i = 0;
    let pos = skip;
    for (;;) {
      const buf = Buffer.alloc(chunkSize);
      let got = 0;
      while (got < chunkSize) {
        const { bytesRead } = await fh.read(buf, got, chunkSize - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got === 0) break;
      const raw = buf.subarray(0, got);
      onChunk(transform ? transform(raw, pos - skip) : raw, i++);
      pos += got;
      if (got < chunkSize) break;
    }
    return i;
  } finally {
    await fh.close();
  }
}

/** The chain of a file on disk (plaintext, or ciphertext with a decrypting transform and header skip). */
export async function chainOfFile(recordingId: string, path: string, chunkSize = DEFAULT_CHUNK_SIZE,
  transform?: (chunk: Buffer, offset: number) => Buffer, skip = 0): Promise<Chain> {
  const b = new ChainBuilder(recordingId, chunkSize);
  await readChunks(path, chunkSize, (c) => b.addChunk(c), transform, skip);
  return b.finish();
}
