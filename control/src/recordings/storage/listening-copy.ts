/**
 * The compressed listening copy beside the WAV master: Opus in Ogg (RFC 7845) made with Debian's ffmpeg
 * (libopus, VoIP mode, 24 kbit/s stereo keeps the caller/seat channels), about 1/5 of the WAV's size.
 * The master stays the evidence; the copy is for listening over slow links and is never hashed into the chain.
 */
import { execFile } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CtiError } from '../../errors/catalogue.ts';

const run = promisify(execFile);

export type ListeningFormat = 'opus' | 'mp3';

export function listeningPath(wavPath: string, format: ListeningFormat): string {
  return `${wavPath.replace(/\.sm4$/, '').replace(/\.wav$/i, '')}.${format === 'opus' ? 'opus' : 'mp3'}`;
}

const CODEC: Record<ListeningFormat, string[]> = {
  opus: ['-c:a', 'libopus', '-application', 'voip', '-b:a', '24k', '-f', 'ogg'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3'],
};

/** Encodes `wavPath` to its listening copy; returns the path and size. */
export async function makeListeningCopy(wavPath: string, format: ListeningFormat = 'opus', ffmpeg = 'ffmpeg'): Promise<{ path: string; bytes: number }> {
  const out = listeningPath(wavPath, format);
  const part = `${out}.part`;
  try {
    await run(ffmpeg, ['-nostdin', '-v', 'error', '-y', '-i', wavPath, ...CODEC[format], part], { timeout: 120_000 });
    await rename(part, out);
  } catch (e) {
    await rm(part, { force: true });
    const err = e as Error & { stderr?: string };
    throw new CtiError('CTI_LISTENING_COPY_FAILED', { path: wavPath, reason: (err.stderr || err.message).slice(0, 500) });
  }
  return { path: out, bytes: (await stat(out)).size };
}
