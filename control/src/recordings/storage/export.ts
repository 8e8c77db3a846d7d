/**
 * The evidence bundle of one recording (for a complaint or a court), a tar file:
 *   <id>/README.txt                  what each file is and how to check it with openssl alone
 *   <id>/recording.wav               the master, decrypted if it is stored SM4-encrypted
 *   <id>/recording.wav.chain.json    its SM3 hash chain (per-chunk hashes)
 *   <id>/manifest-<day>.v<n>.json    the centre's signed manifest listing it, and .sig (SM2, DER)
 *   <id>/recording-sm2.pub.pem       the public key that signed the manifest
 *   <id>/metadata.json               the recording's index row and the call record with its timings
 * If the recording's day has no signed manifest that lists it yet (a recording of today), one is signed now.
 */
import type { Readable } from 'node:stream';
import type { Sql } from 'postgres';
import { CtiError } from '../../errors/catalogue.ts';
import { chainOf, chainToJson } from '../integrity/chain-store.ts';
import { manifestFileName, signManifest, type SignedManifest } from '../integrity/manifest.ts';
import { PUBLIC_KEY_FILE, type SigningKey } from '../integrity/signing-key.ts';
import { recordingById } from '../store.ts';
import { openAudioSource, type Sm4Key } from './sm4-file.ts';
import { tarStream, type TarEntry } from './tar.ts';

export interface ExportBundle {
  fileName: string;
  manifest: SignedManifest;
  stream: Readable;
}

async function manifestListing(sql: Sql, key: SigningKey, centreId: string, day: string, recordingId: string): Promise<SignedManifest> {
  const [m] = await sql<SignedManifest[]>`
    SELECT id::text AS id, centre_id, to_char(day, 'YYYY-MM-DD') AS day, version, entries, body, signature, key_fingerprint, public_key, signed_at
      FROM recording_manifests
     WHERE centre_id = ${centreId} AND day = ${day} AND position(${recordingId} in body) > 0
     ORDER BY version DESC LIMIT 1`;
  return m ?? signManifest(sql, key, centreId, day);
}

export function readme(id: string, m: SignedManifest): string {
  const man = `manifest-${manifestFileName(m)}`;
  return [
    `录音证据包 / Recording evidence bundle`,
    ``,
    `recording id: ${id}`,
    `centre: ${m.centre_id}, day: ${m.day} (Asia/Shanghai), manifest version ${m.version}`,
    `signing key SM3 fingerprint: ${m.key_fingerprint}`,
    ``,
    `1. The manifest is signed (SM2 with SM3, GB/T 32918 / GB/T 32905):`,
    `     openssl dgst -sm3 -verify ${PUBLIC_KEY_FILE} -signature ${man}.sig ${man}.json`,
    `   expect "Verified OK".`,
    `2. The recording is the one listed: its SM3 must equal the entry's "sm3" for ${id} in ${man}.json:`,
    `     openssl dgst -sm3 recording.wav`,
    `3. Chunk by chunk: recording.wav.chain.json holds h_i = SM3(h_(i-1) || chunk_i || uint64be(i)) for every`,
    `   64 KiB chunk; its "head" must equal the entry's "chain_head". Locate a change with`,
    `     tsx scripts/recordings/verify.ts recording.wav`,
    `   (it names the chunk that was changed, dropped or moved, or where the file was cut).`,
    ``,
    `recording.wav: 8 kHz 16-bit PCM stereo, caller on the left channel, seat on the right.`,
    `metadata.json: the index row and the call record (arrival, queue, ring, answer, talk times).`,
    ``,
  ].join('\n');
}

export async function buildExport(sql: Sql, key: SigningKey, recordingId: string, sm4?: Sm4Key): Promise<ExportBundle> {
  const row = await recordingById(sql, recordingId);
  if (!row) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: recordingId });
  if (row.status !== 'ready' || row.path === null) throw new CtiError('CTI_RECORDING_UNAVAILABLE', { recording_id: recordingId, status: row.status });
  const chain = await chainOf(sql, recordingId);
  if (!chain) throw new CtiError('CTI_RECORDING_NOT_CHAINED', { recording_id: recordingId });
  let audio;
  try {
    audio = await openAudioSource(row.path, sm4);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CtiError('CTI_RECORDING_FILE_MISSING', { recording_id: recordingId });
    throw e;
  }
  const manifest = await manifestListing(sql, key, chain.centreId, chain.day, recordingId);
  const [call] = row.call_id
    ? await sql`SELECT id, centre_id, sip_call_id, caller_number, called_number, queue_id, arrived_at, queued_at, answered_at, ended_at,
                       answered_seat_id, queue_ms, answer_ms, talk_ms, incident_id FROM calls WHERE id = ${row.call_id}`
    : [null];
  const { path: _path, ...meta } = row;
  const dir = recordingId;
  const man = `manifest-${manifestFileName(manifest)}`;
  const entries: TarEntry[] = [
    { name: `${dir}/README.txt`, data: Buffer.from(readme(recordingId, manifest), 'utf8') },
    { name: `${dir}/recording.wav`, size: audio.size, open: () => audio.stream(0, audio.size - 1) },
    { name: `${dir}/recording.wav.chain.json`, data: Buffer.from(JSON.stringify(chainToJson(chain)), 'utf8') },
    { name: `${dir}/${man}.json`, data: Buffer.from(manifest.body, 'utf8') },
    { name: `${dir}/${man}.sig`, data: manifest.signature },
    { name: `${dir}/${PUBLIC_KEY_FILE}`, data: Buffer.from(manifest.public_key, 'utf8') },
    { name: `${dir}/metadata.json`, data: Buffer.from(JSON.stringify({ recording: meta, call }, null, 1), 'utf8') },
  ];
  return { fileName: `recording-${recordingId}.tar`, manifest, stream: tarStream(entries) };
}
