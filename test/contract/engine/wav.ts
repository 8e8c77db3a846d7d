/** Writes a 16-bit PCM mono WAV sine tone (RIFF/WAVE, the canonical 44-byte header). */
import { writeFile } from 'node:fs/promises';

export async function writeToneWav(file: string, opts: { seconds: number; hz: number; rate?: number }): Promise<void> {
  const rate = opts.rate ?? 8000;
  const samples = Math.round(opts.seconds * rate);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * opts.hz * i) / rate)), 44 + i * 2);
  await writeFile(file, buf);
}
