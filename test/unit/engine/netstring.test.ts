import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeNetstring, NetstringDecoder } from '../../../control/src/engine/evapi/netstring.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const text = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('utf8'));
const isProtocolError = (e: unknown): boolean => isCtiError(e, 'CTI_ENGINE_PROTOCOL');

test('encodes the vectors from the netstrings spec', () => {
  assert.equal(encodeNetstring('hello world!').toString(), '12:hello world!,');
  assert.equal(encodeNetstring('').toString(), '0:,');
  assert.deepEqual(encodeNetstring(Buffer.from([0, 0x2c, 0xff])), Buffer.from([0x33, 0x3a, 0, 0x2c, 0xff, 0x2c]));
});

test('length counts UTF-8 bytes, not characters', () => {
  assert.equal(encodeNetstring('急救"120"').toString(), '11:急救"120",');
});

test('decodes several messages joined in one chunk', () => {
  const d = new NetstringDecoder();
  assert.deepEqual(text(d.push(Buffer.from('3:abc,0:,5:a,b,c,'))), ['abc', '', 'a,b,c']);
  assert.equal(d.pending, 0);
});

test('decodes a message split at every byte position', () => {
  const wire = Buffer.concat([encodeNetstring('{"event":"queue","callid":"x"}'), encodeNetstring('急救')]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const d = new NetstringDecoder();
    const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    assert.deepEqual(text(got), ['{"event":"queue","callid":"x"}', '急救'], `cut at ${cut}`);
  }
});

test('decodes one byte at a time', () => {
  const wire = Buffer.from('12:hello world!,1:x,');
  const d = new NetstringDecoder();
  const got: Buffer[] = [];
  for (const b of wire) got.push(...d.push(Buffer.from([b])));
  assert.deepEqual(text(got), ['hello world!', 'x']);
});

test('payloads stay intact when the caller reuses its chunk buffer', () => {
  const d = new NetstringDecoder();
  const chunk = Buffer.from('3:abc,');
  const [p] = d.push(chunk);
  chunk.fill(0x7a);
  assert.equal(p.toString(), 'abc');
});

for (const [name, wire] of [
  ['a non-digit in the length', 'x3:abc,'],
  ['a missing trailing comma', '3:abcd'],
  ['an empty length', ':abc,'],
  ['a leading zero', '03:abc,'],
  ['a negative length', '-3:abc,'],
] as const) {
  test(`rejects ${name} with CTI_ENGINE_PROTOCOL`, () => {
    const d = new NetstringDecoder();
    assert.throws(() => d.push(Buffer.from(wire)), isProtocolError);
  });
}

test('rejects a message over the maximum size before it arrives', () => {
  const d = new NetstringDecoder({ maxLength: 100 });
  assert.throws(() => d.push(Buffer.from('101:')), isProtocolError);
  const d2 = new NetstringDecoder({ maxLength: 100 });
  assert.throws(() => d2.push(Buffer.from('1000')), isProtocolError, 'too many digits fails without the colon');
  assert.deepEqual(text(new NetstringDecoder({ maxLength: 100 }).push(encodeNetstring('y'.repeat(100)))), ['y'.repeat(100)]);
});

test('default maximum is 1 MiB', () => {
  const d = new NetstringDecoder();
  assert.equal(d.maxLength, 1024 * 1024);
  assert.throws(() => d.push(Buffer.from(`${1024 * 1024 + 1}:`)), isProtocolError);
});

test('hands over the payloads that preceded a bad frame, then works again after reset', () => {
  const d = new NetstringDecoder();
  const out: Buffer[] = [];
  assert.throws(() => d.push(Buffer.from('2:ok,3:abcX'), out), isProtocolError);
  assert.deepEqual(text(out), ['ok']);
  d.reset();
  assert.equal(d.pending, 0);
  assert.deepEqual(text(d.push(Buffer.from('4:next,'))), ['next']);
});

test('property: any sequence of payloads, cut into any chunks, decodes to itself', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (payloads, cuts) => {
        const wire = Buffer.concat(payloads.map((p) => encodeNetstring(Buffer.from(p))));
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const d = new NetstringDecoder();
        const got: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          d.push(wire.subarray(prev, p), got);
          prev = p;
        }
        assert.deepEqual(got.map((b) => [...b]), payloads.map((p) => [...p]));
        assert.equal(d.pending, 0);
      },
    ),
  );
});
