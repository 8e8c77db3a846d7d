/**
 * Verifies one indexed recording now: its file against its stored chain (locating any change), and its
 * chain head and SM3 against the latest signed manifest that lists it (signature checked).
 */
import type { Sql } from 'postgres';
import { CtiError } from '../../errors/catalogue.ts';
import { readChunks } from './chain.ts';
import { chainOf, type ChainRow } from './chain-store.ts';
import { ChainChecker, type ChainCheck } from './locate.ts';
import { checkManifest, type Manifest } from './manifest.ts';
import { chunkDecryptor, readHeader, SM4_HEADER_BYTES, type Sm4Key } from '../storage/sm4-file.ts';

export interface ManifestMatch {
  day: string;
  version: number;
  signature_ok: boolean;
  entry_matches: boolean;
}

export interface RecordingCheck extends ChainCheck {
  chain: ChainRow;
  manifest: ManifestMatch | null;
}

/** Checks a file (plaintext or SM4) against a chain. */
export async function checkFile(path: string, chain: ChainRow, key?: Sm4Key): Promise<ChainCheck> {
  const checker = new ChainChecker(chain);
  const header = await readHeader(path).catch(() => undefined);
  if (header && !key) throw new CtiError('CTI_ENCRYPTION_KEY_INVALID', { path, reason: 'the file is SM4-encrypted and no key was given' });
  const transform = header && key ? chunkDecryptor(key, header) : undefined;
  await readChunks(path, chain.chunkSize, (c) => checker.addChunk(c), transform, header ? SM4_HEADER_BYTES : 0);
  return checker.finish();
}

export async function manifestMatch(sql: Sql, chain: ChainRow, head: string, fileSm3: string): Promise<ManifestMatch | null> {
  const [m] = await sql<{ day: string; version: number; body: string; signature: Buffer; public_key: string }[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, version, body, signature, public_key FROM recording_manifests
     WHERE centre_id = ${chain.centreId} AND day = ${chain.day} AND position(${chain.recordingId} in body) > 0
     ORDER BY version DESC LIMIT 1`;
  if (!m) return null;
  const c = checkManifest(Buffer.from(m.body, 'utf8'), m.signature, m.public_key);
  const entry = (c.parsed as Manifest | undefined)?.entries.find((e) => e.recording_id === chain.recordingId);
  return { day: m.day, version: m.version, signature_ok: c.signature_ok, entry_matches: !!entry && entry.chain_head === head && entry.sm3 === fileSm3 };
}

export async function checkRecording(sql: Sql, recordingId: string, key?: Sm4Key): Promise<RecordingCheck> {
  const [row] = await sql<{ path: string | null; status: string }[]>`SELECT path, status FROM recordings WHERE id = ${recordingId}`;
  if (!row) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: recordingId });
  if (row.status !== 'ready' || !row.path) throw new CtiError('CTI_RECORDING_UNAVAILABLE', { recording_id: recordingId, status: row.status });
  const chain = await chainOf(sql, recordingId);
  if (!chain) throw new CtiError('CTI_RECORDING_NOT_CHAINED', { recording_id: recordingId });
  let check: ChainCheck;
  try {
    check = await checkFile(row.path, chain, key);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CtiError('CTI_RECORDING_FILE_MISSING', { recording_id: recordingId });
    throw e;
  }
  const manifest = await manifestMatch(sql, chain, check.head, check.fileSm3);
  const ok = check.ok && (manifest === null || (manifest.signature_ok && manifest.entry_matches));
  return { ...check, ok, chain, manifest };
}
