/**
 * Chains in PostgreSQL (table recording_chains) and beside the WAV as `<wav>.chain.json`, so a file and
 * its chain can be verified away from the database (an export, a court). The day is the recording's
 * start date in Asia/Shanghai: the manifest it goes into.
 */
import { writeFile, rename } from 'node:fs/promises';
import type { Sql } from 'postgres';
import type { Queryable } from '../../audit/record.ts';
import { CHAIN_ALGORITHM, HASH_BYTES, type Chain } from './chain.ts';
import type { StoredChain } from './locate.ts';

export const MANIFEST_TIME_ZONE = 'Asia/Shanghai';

export interface ChainRow extends StoredChain {
  centreId: string;
  day: string;
  algorithm: string;
}

/** The portable form of a chain (sidecar file, export bundle). */
export interface ChainJson {
  format: 'cti120-recording-chain/v1';
  algorithm: string;
  recording_id: string;
  centre_id: string;
  day: string;
  chunk_size: number;
  chunk_count: number;
  size_bytes: number;
  file_sm3: string;
  head: string;
  chain: string[];
  leaves: string[];
}

function split(packed: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < packed.length; i += HASH_BYTES) out.push(packed.subarray(i, i + HASH_BYTES).toString('hex'));
  return out;
}

export function chainToJson(c: ChainRow): ChainJson {
  return {
    format: 'cti120-recording-chain/v1', algorithm: c.algorithm, recording_id: c.recordingId, centre_id: c.centreId, day: c.day,
    chunk_size: c.chunkSize, chunk_count: c.chunkCount, size_bytes: c.sizeBytes, file_sm3: c.fileSm3, head: c.head,
    chain: split(c.chain), leaves: split(c.leaves),
  };
}

export function chainFromJson(j: ChainJson): ChainRow {
  return {
    recordingId: j.recording_id, centreId: j.centre_id, day: j.day, algorithm: j.algorithm, chunkSize: j.chunk_size,
    chunkCount: j.chunk_count, sizeBytes: j.size_bytes, fileSm3: j.file_sm3, head: j.head,
    chain: Buffer.from(j.chain.join(''), 'hex'), leaves: Buffer.from(j.leaves.join(''), 'hex'),
  };
}

export function sidecarPath(wavPath: string): string {
  return `${wavPath.replace(/\.sm4$/, '')}.chain.json`;
}

export async function writeSidecar(wavPath: string, row: ChainRow): Promise<string> {
  const path = sidecarPath(wavPath);
  await writeFile(`${path}.part`, JSON.stringify(chainToJson(row)));
  await rename(`${path}.part`, path);
  return path;
}

interface DbChain {
  recording_id: string; centre_id: string; day: string; algorithm: string; chunk_size: number; chunk_count: number;
  size_bytes: number; file_sm3: string; head: string; chain: Buffer; leaves: Buffer;
}

const COLUMNS = `recording_id, centre_id, to_char(day, 'YYYY-MM-DD') AS day, algorithm, chunk_size, chunk_count,
  size_bytes::float8 AS size_bytes, file_sm3, head, chain, leaves`;

function fromDb(r: DbChain): ChainRow {
  return {
    recordingId: r.recording_id, centreId: r.centre_id, day: r.day, algorithm: r.algorithm, chunkSize: r.chunk_size,
    chunkCount: r.chunk_count, sizeBytes: r.size_bytes, fileSm3: r.file_sm3, head: r.head, chain: r.chain, leaves: r.leaves,
  };
}

/** Stores a chain; the day is computed from the recording row. Idempotent: an existing chain is kept and returned. */
export async function saveChain(sql: Queryable, chain: Chain): Promise<ChainRow> {
  await sql`
    INSERT INTO recording_chains (recording_id, centre_id, day, algorithm, chunk_size, chunk_count, size_bytes, file_sm3, head, chain, leaves)
    SELECT r.id, r.centre_id, (coalesce(r.started_at, r.created_at) AT TIME ZONE ${MANIFEST_TIME_ZONE})::date, ${CHAIN_ALGORITHM},
           ${chain.chunkSize}, ${chain.chunkCount}, ${chain.sizeBytes}, ${chain.fileSm3}, ${chain.head}, ${chain.chain}, ${chain.leaves}
      FROM recordings r WHERE r.id = ${chain.recordingId}
    ON CONFLICT (recording_id) DO NOTHING`;
  const row = await chainOf(sql, chain.recordingId);
  if (!row) throw new Error(`recording ${chain.recordingId} vanished while its chain was stored`);
  return row;
}

export async function chainOf(sql: Queryable, recordingId: string): Promise<ChainRow | undefined> {
  const [r] = await (sql as Sql)<DbChain[]>`SELECT ${(sql as Sql).unsafe(COLUMNS)} FROM recording_chains WHERE recording_id = ${recordingId}`;
  return r ? fromDb(r) : undefined;
}
