/**
 * What happens to a recording after the pipeline indexed it, once: seal (SM3 chain), listening copy,
 * then, if CTI_RECORDING_SM4_KEY is set, SM4 encryption of the master and the copy (`<file>.sm4`; the
 * index row's path follows). A row in recording_storage marks a recording as processed; its `error` says
 * what failed. A WAV whose SM3 no longer matches the index is not sealed: alarm `recording_integrity`.
 */
import { rm } from 'node:fs/promises';
import type { AppDeps } from '../../app/deps.ts';
import { raiseAlarm } from '../../alarms/service.ts';
import { isCtiError } from '../../errors/catalogue.ts';
import { sealRecording } from '../integrity/seal.ts';
import { makeListeningCopy, type ListeningFormat } from './listening-copy.ts';
import { encryptFile, readHeader, type Sm4Key } from './sm4-file.ts';

export const INTEGRITY_ALARM = 'recording_integrity';

export interface ProcessOptions {
  sm4?: Sm4Key;
  listeningFormat?: ListeningFormat | 'none';
  chunkSize?: number;
}

export interface ProcessRow {
  id: string;
  path: string;
  sm3: string | null;
  call_id: string | null;
}

type Deps = Pick<AppDeps, 'sql' | 'bus' | 'log'>;

async function storageRow(deps: Deps, id: string, v: { listening_path?: string | null; listening_format?: string | null; listening_bytes?: number | null; encryption?: string | null; key_id?: string | null; error?: string | null }) {
  const row = { listening_path: null, listening_format: null, listening_bytes: null, encryption: null, key_id: null, error: null, ...v };
  await deps.sql`
    INSERT INTO recording_storage ${deps.sql({ recording_id: id, ...row })}
    ON CONFLICT (recording_id) DO UPDATE SET listening_path = excluded.listening_path, listening_format = excluded.listening_format,
      listening_bytes = excluded.listening_bytes, encryption = excluded.encryption, key_id = excluded.key_id, error = excluded.error, updated_at = now()`;
}

async function encryptInPlace(k: Sm4Key, path: string): Promise<string> {
  if (await readHeader(path).catch(() => undefined)) return path;
  const out = `${path}.sm4`;
  await encryptFile(k, path, out);
  await rm(path, { force: true });
  return out;
}

/** Processes one indexed recording; returns false if it stopped on an error (recorded in recording_storage). */
export async function processRecording(deps: Deps, r: ProcessRow, opts: ProcessOptions = {}): Promise<boolean> {
  const sealed = await sealRecording(deps.sql, r, opts.sm4, opts.chunkSize);
  if (sealed.kind === 'digest_mismatch') {
    await raiseAlarm(deps, {
      type: INTEGRITY_ALARM, level: 'critical', subject: r.id,
      details: { recording_id: r.id, call_id: r.call_id, path: r.path, indexed_sm3: sealed.indexed, file_sm3: sealed.computed },
    });
    await storageRow(deps, r.id, { error: 'the WAV\'s SM3 differs from the indexed SM3; not sealed' });
    return false;
  }
  let listening: { path: string; bytes: number } | undefined;
  let error: string | null = null;
  const format = opts.listeningFormat ?? 'opus';
  const encrypted = (await readHeader(r.path).catch(() => undefined)) !== undefined;
  if (format !== 'none' && !encrypted) {
    try {
      listening = await makeListeningCopy(r.path, format);
    } catch (e) {
      if (!isCtiError(e)) throw e;
      error = `listening copy: ${JSON.stringify(e.details)}`.slice(0, 1000);
      deps.log.error({ recording_id: r.id, details: e.details }, 'listening copy failed; the WAV master is kept');
    }
  }
  let path = r.path;
  if (opts.sm4) {
    path = await encryptInPlace(opts.sm4, r.path);
    if (path !== r.path) await deps.sql`UPDATE recordings SET path = ${path} WHERE id = ${r.id}`;
    if (listening) listening = { ...listening, path: await encryptInPlace(opts.sm4, listening.path) };
  }
  await storageRow(deps, r.id, {
    listening_path: listening?.path ?? null, listening_format: listening ? format : null, listening_bytes: listening?.bytes ?? null,
    encryption: opts.sm4 ? 'sm4-ctr' : null, key_id: opts.sm4?.id ?? null, error,
  });
  return error === null;
}

/** Recordings indexed ready that have not been processed yet, oldest first. */
export async function unprocessed(deps: Deps, limit = 20): Promise<ProcessRow[]> {
  return deps.sql<ProcessRow[]>`
    SELECT r.id, r.path, r.sm3, r.call_id FROM recordings r
     WHERE r.status = 'ready' AND r.path IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM recording_storage s WHERE s.recording_id = r.id)
     ORDER BY r.created_at LIMIT ${limit}`;
}
