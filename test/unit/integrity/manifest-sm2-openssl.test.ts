import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkManifest, diffEntries, MANIFEST_FORMAT, type Manifest } from '../../../control/src/recordings/integrity/manifest.ts';
import { ensureSigningKey, loadSigningKey, PUBLIC_KEY_FILE, signSm2, verifySm2 } from '../../../control/src/recordings/integrity/signing-key.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const dir = mkdtempSync(join(tmpdir(), 'cti-sm2-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function manifest(): Manifest {
  return {
    format: MANIFEST_FORMAT, centre_id: 'city', day: '2026-11-25', version: 1, generated_at: '2026-11-26T00:10:00.000Z',
    chain_algorithm: 'sm3-chain-v1', time_zone: 'Asia/Shanghai', key_fingerprint: 'x', previous_sm3: null, count: 2,
    entries: [
      { recording_id: 'a1', call_id: null, sip_call_id: 's1', started_at: null, chunk_size: 65536, chunks: 3, size_bytes: 150000, chain_head: 'a'.repeat(64), sm3: 'b'.repeat(64) },
      { recording_id: 'a2', call_id: null, sip_call_id: 's2', started_at: null, chunk_size: 65536, chunks: 1, size_bytes: 44, chain_head: 'c'.repeat(64), sm3: 'd'.repeat(64) },
    ],
  };
}

test('a key made by openssl genpkey -algorithm SM2 signs; openssl dgst -sm3 and pkeyutl verify the signature', () => {
  const keyDir = join(dir, 'keys');
  return (async () => {
    assert.equal(await ensureSigningKey(keyDir), true);
    assert.equal(await ensureSigningKey(keyDir), false, 'a second call keeps the key');
    const key = await loadSigningKey(keyDir);
    assert.match(key.fingerprint, /^[0-9a-f]{64}$/);
    const body = Buffer.from(JSON.stringify(manifest(), null, 1));
    const sig = signSm2(key, body);
    assert.equal(verifySm2(key.publicKeyPem, body, sig), true);
    writeFileSync(join(dir, 'm.json'), body);
    writeFileSync(join(dir, 'm.sig'), sig);
    const pub = join(keyDir, PUBLIC_KEY_FILE);
    const dgst = execFileSync('openssl', ['dgst', '-sm3', '-verify', pub, '-signature', join(dir, 'm.sig'), join(dir, 'm.json')], { encoding: 'utf8' });
    assert.match(dgst, /Verified OK/);
    const pk = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-digest', 'sm3', '-in', join(dir, 'm.json'), '-sigfile', join(dir, 'm.sig')], { encoding: 'utf8' });
    assert.match(pk, /Signature Verified Successfully/);

    // A tampered manifest: openssl and checkManifest both refuse it.
    const m = manifest();
    m.entries[1].sm3 = 'e'.repeat(64);
    const tampered = Buffer.from(JSON.stringify(m, null, 1));
    writeFileSync(join(dir, 'm.json'), tampered);
    const bad = spawnSync('openssl', ['dgst', '-sm3', '-verify', pub, '-signature', join(dir, 'm.sig'), join(dir, 'm.json')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /Verification failure/);
    const c = checkManifest(tampered, sig, key.publicKeyPem);
    assert.equal(c.signature_ok, false);
    assert.deepEqual(diffEntries(m, manifest()), [`entry 1 (a2): sm3 is ${'e'.repeat(64)}, signed ${'d'.repeat(64)}`]);
    assert.deepEqual(checkManifest(body, sig, key.publicKeyPem).problems, []);
  })();
});

test('a key on another curve (P-256) is refused as a signing key', async () => {
  const ecDir = join(dir, 'p256');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await ensureSigningKey(ecDir);
  writeFileSync(join(ecDir, 'recording-sm2.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(ecDir, PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  await assert.rejects(loadSigningKey(ecDir), (e) => isCtiError(e, 'CTI_SIGNING_KEY_UNAVAILABLE'));
});

test('as engine-notes says: generateKeyPairSync(ec, SM2) signs ECDSA, which openssl does not verify as SM2', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const body = Buffer.from('not real SM2');
  const sig = sign('sm3', body, privateKey);
  writeFileSync(join(dir, 'e.txt'), body);
  writeFileSync(join(dir, 'e.sig'), sig);
  writeFileSync(join(dir, 'e.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const r = spawnSync('openssl', ['dgst', '-sm3', '-verify', join(dir, 'e.pub'), '-signature', join(dir, 'e.sig'), join(dir, 'e.txt')], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
});
