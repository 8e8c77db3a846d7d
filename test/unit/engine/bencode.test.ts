import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bdecode, bencode, type BencodeValue } from '../../../control/src/engine/rtpengine/bencode.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const enc = (v: unknown): string => bencode(v).toString('latin1');
const isProtocolError = (e: unknown): boolean => isCtiError(e, 'CTI_ENGINE_PROTOCOL');

test('encodes the BEP 3 vectors', () => {
  assert.equal(enc('spam'), '4:spam');
  assert.equal(enc(''), '0:');
  assert.equal(enc(3), 'i3e');
  assert.equal(enc(-3), 'i-3e');
  assert.equal(enc(0), 'i0e');
  assert.equal(enc(['spam', 'eggs']), 'l4:spam4:eggse');
  assert.equal(enc({ cow: 'moo', spam: 'eggs' }), 'd3:cow3:moo4:spam4:eggse');
  assert.equal(enc({ spam: ['a', 'b'] }), 'd4:spaml1:a1:bee');
});

test('encodes the NG ping from the rtpengine docs', () => {
  assert.equal(enc({ command: 'ping' }), 'd7:command4:pinge');
});

test('sorts dictionary keys by raw bytes and skips undefined/null values', () => {
  assert.equal(enc({ zeta: 1, Alpha: 2, alpha: 3, 'from-tag': 'f', skip: undefined, none: null }), 'd5:Alphai2e5:alphai3e8:from-tag1:f4:zetai1ee');
});

test('string lengths are UTF-8 byte counts; Buffers are written verbatim', () => {
  assert.equal(bencode('急救').toString('utf8'), '6:急救');
  assert.deepEqual(bencode(Buffer.from([0, 255])), Buffer.from([0x32, 0x3a, 0, 255]));
});

test('refuses values bencode cannot express', () => {
  for (const v of [1.5, NaN, Infinity, true, null, () => 1, new Date(), [null], Symbol('x')]) {
    assert.throws(() => bencode(v), isProtocolError, String(v?.toString?.() ?? v));
  }
});

test('decodes BEP 3 vectors', () => {
  assert.equal(bdecode('4:spam'), 'spam');
  assert.equal(bdecode('i3e'), 3);
  assert.equal(bdecode('i-3e'), -3);
  assert.deepEqual(bdecode('l4:spam4:eggse'), ['spam', 'eggs']);
  assert.deepEqual(bdecode('d3:cow3:moo4:spam4:eggse'), { cow: 'moo', spam: 'eggs' });
  assert.deepEqual(bdecode('de'), {});
  assert.deepEqual(bdecode('le'), []);
});

test('decodes an rtpengine-style reply with unsorted keys and nested values', () => {
  const raw = 'd6:result2:ok3:sdp10:v=0\r\no=-\r\n7:createdi1700000000e4:tagsd1:ad5:medialeeee';
  assert.deepEqual(bdecode(raw), { result: 'ok', sdp: 'v=0\r\no=-\r\n', created: 1700000000, tags: { a: { media: [] } } });
});

test('strings option buffer keeps byte strings as Buffers', () => {
  const v = bdecode(Buffer.from([0x64, 0x31, 0x3a, 0x62, 0x32, 0x3a, 0xff, 0x00, 0x65]), { strings: 'buffer' }) as Record<string, Buffer>;
  assert.deepEqual([...v.b], [0xff, 0x00]);
});

test('integers beyond 2^53 decode losslessly as bigint', () => {
  assert.equal(bdecode('i18446744073709551615e'), 18446744073709551615n);
  assert.equal(enc(18446744073709551615n), 'i18446744073709551615e');
});

test('a "__proto__" key is plain data, not a prototype change', () => {
  const v = bdecode('d9:__proto__d1:xi1eee') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(Object.keys(v), ['__proto__']);
  assert.equal((v as { x?: unknown }).x, undefined);
});

for (const bad of ['', 'i', 'ie', 'i-0e', 'i03e', 'i1.5e', 'i12', '4:abc', '04:abcd', '-1:a', 'l', 'li1e', 'd', 'di1ei2ee', 'd1:ae',
  'x', '4:spamX', 'i1ei2e', '3abc', 'd1:a']) {
  test(`rejects malformed ${JSON.stringify(bad)} with CTI_ENGINE_PROTOCOL`, () => {
    assert.throws(() => bdecode(bad), isProtocolError);
  });
}

test('rejects nesting deeper than maxDepth', () => {
  assert.throws(() => bdecode('l'.repeat(100) + 'e'.repeat(100)), isProtocolError);
  assert.deepEqual(bdecode('llee', { maxDepth: 2 }), [[]]);
});

const valueArb: fc.Arbitrary<BencodeValue> = fc.letrec<{ v: BencodeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), tie('v'), { maxKeys: 5, noNullPrototype: true }),
  ),
})).v;

test('property: decode(encode(v)) equals v, and encoding is canonical', () => {
  fc.assert(
    fc.property(valueArb, (v) => {
      const wire = bencode(v);
      const back = bdecode(wire);
      assert.deepEqual(back, v);
      assert.deepEqual(bencode(back), wire);
    }),
    { numRuns: 300 },
  );
});
