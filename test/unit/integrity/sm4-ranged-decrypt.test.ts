import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { counterAt, decryptAt, encryptFile, openAudioSource, SM4_HEADER_BYTES, sm4Key } from '../../../control/src/recordings/storage/sm4-file.ts';
import { chainOfBuffer } from '../../../control/src/recordings/integrity/chain.ts';
import { chainOfRecordingFile } from '../../../control/src/recordings/integrity/seal.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const dir = mkdtempSync(join(tmpdir(), 'cti-sm4-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const key = sm4Key('0123456789abcdeffedcba9876543210');

test('SM4 matches the GB/T 32907 example block (ECB of the standard key and plaintext)', async () => {
  const { createCipheriv } = await import('node:crypto');
  const c = createCipheriv('sm4-ecb', key.key, null).setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.from('0123456789abcdeffedcba9876543210', 'hex')), c.final()]);
  assert.equal(out.toString('hex'), '681edf34d206965e86b3e94f536e4246');
});

test('the CTR counter adds with carry across the whole 128 bits', () => {
  assert.equal(counterAt(Buffer.from('000000000000000000000000000000ff', 'hex'), 1n).toString('hex'), '00000000000000000000000000000100');
  assert.equal(counterAt(Buffer.from('ffffffffffffffffffffffffffffffff', 'hex'), 2n).toString('hex'), '00000000000000000000000000000001');
});

test('encrypt a file, then any byte range decrypts to the same octets; the chain is of the plaintext', async () => {
  const plain = randomBytes(200_003);
  writeFileSync(join(dir, 'a.wav'), plain);
  await encryptFile(key, join(dir, 'a.wav'), join(dir, 'a.wav.sm4'));
  const enc = readFileSync(join(dir, 'a.wav.sm4'));
  assert.equal(enc.length, plain.length + SM4_HEADER_BYTES);
  assert.notDeepEqual(enc.subarray(SM4_HEADER_BYTES, SM4_HEADER_BYTES + 64), plain.subarray(0, 64));
  const src = await openAudioSource(join(dir, 'a.wav.sm4'), key);
  assert.equal(src.encrypted, true);
  assert.equal(src.size, plain.length);
  for (const [s, e] of [[0, plain.length - 1], [0, 0], [1, 1], [15, 16], [17, 100_000], [65_535, 65_537], [plain.length - 7, plain.length - 1]]) {
    assert.deepEqual(await buffer(src.stream(s, e)), plain.subarray(s, e + 1), `range ${s}-${e}`);
  }
  const iv = enc.subarray(16, 32);
  assert.deepEqual(decryptAt(key, iv, enc.subarray(SM4_HEADER_BYTES + 33, SM4_HEADER_BYTES + 90), 33), plain.subarray(33, 90));
  const chain = await chainOfRecordingFile('id-1', join(dir, 'a.wav.sm4'), key, 65_536);
  assert.equal(chain.head, chainOfBuffer('id-1', plain, 65_536).head);
});

test('a plaintext file is served as it is; an encrypted one without the right key is a coded error', async () => {
  writeFileSync(join(dir, 'b.wav'), Buffer.from('RIFF....WAVE'));
  const src = await openAudioSource(join(dir, 'b.wav'), key);
  assert.equal(src.encrypted, false);
  assert.equal((await buffer(src.stream(4, 7))).toString(), '....');
  await assert.rejects(openAudioSource(join(dir, 'a.wav.sm4'), undefined), (e) => isCtiError(e, 'CTI_ENCRYPTION_KEY_INVALID'));
  await assert.rejects(openAudioSource(join(dir, 'a.wav.sm4'), sm4Key('ffffffffffffffffffffffffffffffff')), (e) => isCtiError(e, 'CTI_ENCRYPTION_KEY_INVALID'));
  assert.throws(() => sm4Key('abc'), (e) => isCtiError(e, 'CTI_ENCRYPTION_KEY_INVALID'));
});
