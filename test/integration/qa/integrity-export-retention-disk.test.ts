import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { startRecordingMaintenance, manifestsDir, type RecordingMaintenance } from '../../../control/src/recordings/storage/maintenance.ts';
import { processRecording } from '../../../control/src/recordings/storage/process.ts';
import { diskUsage, DISK_ALARMS } from '../../../control/src/recordings/storage/disk-watch.ts';
import { sm4Key } from '../../../control/src/recordings/storage/sm4-file.ts';
import { checkRecording } from '../../../control/src/recordings/integrity/check-recording.ts';
import { listAlarms } from '../../../control/src/alarms/service.ts';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';
import { bearer, ensureSeat, makeCall, personWith, startQaSide, type MadeCall, type QaSide, type Session } from './support/qa-side.ts';

const KEY = sm4Key('00112233445566778899aabbccddeeff');
let side: QaSide;
let sup: Session;
let m: RecordingMaintenance;
let rec: MadeCall;
const DAY = new Date('2026-06-01T02:00:00Z');

before(async () => {
  side = await startQaSide('rec-integrity', KEY);
  sup = await personWith(side.app, side.admin, ['supervisor']);
  await ensureSeat(side.deps.sql, 'ri-1');
  m = await startRecordingMaintenance(side.deps, { keyDir: side.keyDir, sm4: undefined, retentionDays: 730, pollMs: 3_600_000, diskMs: 3_600_000, disk: { warningPercent: 99.9, criticalPercent: 100 } });
});
after(async () => {
  await m?.stop();
  await side?.close();
});

const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
const verify = (...args: string[]) => spawnSync(tsx, [join(REPO_ROOT, 'scripts/recordings/verify.ts'), ...args], { encoding: 'utf8', env: { ...process.env, CTI_PG_URL: side.stack.info.postgres.url } });

test('a new recording is sealed (chain + sidecar), gets an Opus listening copy, and goes into the day\'s signed manifest', async () => {
  rec = await makeCall(side, { at: DAY, seat: 'ri-1', audioS: 10 });
  assert.equal(await m.processPending(), 1);
  const [chain] = await side.deps.sql<{ chunk_count: number; size_bytes: number; head: string }[]>`SELECT chunk_count, size_bytes::int, head FROM recording_chains WHERE recording_id = ${rec.recording_id}`;
  assert.equal(chain.size_bytes, 44 + 8000 * 10 * 4);
  assert.equal(chain.chunk_count, Math.ceil(chain.size_bytes / 65536));
  assert.ok(existsSync(`${rec.path}.chain.json`));
  const [st] = await side.deps.sql<{ listening_path: string; listening_bytes: number; error: string | null }[]>`SELECT listening_path, listening_bytes::int, error FROM recording_storage WHERE recording_id = ${rec.recording_id}`;
  assert.equal(st.error, null);
  assert.ok(st.listening_path.endsWith('.opus'));
  assert.equal(readFileSync(st.listening_path).subarray(0, 4).toString(), 'OggS');
  assert.ok(st.listening_bytes < chain.size_bytes / 3, `${st.listening_bytes} vs ${chain.size_bytes}`);
  const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,channels', '-of', 'csv=p=0', st.listening_path], { encoding: 'utf8' }).trim();
  assert.equal(probe, 'opus,2');

  // Not yet: its day (Asia/Shanghai) is not over at DAY. The next day it is signed, once.
  assert.equal(await m.signManifests(DAY), 0);
  assert.equal(await m.signManifests(new Date(DAY.getTime() + 86_400_000)), 1);
  assert.equal(await m.signManifests(new Date(DAY.getTime() + 86_400_000)), 0);
  const files = readdirSync(join(manifestsDir(side.deps.config.recordingsDir), 'city'));
  assert.deepEqual(files.sort(), ['2026-06-01.v1.json', '2026-06-01.v1.sig']);
  const dir = manifestsDir(side.deps.config.recordingsDir);
  const ok = spawnSync('openssl', ['dgst', '-sm3', '-verify', join(dir, 'recording-sm2.pub.pem'), '-signature', join(dir, 'city/2026-06-01.v1.sig'), join(dir, 'city/2026-06-01.v1.json')], { encoding: 'utf8' });
  assert.match(ok.stdout, /Verified OK/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'city/2026-06-01.v1.json'), 'utf8')).entries[0].chain_head, chain.head);

  const res = await side.app.inject({ method: 'GET', url: `/v1/recordings/${rec.recording_id}/integrity`, headers: bearer(sup) });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual([res.json().ok, res.json().findings, res.json().manifest], [true, [], { day: '2026-06-01', version: 1, signature_ok: true, entry_matches: true }]);
  const man = await side.app.inject({ method: 'GET', url: '/v1/recording-manifests/city/2026-06-01', headers: bearer(sup) });
  assert.equal(man.json().entries, 1);
});

