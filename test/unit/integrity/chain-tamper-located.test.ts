import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chainOfBuffer, chainSeed, chunksOf, link, sm3 } from '../../../control/src/recordings/integrity/chain.ts';
import { ChainChecker, type Finding } from '../../../control/src/recordings/integrity/locate.ts';

const ID = '2b9a3c1e-4f44-4a36-9a7e-0d5f5d8a1c01';
const C = 4096;

function check(original: Buffer, data: Buffer) {
  const stored = chainOfBuffer(ID, original, C);
  const checker = new ChainChecker(stored);
  for (const c of chunksOf(data, C)) checker.addChunk(c);
  return checker.finish();
}

// Distinct chunks (random audio); 10 full chunks and a partial last one.
const original = randomBytes(C * 10 + 1000);

test('the chain follows h_i = SM3(h_(i-1) || chunk_i || uint64be(i)) from the seed', () => {
  const c = chainOfBuffer(ID, original, C);
  assert.equal(c.chunkCount, 11);
  const chunks = chunksOf(original, C);
  let h = chainSeed(ID, C);
  chunks.forEach((chunk, i) => {
    const idx = Buffer.alloc(8);
    idx.writeBigUInt64BE(BigInt(i));
    h = sm3(h, chunk, idx);
    assert.deepEqual(link(i === 0 ? chainSeed(ID, C) : c.chain.subarray((i - 1) * 32, i * 32), chunk, i), h);
  });
  assert.equal(c.head, h.toString('hex'));
  assert.equal(c.fileSm3, sm3(original).toString('hex'));
});

test('SM3 matches the GB/T 32905 example ("abc")', () => {
  assert.equal(sm3(Buffer.from('abc')).toString('hex'), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
});

test('an untouched file verifies', () => {
  const r = check(original, original);
  assert.equal(r.ok, true);
  assert.deepEqual(r.findings, []);
});

test('a flipped byte is located in its chunk, and only there', () => {
  const t = Buffer.from(original);
  t[C * 6 + 123] ^= 0x01;
  const r = check(original, t);
  assert.equal(r.ok, false);
  assert.deepEqual(r.findings, [{ kind: 'modified', chunk: 6, offset: C * 6, length: C }]);
});

test('a dropped chunk is named, the chunks after it only shifted', () => {
  const chunks = chunksOf(original, C);
  const t = Buffer.concat([...chunks.slice(0, 4), ...chunks.slice(5)]);
  const r = check(original, t);
  assert.equal(r.ok, false);
  assert.deepEqual(r.findings, [{ kind: 'dropped', chunk: 4, offset: C * 4 }]);
});

test('two swapped chunks are reported as reordered, each with the chunk it holds', () => {
  const chunks = chunksOf(original, C);
  [chunks[2], chunks[7]] = [chunks[7], chunks[2]];
  const r = check(original, Buffer.concat(chunks));
  assert.equal(r.ok, false);
  assert.deepEqual(r.findings, [
    { kind: 'reordered', chunk: 2, holds: 7, offset: C * 2 },
    { kind: 'reordered', chunk: 7, holds: 2, offset: C * 7 },
  ]);
});

test('a truncated file is reported as cut, inside a chunk or on a chunk boundary', () => {
  const inside = check(original, original.subarray(0, C * 8 + 10));
  assert.deepEqual(inside.findings, [{ kind: 'truncated', chunk: 8, size_bytes: C * 8 + 10, expected_bytes: original.length }]);
  const boundary = check(original, original.subarray(0, C * 3));
  assert.deepEqual(boundary.findings, [{ kind: 'truncated', chunk: 3, size_bytes: C * 3, expected_bytes: original.length }]);
});

test('octets appended after the end are reported', () => {
  const r = check(original, Buffer.concat([original, Buffer.from('more')]));
  assert.equal(r.ok, false);
  assert.ok(r.findings.some((f: Finding) => f.kind === 'extended'));
  assert.ok(r.findings.some((f: Finding) => f.kind === 'modified' && f.chunk === 10));
});

test('an edited chain record (one stored hash changed) is told apart from changed audio', () => {
  const stored = chainOfBuffer(ID, original, C);
  stored.chain[5 * 32] ^= 0xff;
  const checker = new ChainChecker(stored);
  for (const c of chunksOf(original, C)) checker.addChunk(c);
  const r = checker.finish();
  assert.equal(r.ok, false);
  assert.ok(r.findings.every((f) => f.kind === 'record'), JSON.stringify(r.findings));
  assert.deepEqual(r.findings.map((f) => f.chunk), [5, 6]);
});
