/**
 * Serving a recording's WAV: one byte range at most (RFC 9110 §14, recordings/src/range.ts), streamed
 * from disk, and an audit row for every request that hands out audio (MLPS: who listened to which call,
 * when, from where). No audit row, no audio.
 */
import type { Readable } from 'node:stream';
import type { Sql } from 'postgres';
import { contentRange, parseRange } from '../../../recordings/src/range.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import type { RecordingRow } from './store.ts';
import { openAudioSource, sm4KeyFromEnv, type AudioSource } from './storage/sm4-file.ts';

export interface Playback {
  status: 200 | 206;
  headers: Record<string, string>;
  body: Readable;
}

/** The playable audio of a recording row (plaintext, or decrypted when SM4 at rest is on), or a coded error. */
async function openWav(row: RecordingRow): Promise<AudioSource> {
  if (row.status !== 'ready' || row.path === null) {
    throw new CtiError('CTI_RECORDING_UNAVAILABLE', { recording_id: row.id, call_id: row.call_id, status: row.status });
  }
  try {
    return await openAudioSource(row.path, sm4KeyFromEnv());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CtiError('CTI_RECORDING_FILE_MISSING', { recording_id: row.id });
    throw e;
  }
}

/**
 * Opens the WAV for a GET (or HEAD) with an optional Range header, writing the audit row for a GET.
 * A 416 carries `details.contentRange` ("bytes * /size") for the Content-Range header.
 */
export async function openPlayback(sql: Sql, row: RecordingRow, rangeHeader: string | undefined, who: Change, method: string): Promise<Playback> {
  const audio = await openWav(row);
  const size = audio.size;
  const range = parseRange(rangeHeader, size);
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  if (method === 'GET') {
    await recordAudit(sql, {
      actor: who.actor, ip: who.ip, action: 'recording.played', target_type: 'recording', target_id: row.id,
      after: { call_id: row.call_id, sip_call_id: row.sip_call_id, range: rangeHeader ?? null, bytes: `${start}-${end}/${size}` },
    });
  }
  const headers: Record<string, string> = {
    'content-type': 'audio/wav',
    'accept-ranges': 'bytes',
    'content-length': String(size === 0 ? 0 : end - start + 1),
    'cache-control': 'private, no-store',
    'x-recording-sm3': row.sm3 ?? '',
  };
  if (range) headers['content-range'] = contentRange(range, size);
  const body = audio.stream(start, Math.max(end, start));
  return { status: range ? 206 : 200, headers, body };
}

