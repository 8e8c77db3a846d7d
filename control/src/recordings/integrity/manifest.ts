/**
 * The daily manifest: per centre and day (Asia/Shanghai), every chained recording with its chain head
 * and SM3, ordered by start time then id, signed with the centre's SM2 key. The signed octets are the
 * manifest's JSON text exactly as stored (`body`); the signature is DER, verifiable with
 *   openssl dgst -sm3 -verify recording-sm2.pub.pem -signature <day>.v<n>.sig <day>.v<n>.json
 * Each manifest names the SM3 of the one signed before it for the centre (`previous_sm3`), so removing
 * a whole manifest breaks the sequence. A recording chained after its day was signed makes version n+1.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { CtiError } from '../../errors/catalogue.ts';
import { CHAIN_ALGORITHM, sm3 } from './chain.ts';
import { MANIFEST_TIME_ZONE } from './chain-store.ts';
import { PUBLIC_KEY_FILE, signSm2, verifySm2, type SigningKey } from './signing-key.ts';

export const MANIFEST_FORMAT = 'cti120-recording-manifest/v1';

export interface ManifestEntry {
  recording_id: string;
  call_id: string | null;
  sip_call_id: string;
  started_at: string | null;
  chunk_size: number;
  chunks: number;
  size_bytes: number;
  chain_head: string;
  sm3: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  centre_id: string;
  day: string;
  version: number;
  generated_at: string;
  chain_algorithm: string;
  time_zone: string;
  key_fingerprint: string;
  previous_sm3: string | null;
  count: number;
  entries: ManifestEntry[];
}

export interface SignedManifest {
  id: string;
  centre_id: string;
  day: string;
  version: number;
  entries: number;
  body: string;
  signature: Buffer;
  key_fingerprint: string;
  public_key: string;
  signed_at: Date;
}

const MANIFEST_COLUMNS = `id::text AS id, centre_id, to_char(day, 'YYYY-MM-DD') AS day, version, entries, body, signature,
  key_fingerprint, public_key, signed_at`;

/** Today's date in the manifests' zone, YYYY-MM-DD. */
export function dayIn(now: Date, timeZone = MANIFEST_TIME_ZONE): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export async function manifestEntries(sql: Sql, centreId: string, day: string): Promise<ManifestEntry[]> {
  return sql<ManifestEntry[]>`
    SELECT r.id AS recording_id, r.call_id, r.sip_call_id,
           to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
           c.chunk_size, c.chunk_count AS chunks, c.size_bytes::float8 AS size_bytes, c.head AS chain_head, c.file_sm3 AS sm3
      FROM recording_chains c JOIN recordings r ON r.id = c.recording_id
     WHERE c.centre_id = ${centreId} AND c.day = ${day}
     ORDER BY coalesce(r.started_at, r.created_at), r.id`;
}

