/**
 * RIFF/WAVE writer for 16-bit linear PCM (Microsoft/IBM "Multimedia Programming Interface and Data
 * Specifications 1.0", 1991: RIFF chunk, "fmt " chunk with WAVE_FORMAT_PCM = 1, "data" chunk;
 * samples little-endian, channels interleaved, left first).
 *
 * The writer needs the frame count up front, so the header is final before any sample is written
 * and a digest of the file can be computed while it is streamed out.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';

export const WAV_HEADER_LENGTH = 44;
const WAVE_FORMAT_PCM = 1;

export interface WavFormat {
  readonly channels: number;
  readonly sampleRate: number;
  /** Only 16 is supported. */
  readonly bitsPerSample?: 16;
}

export function wavHeader(format: WavFormat, frames: number): Buffer {
  const blockAlign = format.channels * 2;
  const dataBytes = frames * blockAlign;
  if (WAV_HEADER_LENGTH - 8 + dataBytes > 0xffffffff) throw new RangeError('WAV data exceeds the 4 GiB RIFF limit');
  const h = Buffer.alloc(WAV_HEADER_LENGTH);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(WAV_HEADER_LENGTH - 8 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Interleaved 16-bit samples -> little-endian octets. */
export function pcm16le(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 2 * i);
  return out;
}

/** A whole WAV file in memory (for tests and short clips). */
export function encodeWav(format: WavFormat, interleaved: Int16Array): Buffer {
  return Buffer.concat([wavHeader(format, interleaved.length / format.channels), pcm16le(interleaved)]);
}

/**
 * Streams a WAV file to `<path>.part`, hashing it as it goes; close() checks the frame count,
 * fsyncs and renames it to `path`, so a reader never sees a half-written recording.
 */
export class WavWriter {
  private written = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly format: WavFormat,
    private readonly frames: number,
    private readonly hash: Hash | undefined,
  ) {}

  static async create(path: string, format: WavFormat, frames: number, digest?: string): Promise<WavWriter> {
    const header = wavHeader(format, frames);
    const fh = await open(`${path}.part`, 'w');
    const w = new WavWriter(fh, path, format, frames, digest ? createHash(digest) : undefined);
    await w.writeBytes(header);
    return w;
  }

  private async writeBytes(buf: Buffer): Promise<void> {
    this.hash?.update(buf);
    await this.fh.write(buf);
  }

  /** Appends interleaved frames. */
  async write(interleaved: Int16Array): Promise<void> {
    const frames = interleaved.length / this.format.channels;
    if (this.written + frames > this.frames) throw new RangeError('more frames than announced in the WAV header');
    this.written += frames;
    await this.writeBytes(pcm16le(interleaved));
  }

  /** Finishes the file; returns its size and the hex digest (if one was asked for). */
  async close(): Promise<{ sizeBytes: number; digest?: string }> {
    try {
      if (this.written !== this.frames) throw new RangeError(`WAV has ${this.written} of ${this.frames} frames`);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
    await rename(`${this.path}.part`, this.path);
    return { sizeBytes: WAV_HEADER_LENGTH + this.frames * this.format.channels * 2, digest: this.hash?.digest('hex') };
  }

  /** Gives up: closes and removes the partial file. */
  async abort(): Promise<void> {
    await this.fh.close();
    await rm(`${this.path}.part`, { force: true });
  }
}
