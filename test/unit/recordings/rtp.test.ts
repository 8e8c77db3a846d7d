import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRtp, looksLikeRtcp, parseRtp } from '../../../recordings/src/rtp.ts';

test('parses the RFC 3550 fixed header', () => {
  const pkt = buildRtp({ payloadType: 8, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true }, Buffer.from([1, 2, 3]));
  const p = parseRtp(pkt);
  assert.ok(p);
  assert.equal(p.version, 2);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 8);
  assert.equal(p.sequenceNumber, 65535);
  assert.equal(p.timestamp, 0xfffffff0);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual([...p.payload], [1, 2, 3]);
});

test('skips the CSRC list, the header extension, and padding (§5.1, §5.3.1)', () => {
  const header = Buffer.from([
    0xb2, 0x00, 0x00, 0x01, // V=2 P=1 X=1 CC=2, PT 0, seq 1
    0x00, 0x00, 0x00, 0xa0, // timestamp 160
    0x11, 0x22, 0x33, 0x44, // SSRC
    0x00, 0x00, 0x00, 0x0a, // CSRC 10
    0x00, 0x00, 0x00, 0x0b, // CSRC 11
    0xbe, 0xde, 0x00, 0x01, // extension profile 0xBEDE, 1 word
    0x10, 0xaa, 0x00, 0x00, // extension data
  ]);
  const pkt = Buffer.concat([header, Buffer.from([0x7f, 0x7e]), Buffer.from([0, 0, 3])]);
  const p = parseRtp(pkt);
  assert.ok(p);
  assert.deepEqual(p.csrc, [10, 11]);
  assert.equal(p.extension?.profile, 0xbede);
  assert.deepEqual([...p.extension!.data], [0x10, 0xaa, 0, 0]);
  assert.equal(p.padding, true);
  assert.deepEqual([...p.payload], [0x7f, 0x7e]);
});

test('rejects what is not valid RTP', () => {
  assert.equal(parseRtp(Buffer.alloc(11)), undefined); // short
  const v1 = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.alloc(4));
  v1[0] = 0x40;
  assert.equal(parseRtp(v1), undefined); // version 1
  const cc = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.alloc(4));
  cc[0] = 0x8f; // 15 CSRCs do not fit
  assert.equal(parseRtp(cc), undefined);
  const pad = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.from([1, 2, 0]));
  pad[0] |= 0x20; // padding count 0 is invalid
  assert.equal(parseRtp(pad), undefined);
  const ext = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, Buffer.from([0, 0, 0, 9]));
  ext[0] |= 0x10; // extension claims 9 words
  assert.equal(parseRtp(ext), undefined);
});

test('tells RTCP from RTP (RFC 5761 §4)', () => {
  const sr = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(looksLikeRtcp(sr), true);
  assert.equal(parseRtp(sr), undefined);
  assert.equal(looksLikeRtcp(buildRtp({ payloadType: 101, sequenceNumber: 1, timestamp: 1, ssrc: 1, marker: true }, Buffer.alloc(4))), false);
});
