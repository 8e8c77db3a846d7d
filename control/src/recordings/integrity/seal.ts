/**
 * Sealing a newly indexed recording: its SM3 chain (over the plaintext WAV) into recording_chains and
 * beside the file. The chain's whole-file SM3 must equal the digest the pipeline indexed; if it does not,
 * the file changed between conversion and sealing and nothing is sealed (the caller raises an alarm).
 */
import type { Sql } from 'postgres';
import { chainOfFile, DEFAULT_CHUNK_SIZE } from './chain.ts';
import { chainOf, saveChain, writeSidecar, type ChainRow } from './chain-store.ts';
import { chunkDecryptor, readHeader, SM4_HEADER_BYTES, type Sm4Key } from '../storage/sm4-file.ts';

export interface SealTarget {
  id: string;
  path: string;
  sm3: string | null;
}

export type SealOutcome =
  | { kind: 'sealed'; chain: ChainRow }
  | { kind: 'already'; chain: ChainRow }
  | { kind: 'digest_mismatch'; indexed: string | null; computed: string };

/** The chain of a recording file as it is on disk (decrypting an SM4 file with `key`). */
export async function chainOfRecordingFile(recordingId: string, path: string, key: Sm4Key | undefined, chunkSize = DEFAULT_CHUNK_SIZE) {
  const header = await readHeader(path).catch(() => undefined);
  if (header && key) return chainOfFile(recordingId, path, chunkSize, chunkDecryptor(key, header), SM4_HEADER_BYTES);
  return chainOfFile(recordingId, path, chunkSize);
}

export async function sealRecording(sql: Sql, r: SealTarget, key?: Sm4Key, chunkSize = DEFAULT_CHUNK_SIZE): Promise<SealOutcome> {
  const existing = await chainOf(sql, r.id);
  if (existing) return { kind: 'already', chain: existing };
  const chain = await chainOfRecordingFile(r.id, r.path, key, chunkSize);
  if (r.sm3 !== null && r.sm3 !== chain.fileSm3) return { kind: 'digest_mismatch', indexed: r.sm3, computed: chain.fileSm3 };
  const row = await saveChain(sql, chain);
  await writeSidecar(r.path, row);
  return { kind: 'sealed', chain: row };
}
