/**
 * Verifies recordings and manifests, and says where they were changed.
 *
 *   tsx scripts/recordings/verify.ts <file.wav>            the WAV against <file.wav>.chain.json (or --chain) and,
 *                                                          if one is beside it (or --manifest), the signed manifest
 *   tsx scripts/recordings/verify.ts <recording id>        an indexed recording (database: CTI_PG_URL or the dev stack)
 *   tsx scripts/recordings/verify.ts <manifest.json>       a manifest's SM2 signature (<manifest>.sig beside it) and
 *                                                          consistency; with the database, which entry differs
 *   options: --chain <chain.json> --manifest <manifest.json> --public-key <pem>
 *   SM4-encrypted files need CTI_RECORDING_SM4_KEY.
 *
 * Prints what it found, then one JSON line; exits 0 if intact, 1 if anything was changed, 2 on a usage error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { chainFromJson, sidecarPath, type ChainJson } from '../../control/src/recordings/integrity/chain-store.ts';
import { checkFile, checkRecording } from '../../control/src/recordings/integrity/check-recording.ts';
import type { Finding } from '../../control/src/recordings/integrity/locate.ts';
import { checkManifest, diffEntries, type Manifest } from '../../control/src/recordings/integrity/manifest.ts';
import { PUBLIC_KEY_FILE } from '../../control/src/recordings/integrity/signing-key.ts';
import { sm4KeyFromEnv } from '../../control/src/recordings/storage/sm4-file.ts';
import { isServing, readStackInfo } from '../stack/stack-json.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Verdict {
  target: string;
  ok: boolean;
  findings: Array<Finding | { kind: string; detail: string }>;
  [k: string]: unknown;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function describe(f: Verdict['findings'][number]): string {
  switch (f.kind) {
    case 'modified': { const m = f as Extract<Finding, { kind: 'modified' }>; return `chunk ${m.chunk} changed (octets ${m.offset}..${m.offset + m.length - 1})`; }
    case 'dropped': { const d = f as Extract<Finding, { kind: 'dropped' }>; return `chunk ${d.chunk} is missing (was at octet ${d.offset}); the chunks after it moved up`; }
    case 'reordered': { const r = f as Extract<Finding, { kind: 'reordered' }>; return `chunk ${r.chunk} holds what was chunk ${r.holds}`; }
    case 'truncated': { const t = f as Extract<Finding, { kind: 'truncated' }>; return `cut at octet ${t.size_bytes} (in chunk ${t.chunk}); the recording had ${t.expected_bytes}`; }
    case 'extended': { const e = f as Extract<Finding, { kind: 'extended' }>; return `${e.size_bytes - e.expected_bytes} octets added after the end`; }
    case 'record': return `the stored chain disagrees with itself at chunk ${(f as Finding).chunk} (the chain record was edited)`;
    default: return (f as { detail: string }).detail;
  }
}

function findPublicKey(near: string, given?: string): string | undefined {
  const candidates = [given, join(dirname(near), PUBLIC_KEY_FILE), join(dirname(dirname(near)), PUBLIC_KEY_FILE)].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p));
}

function databaseUrl(): string | undefined {
  if (process.env.CTI_PG_URL) return process.env.CTI_PG_URL;
  const info = readStackInfo('dev');
  return info && isServing(info) ? info.postgres.url : undefined;
}

async function verifyManifestFile(path: string, pubGiven?: string): Promise<Verdict> {
  const body = readFileSync(path);
  const sigPath = path.replace(/\.json$/, '.sig');
  const pub = findPublicKey(path, pubGiven);
  if (!existsSync(sigPath) || !pub) throw new Error(`need ${sigPath} and the public key (${PUBLIC_KEY_FILE} beside it, or --public-key)`);
  const c = checkManifest(body, readFileSync(sigPath), readFileSync(pub, 'utf8'));
  const findings: Verdict['findings'] = c.problems.map((p) => ({ kind: 'manifest', detail: p }));
  const url = databaseUrl();
  if (!c.signature_ok && c.parsed && url) {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ body: string }[]>`SELECT body FROM recording_manifests WHERE centre_id = ${c.parsed.centre_id} AND day = ${c.parsed.day} AND version = ${c.parsed.version}`;
      if (row) for (const d of diffEntries(c.parsed, JSON.parse(row.body) as Manifest)) findings.push({ kind: 'manifest_entry', detail: d });
    } finally {
      await sql.end();
    }
  }
  return { target: path, ok: findings.length === 0, findings, signature_ok: c.signature_ok, entries: c.parsed?.count };
}

async function verifyWav(path: string, args: string[]): Promise<Verdict> {
  const chainPath = option(args, '--chain') ?? [sidecarPath(path), `${path}.chain.json`].find((p) => existsSync(p));
  if (!chainPath || !existsSync(chainPath)) throw new Error(`no chain for ${path}: give --chain <file.chain.json>`);
  const chain = chainFromJson(JSON.parse(readFileSync(chainPath, 'utf8')) as ChainJson);
  const check = await checkFile(path, chain, sm4KeyFromEnv());
  const findings: Verdict['findings'] = [...check.findings];
  if (!check.ok && findings.length === 0) findings.push({ kind: 'chain', detail: 'the file does not match its chain head or SM3' });
  const manifestPath = option(args, '--manifest') ?? readdirSync(dirname(path)).filter((f) => /^manifest-.*\.json$/.test(f)).map((f) => join(dirname(path), f))[0];
  let manifest: Record<string, unknown> | null = null;
  if (manifestPath) {
    const m = await verifyManifestFile(manifestPath, option(args, '--public-key'));
    findings.push(...m.findings);
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const entry = parsed.entries.find((e) => e.recording_id === chain.recordingId);
    if (!entry) findings.push({ kind: 'manifest_entry', detail: `recording ${chain.recordingId} is not in ${basename(manifestPath)}` });
    else if (entry.chain_head !== check.head || entry.sm3 !== check.fileSm3) {
      findings.push({ kind: 'manifest_entry', detail: `the file's chain head / SM3 differ from the signed entry (chain file ${chain.head === entry.chain_head ? 'matches' : 'differs from'} the manifest)` });
    }
    manifest = { path: manifestPath, signature_ok: m.signature_ok };
  }
  return { target: path, ok: findings.length === 0, findings, recording_id: chain.recordingId, chunks: check.chunkCount, size_bytes: check.sizeBytes, manifest };
}

async function verifyRecordingId(id: string): Promise<Verdict> {
  const url = databaseUrl();
  if (!url) throw new Error('no database: set CTI_PG_URL or start the dev stack');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const c = await checkRecording(sql, id, sm4KeyFromEnv());
    const findings: Verdict['findings'] = [...c.findings];
    if (c.manifest && !c.manifest.signature_ok) findings.push({ kind: 'manifest', detail: `the stored manifest ${c.manifest.day} v${c.manifest.version} fails its signature check` });
    if (c.manifest && !c.manifest.entry_matches) findings.push({ kind: 'manifest_entry', detail: 'the recording differs from its signed manifest entry' });
    if (!c.ok && findings.length === 0) findings.push({ kind: 'chain', detail: 'the file does not match its chain head or SM3' });
    return { target: id, ok: c.ok, findings, chunks: c.chunkCount, size_bytes: c.sizeBytes, manifest: c.manifest };
  } finally {
    await sql.end();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const target = args[0];
  if (!target || target.startsWith('--')) {
    console.error('usage: tsx scripts/recordings/verify.ts <file.wav | recording id | manifest.json> [--chain f] [--manifest f] [--public-key f]');
    return 2;
  }
  let v: Verdict;
  if (UUID.test(target)) v = await verifyRecordingId(target);
  else if (target.endsWith('.json')) v = await verifyManifestFile(resolve(target), option(args, '--public-key'));
  else v = await verifyWav(resolve(target), args);
  console.log(v.ok ? `${v.target}: intact` : `${v.target}: CHANGED`);
  for (const f of v.findings) console.log(`  - ${describe(f)}`);
  console.log(JSON.stringify(v));
  return v.ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(`verify: ${(e as Error).message}`);
  process.exit(2);
});