/** Signs (and stores) a new version of the centre's manifest for `day`; returns it. */
export async function signManifest(sql: Sql, key: SigningKey, centreId: string, day: string, now = new Date()): Promise<SignedManifest> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('recording_manifest'), hashtext(${centreId}))`;
    const entries = await manifestEntries(tx as unknown as Sql, centreId, day);
    const [last] = await tx<{ version: number }[]>`
      SELECT coalesce(max(version), 0) AS version FROM recording_manifests WHERE centre_id = ${centreId} AND day = ${day}`;
    const [prev] = await tx<{ body: string }[]>`
      SELECT body FROM recording_manifests WHERE centre_id = ${centreId} ORDER BY signed_at DESC, id DESC LIMIT 1`;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, centre_id: centreId, day, version: last.version + 1, generated_at: now.toISOString(),
      chain_algorithm: CHAIN_ALGORITHM, time_zone: MANIFEST_TIME_ZONE, key_fingerprint: key.fingerprint,
      previous_sm3: prev ? sm3(Buffer.from(prev.body, 'utf8')).toString('hex') : null, count: entries.length, entries,
    };
    const body = JSON.stringify(manifest, null, 1);
    const signature = signSm2(key, Buffer.from(body, 'utf8'));
    const [row] = await tx<SignedManifest[]>`
      INSERT INTO recording_manifests (centre_id, day, version, entries, body, signature, key_fingerprint, public_key)
      VALUES (${centreId}, ${day}, ${manifest.version}, ${entries.length}, ${body}, ${signature}, ${key.fingerprint}, ${key.publicKeyPem})
      RETURNING ${tx.unsafe(MANIFEST_COLUMNS)}`;
    return row;
  });
}

/**
 * Signs every (centre, day) before today whose chained recordings are not all in its latest manifest.
 * Returns the manifests signed.
 */
export async function signDueManifests(sql: Sql, key: SigningKey, now = new Date()): Promise<SignedManifest[]> {
  const today = dayIn(now);
  const due = await sql<{ centre_id: string; day: string }[]>`
    SELECT c.centre_id, to_char(c.day, 'YYYY-MM-DD') AS day
      FROM recording_chains c
     WHERE c.day < ${today}
     GROUP BY c.centre_id, c.day
    HAVING count(*) <> coalesce((SELECT m.entries FROM recording_manifests m
                                  WHERE m.centre_id = c.centre_id AND m.day = c.day ORDER BY m.version DESC LIMIT 1), -1)
     ORDER BY c.day, c.centre_id`;
  const out: SignedManifest[] = [];
  for (const d of due) out.push(await signManifest(sql, key, d.centre_id, d.day, now));
  return out;
}

export async function latestManifest(sql: Sql, centreId: string, day: string): Promise<SignedManifest> {
  const [row] = await sql<SignedManifest[]>`
    SELECT ${sql.unsafe(MANIFEST_COLUMNS)} FROM recording_manifests WHERE centre_id = ${centreId} AND day = ${day}
     ORDER BY version DESC LIMIT 1`;
  if (!row) throw new CtiError('CTI_MANIFEST_NOT_FOUND', { centre_id: centreId, day });
  return row;
}

export function manifestFileName(m: Pick<SignedManifest, 'day' | 'version'>): string {
  return `${m.day}.v${m.version}`;
}

/** Writes `<dir>/<centre>/<day>.v<n>.json`, `.sig` (DER) and `<dir>/recording-sm2.pub.pem`; returns the json path. */
export async function writeManifestFiles(dir: string, m: SignedManifest): Promise<string> {
  const centreDir = join(dir, m.centre_id);
  await mkdir(centreDir, { recursive: true });
  const base = join(centreDir, manifestFileName(m));
  for (const [path, data] of [[`${base}.json`, m.body], [`${base}.sig`, m.signature], [join(dir, PUBLIC_KEY_FILE), m.public_key]] as const) {
    await writeFile(`${path}.part`, data);
    await rename(`${path}.part`, path);
  }
  return `${base}.json`;
}

export interface ManifestCheck {
  signature_ok: boolean;
  parsed: Manifest | undefined;
  problems: string[];
}

/** Checks a manifest's signature and its internal consistency (count, order, fields). */
export function checkManifest(body: Buffer, signature: Buffer, publicKeyPem: string): ManifestCheck {
  const problems: string[] = [];
  const signatureOk = verifySm2(publicKeyPem, body, signature);
  if (!signatureOk) problems.push('the SM2 signature does not match the manifest: it was changed after signing, or signed with another key');
  let parsed: Manifest | undefined;
  try {
    parsed = JSON.parse(body.toString('utf8')) as Manifest;
  } catch {
    problems.push('the manifest is not valid JSON');
    return { signature_ok: signatureOk, parsed, problems };
  }
  if (parsed.format !== MANIFEST_FORMAT) problems.push(`unknown format ${String(parsed.format)}`);
  if (!Array.isArray(parsed.entries) || parsed.count !== parsed.entries.length) problems.push('count does not match the entries');
  const ids = new Set<string>();
  for (const [i, e] of (parsed.entries ?? []).entries()) {
    if (ids.has(e.recording_id)) problems.push(`entry ${i}: recording ${e.recording_id} listed twice`);
    ids.add(e.recording_id);
    if (!/^[0-9a-f]{64}$/.test(e.chain_head ?? '') || !/^[0-9a-f]{64}$/.test(e.sm3 ?? '')) problems.push(`entry ${i}: chain_head or sm3 is not an SM3 digest`);
  }
  return { signature_ok: signatureOk, parsed, problems };
}

/** Entries that differ between a manifest as given and as signed in the database (to locate a tampered entry). */
export function diffEntries(given: Manifest, signed: Manifest): string[] {
  const out: string[] = [];
  const byId = new Map(signed.entries.map((e, i) => [e.recording_id, { e, i }]));
  given.entries.forEach((e, i) => {
    const s = byId.get(e.recording_id);
    if (!s) {
      out.push(`entry ${i}: recording ${e.recording_id} is not in the signed manifest`);
      return;
    }
    for (const k of Object.keys(s.e) as (keyof ManifestEntry)[]) {
      if (s.e[k] !== e[k]) out.push(`entry ${i} (${e.recording_id}): ${k} is ${String(e[k])}, signed ${String(s.e[k])}`);
    }
    if (s.i !== i) out.push(`entry ${i} (${e.recording_id}): was at position ${s.i}`);
    byId.delete(e.recording_id);
  });
  for (const { e } of byId.values()) out.push(`recording ${e.recording_id} was removed from the manifest`);
  return out;
}