test('the listening copy is served with Range, and each GET is audited', async () => {
  const [st] = await side.deps.sql<{ listening_path: string }[]>`SELECT listening_path FROM recording_storage WHERE recording_id = ${rec.recording_id}`;
  const file = readFileSync(st.listening_path);
  const part = await side.app.inject({ method: 'GET', url: `/v1/recordings/${rec.recording_id}/listening`, headers: { ...bearer(sup), range: 'bytes=100-299' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.headers['content-range'], `bytes 100-299/${file.length}`);
  assert.deepEqual(part.rawPayload, file.subarray(100, 300));
  const [{ n }] = await side.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'recording.played' AND target_id = ${rec.recording_id}`;
  assert.equal(n, 1);
});

test('the evidence bundle verifies with openssl and verify.ts; a flipped byte is located by chunk', async () => {
  const res = await side.app.inject({ method: 'GET', url: `/v1/recordings/${rec.recording_id}/export`, headers: bearer(sup) });
  assert.equal(res.statusCode, 200, res.body);
  const dir = mkdtempSync(join(tmpdir(), 'cti-export-'));
  try {
    writeFileSync(join(dir, 'b.tar'), res.rawPayload);
    execFileSync('tar', ['-xf', join(dir, 'b.tar'), '-C', dir]);
    const b = join(dir, rec.recording_id!);
    assert.deepEqual(readdirSync(b).sort(), ['README.txt', 'manifest-2026-06-01.v1.json', 'manifest-2026-06-01.v1.sig', 'metadata.json', 'recording-sm2.pub.pem', 'recording.wav', 'recording.wav.chain.json']);
    assert.deepEqual(readFileSync(join(b, 'recording.wav')), readFileSync(rec.path!));
    const sig = spawnSync('openssl', ['dgst', '-sm3', '-verify', join(b, 'recording-sm2.pub.pem'), '-signature', join(b, 'manifest-2026-06-01.v1.sig'), join(b, 'manifest-2026-06-01.v1.json')], { encoding: 'utf8' });
    assert.match(sig.stdout, /Verified OK/);
    const sm3 = execFileSync('openssl', ['dgst', '-sm3', '-r', join(b, 'recording.wav')], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(JSON.parse(readFileSync(join(b, 'manifest-2026-06-01.v1.json'), 'utf8')).entries[0].sm3, sm3);

    const intact = verify(join(b, 'recording.wav'));
    assert.equal(intact.status, 0, intact.stdout + intact.stderr);
    // One flipped byte in chunk 2; then a truncation; then a tampered manifest.
    const wav = readFileSync(join(b, 'recording.wav'));
    const flipped = Buffer.from(wav);
    flipped[2 * 65536 + 77] ^= 0x10;
    writeFileSync(join(b, 'recording.wav'), flipped);
    const bad = verify(join(b, 'recording.wav'));
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /chunk 2 changed \(octets 131072\.\.196607\)/);
    writeFileSync(join(b, 'recording.wav'), wav.subarray(0, 100_000));
    assert.match(verify(join(b, 'recording.wav')).stdout, /cut at octet 100000 \(in chunk 1\)/);
    writeFileSync(join(b, 'recording.wav'), wav);
    const body = readFileSync(join(b, 'manifest-2026-06-01.v1.json'), 'utf8');
    writeFileSync(join(b, 'manifest-2026-06-01.v1.json'), body.replace(/"sm3": "[0-9a-f]{4}/, '"sm3": "0000'));
    const tm = verify(join(b, 'manifest-2026-06-01.v1.json'));
    assert.equal(tm.status, 1);
    assert.match(tm.stdout, /SM2 signature does not match/);
    assert.match(tm.stdout, /entry 0 \([0-9a-f-]+\): sm3 is 0000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The indexed file itself, by recording id: a swapped pair of chunks is named.
  const wav = readFileSync(rec.path!);
  const swapped = Buffer.concat([wav.subarray(0, 65536), wav.subarray(131072, 196608), wav.subarray(65536, 131072), wav.subarray(196608)]);
  writeFileSync(rec.path!, swapped);
  const byId = verify(rec.recording_id!);
  assert.equal(byId.status, 1);
  assert.match(byId.stdout, /chunk 1 holds what was chunk 2/);
  assert.match(byId.stdout, /chunk 2 holds what was chunk 1/);
  const api = await side.app.inject({ method: 'GET', url: `/v1/recordings/${rec.recording_id}/integrity`, headers: bearer(sup) });
  assert.equal(api.json().ok, false);
  assert.deepEqual(api.json().findings.map((f: { kind: string; chunk: number }) => [f.kind, f.chunk]), [['reordered', 1], ['reordered', 2]]);
  writeFileSync(rec.path!, wav);
});

test('with SM4 at rest: the master is encrypted, chained over its plaintext, played back by range and exported decrypted', async () => {
  const r = await makeCall(side, { at: DAY, seat: 'ri-1', audioS: 3 });
  const plain = readFileSync(r.path!);
  assert.equal(await processRecording(side.deps, { id: r.recording_id!, path: r.path!, sm3: null, call_id: r.id }, { sm4: KEY }), true);
  const [row] = await side.deps.sql<{ path: string }[]>`SELECT path FROM recordings WHERE id = ${r.recording_id}`;
  assert.equal(row.path, `${r.path}.sm4`);
  assert.equal(existsSync(r.path!), false, 'no plaintext left');
  assert.equal(readFileSync(row.path).subarray(0, 8).toString(), 'CTISM4C1');
  const [st] = await side.deps.sql<{ encryption: string; listening_path: string }[]>`SELECT encryption, listening_path FROM recording_storage WHERE recording_id = ${r.recording_id}`;
  assert.equal(st.encryption, 'sm4-ctr');
  assert.ok(st.listening_path.endsWith('.opus.sm4'));
  assert.equal((await checkRecording(side.deps.sql, r.recording_id!, KEY)).ok, true);
  const part = await side.app.inject({ method: 'GET', url: `/v1/recordings/${r.recording_id}/listening`, headers: { ...bearer(sup), range: 'bytes=0-3' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.rawPayload.toString(), 'OggS');
  const exp = await side.app.inject({ method: 'GET', url: `/v1/recordings/${r.recording_id}/export`, headers: bearer(sup) });
  assert.equal(exp.statusCode, 200);
  assert.ok(exp.rawPayload.includes(plain.subarray(44, 44 + 4096)), 'the bundle holds the decrypted WAV');
  // Its day was signed already: the export signed version 2, which lists it.
  const [{ v }] = await side.deps.sql<{ v: number }[]>`SELECT max(version) AS v FROM recording_manifests WHERE day = '2026-06-01'`;
  assert.equal(v, 2);
});

test('retention purges expired audio, keeps the row (purged) and held recordings, and audits it', async () => {
  const old = await makeCall(side, { at: new Date('2024-01-01T00:00:00Z'), seat: 'ri-1', audioS: 1 });
  const held = await makeCall(side, { at: new Date('2024-01-02T00:00:00Z'), seat: 'ri-1', audioS: 1 });
  await m.processPending();
  await side.app.inject({ method: 'POST', url: `/v1/qa/recordings/${held.recording_id}/tags`, headers: bearer(sup), payload: { tag: 'hold' } });
  const [st] = await side.deps.sql<{ listening_path: string }[]>`SELECT listening_path FROM recording_storage WHERE recording_id = ${old.recording_id}`;
  assert.equal(await m.purge(new Date('2026-06-02T00:00:00Z')), 1);
  assert.equal(existsSync(old.path!), false);
  assert.equal(existsSync(st.listening_path), false);
  assert.equal(existsSync(held.path!), true);
  const [row] = await side.deps.sql<{ status: string; purged_at: Date }[]>`SELECT status, purged_at FROM recordings WHERE id = ${old.recording_id}`;
  assert.equal(row.status, 'purged');
  assert.ok(row.purged_at);
  const [{ n }] = await side.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM recording_chains WHERE recording_id = ${old.recording_id}`;
  assert.equal(n, 1, 'the chain stays as proof');
  const [{ a }] = await side.deps.sql<{ a: number }[]>`SELECT count(*)::int AS a FROM audit_log WHERE action = 'recording.purged' AND target_id = ${old.recording_id}`;
  assert.equal(a, 1);
  const play = await side.app.inject({ method: 'GET', url: `/v1/recordings/${old.recording_id}/audio`, headers: bearer(sup) });
  assert.equal(play.json().code, 'CTI_RECORDING_UNAVAILABLE');
  assert.equal(await m.purge(new Date('2026-06-02T00:00:00Z')), 0);
});

test('disk thresholds raise warning, then critical, and clear, on the recordings folder\'s filesystem', async () => {
  const { checkRecordingDisk } = await import('../../../control/src/recordings/storage/disk-watch.ts');
  const dir = mkdtempSync(join(tmpdir(), 'cti-disk-'));
  try {
    const used = (await diskUsage(dir)).usedPercent;
    assert.ok(used > 0 && used < 100 && statSync(dir).isDirectory());
    const open = () => listAlarms(side.deps.sql, { open: true, type: DISK_ALARMS.space, subject: dir });
    assert.equal((await checkRecordingDisk(side.deps, dir, { warningPercent: Math.max(0.01, used - 1), criticalPercent: 100 })).level, 'warning');
    assert.deepEqual((await open()).map((a) => a.level), ['warning']);
    await checkRecordingDisk(side.deps, dir, { warningPercent: Math.max(0.01, used - 1), criticalPercent: 100 });
    assert.equal((await open()).length, 1, 'raising again while open changes nothing');
    assert.equal((await checkRecordingDisk(side.deps, dir, { warningPercent: Math.max(0.01, used - 2), criticalPercent: Math.max(0.02, used - 1) })).level, 'critical');
    assert.deepEqual((await open()).map((a) => a.level), ['critical']);
    assert.equal((await checkRecordingDisk(side.deps, dir, { warningPercent: 100, criticalPercent: 100 })).level, null);
    assert.equal((await open()).length, 0);
    const history = await listAlarms(side.deps.sql, { type: DISK_ALARMS.space, subject: dir });
    assert.deepEqual(history.map((a) => [a.level, a.cleared_at !== null]).sort(), [['critical', true], ['warning', true]]);
    rmSync(dir, { recursive: true, force: true });
    assert.equal((await checkRecordingDisk(side.deps, dir)).level, 'critical');
    assert.equal((await listAlarms(side.deps.sql, { open: true, type: DISK_ALARMS.unavailable, subject: dir })).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
