import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decoyHash, generatePassword, hashPassword, verifyPassword } from '../../../control/src/auth/password.ts';

test('a hashed password verifies, a wrong one does not', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterY', stored), false);
  assert.equal(await verifyPassword('', stored), false);
});

test('each hash has its own salt', async () => {
  const [a, b] = await Promise.all([hashPassword('same-password'), hashPassword('same-password')]);
  assert.notEqual(a, b);
  assert.notEqual(a.split('$')[4], b.split('$')[4]);
});

test('Unicode passwords are normalised (NFC) before hashing', async () => {
  const composed = 'caf\u00e9-120-调度';
  const decomposed = 'cafe\u0301-120-调度';
  assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
});

test('a malformed stored hash never verifies and never throws', async () => {
  for (const bad of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$16384$8$1$aaaa$bbbb', 'scrypt$x$8$1$aaaa$bbbb', 'scrypt$16384$8$1$$']) {
    assert.equal(await verifyPassword('anything', bad), false, bad);
  }
});

test('the decoy hash is a valid hash that no guess matches', async () => {
  const d = await decoyHash();
  assert.equal(d, await decoyHash());
  assert.equal(await verifyPassword('admin', d), false);
});

test('generated passwords are 24 base64url characters and differ', () => {
  const a = generatePassword();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(a, generatePassword());
});
