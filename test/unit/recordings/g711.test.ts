import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, decodeAlaw, decodeUlaw, linearToAlaw, linearToUlaw } from '../../../recordings/src/g711.ts';

// Decoder outputs of ITU-T G.711 Table 1 (A-law, 13-bit scale, x8 here) and Table 2 (mu-law,
// 14-bit scale, x4 here); code words as transmitted (A-law even bits inverted, mu-law all bits inverted).
test('A-law code points decode to the G.711 Table 1 values', () => {
  assert.equal(ALAW_TO_LINEAR[0xd5], 8); // +1: smallest positive, segment 0 interval 0
  assert.equal(ALAW_TO_LINEAR[0x55], -8);
  assert.equal(ALAW_TO_LINEAR[0xd4], 24); // +3
  assert.equal(ALAW_TO_LINEAR[0xc5], 264); // +33: first interval of segment 1
  assert.equal(ALAW_TO_LINEAR[0xf5], 528); // +66: first interval of segment 2
  assert.equal(ALAW_TO_LINEAR[0xaa], 32256); // +4032: largest
  assert.equal(ALAW_TO_LINEAR[0x2a], -32256);
});

test('mu-law code points decode to the G.711 Table 2 values', () => {
  assert.equal(ULAW_TO_LINEAR[0xff], 0);
  assert.equal(ULAW_TO_LINEAR[0x7f], 0); // negative zero
  assert.equal(ULAW_TO_LINEAR[0xfe], 8); // +2
  assert.equal(ULAW_TO_LINEAR[0xef], 132); // +33: first interval of segment 1
  assert.equal(ULAW_TO_LINEAR[0x80], 32124); // +8031: largest
  assert.equal(ULAW_TO_LINEAR[0x00], -32124);
});

test('tables are odd-symmetric: the sign bit flips only the sign', () => {
  for (let c = 0; c < 128; c++) {
    assert.equal(ALAW_TO_LINEAR[c | 0x80] + ALAW_TO_LINEAR[c], 0);
    assert.equal(ULAW_TO_LINEAR[c | 0x80] + ULAW_TO_LINEAR[c], 0);
  }
});

test('every code word survives decode then encode (mu-law negative zero becomes positive zero)', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(linearToAlaw(ALAW_TO_LINEAR[c]), c);
    assert.equal(linearToUlaw(ULAW_TO_LINEAR[c]), c === 0x7f ? 0xff : c);
  }
});

test('encode then decode stays within half a quantisation step (|x|/32 + 8)', () => {
  fc.assert(
    fc.property(fc.integer({ min: -32000, max: 32000 }), (x) => {
      assert.ok(Math.abs(ALAW_TO_LINEAR[linearToAlaw(x)] - x) <= Math.abs(x) / 32 + 8);
      assert.ok(Math.abs(ULAW_TO_LINEAR[linearToUlaw(x)] - x) <= Math.abs(x) / 32 + 8);
    }),
  );
});

test('buffer decoders use the tables', () => {
  assert.deepEqual([...decodeAlaw(Buffer.from([0xd5, 0xaa]))], [8, 32256]);
  assert.deepEqual([...decodeUlaw(Buffer.from([0xff, 0x80, 0x00]))], [0, 32124, -32124]);
});
