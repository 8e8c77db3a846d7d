import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alawToLinear,
  decodeAlaw,
  encodeAlaw,
  internetChecksum,
  linearToAlaw,
  readPcap,
  rtpPackets,
  tone,
  tonePcap,
  tonePower,
  udpDatagrams,
  udpFrame,
  writePcap,
} from '../../support/audio.ts';

test('A-law encodes the G.711 reference points', () => {
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(linearToAlaw(-8), 0x55);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(linearToAlaw(1000), 0xfa);
  assert.equal(linearToAlaw(-1000), 0x7a);
});

test('A-law decodes to the interval midpoints of G.711 table 1a', () => {
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
});

test('every A-law code survives decode then encode', () => {
  for (let code = 0; code < 256; code++) assert.equal(linearToAlaw(alawToLinear(code)), code, `code ${code}`);
});

test('A-law is monotonic over the whole 16-bit range', () => {
  let previous = -Infinity;
  for (let x = -32768; x <= 32767; x++) {
    const y = alawToLinear(linearToAlaw(x));
    assert.ok(y >= previous, `non-monotonic at ${x}`);
    previous = y;
  }
});

test('quantisation error stays within one step of the segment', () => {
  for (let x = -32768; x <= 32767; x += 7) {
    const y = alawToLinear(linearToAlaw(x));
    const step = Math.abs(x) < 512 ? 16 : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 4);
    assert.ok(Math.abs(y - x) <= step, `x=${x} y=${y}`);
  }
});

test('a 440 Hz tone keeps its frequency through A-law', () => {
  const pcm = decodeAlaw(encodeAlaw(tone(440, 1)));
  assert.ok(tonePower(pcm, 440) > 100 * tonePower(pcm, 1000));
  const seat = decodeAlaw(encodeAlaw(tone(1000, 1)));
  assert.ok(tonePower(seat, 1000) > 100 * tonePower(seat, 440));
});

test('RTP packets: version 2, PT 8, 20 ms of samples, marker on the first, consecutive seq and timestamps', () => {
  const packets = rtpPackets(new Uint8Array(480), { payloadType: 8, ssrc: 0x01020304, firstSeq: 65535 });
  assert.equal(packets.length, 3);
  assert.equal(packets[0][0], 0x80);
  assert.equal(packets[0][1], 0x88);
  assert.equal(packets[1][1], 0x08);
  assert.deepEqual(packets.map((p) => p.readUInt16BE(2)), [65535, 0, 1]);
  assert.deepEqual(packets.map((p) => p.readUInt32BE(4)), [0, 160, 320]);
  assert.equal(packets[2].readUInt32BE(8), 0x01020304);
  assert.equal(packets[2].length, 12 + 160);
});

test('UDP frame: IPv4 header and UDP checksums verify (RFC 1071)', () => {
  const f = udpFrame({ ip: '127.0.0.1', port: 16000 }, { ip: '10.1.2.3', port: 16002 }, Buffer.from('hello'));
  assert.equal(f.readUInt16BE(12), 0x0800);
  assert.equal(internetChecksum(f.subarray(14, 34)), 0);
  const udp = f.subarray(34);
  const pseudo = Buffer.concat([f.subarray(26, 34), Buffer.from([0, 17]), udp.subarray(4, 6), udp]);
  assert.equal(internetChecksum(pseudo), 0);
  assert.equal(udp.readUInt16BE(4), 8 + 5);
});

test('UDP frame rejects an address that is not dotted IPv4', () => {
  assert.throws(() => udpFrame({ ip: '::1', port: 1 }, { ip: '127.0.0.1', port: 2 }, Buffer.alloc(1)), { code: 'CTI_BAD_REQUEST' });
});

test('pcap: header fields, and what is written reads back', () => {
  const frame = udpFrame({ ip: '127.0.0.1', port: 1 }, { ip: '127.0.0.1', port: 2 }, Buffer.from([1, 2, 3]));
  const file = writePcap([{ tsUs: 0, data: frame }, { tsUs: 1_020_000, data: frame }]);
  assert.equal(file.readUInt32LE(0), 0xa1b2c3d4);
  assert.equal(file.readUInt16LE(4), 2);
  assert.equal(file.readUInt16LE(6), 4);
  assert.equal(file.readUInt32LE(20), 1);
  const back = readPcap(file);
  assert.equal(back.records.length, 2);
  assert.equal(back.records[1].tsUs, 1_020_000);
  const dgrams = udpDatagrams(back);
  assert.deepEqual(dgrams[0].payload, Buffer.from([1, 2, 3]));
  assert.deepEqual(dgrams[0].dst, { ip: '127.0.0.1', port: 2 });
});

test('tone pcap: 5 s = 250 packets 20 ms apart, one stream, deterministic', () => {
  const spec = { freqHz: 1000, seconds: 5, ssrc: 7 };
  const file = tonePcap(spec);
  assert.deepEqual(file, tonePcap(spec));
  const dgrams = udpDatagrams(readPcap(file));
  assert.equal(dgrams.length, 250);
  assert.equal(dgrams[249].tsUs, 249 * 20_000);
  assert.ok(dgrams.every((d) => d.dst.port === 16002 && d.payload.length === 172 && d.payload[1] % 128 === 8));
  const pcm = decodeAlaw(Buffer.concat(dgrams.map((d) => d.payload.subarray(12))));
  assert.ok(tonePower(pcm, 1000) > 100 * tonePower(pcm, 440));
});

test('readPcap refuses pcapng', () => {
  assert.throws(() => readPcap(Buffer.from('0a0d0d0a00000000000000000000000000000000000000000000', 'hex')), { code: 'CTI_BAD_REQUEST' });
});

/** ITU-T G.191 STL g711.c alaw_compress, transcribed as an independent oracle. */
function g191AlawCompress(lin: number): number {
  let ix = lin < 0 ? ~lin >> 4 : lin >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (lin >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

test('encoder agrees with the G.191 reference algorithm for every 16-bit input', () => {
  for (let x = -32768; x <= 32767; x++) {
    if (linearToAlaw(x) !== g191AlawCompress(x)) assert.fail(`x=${x}: ${linearToAlaw(x)} vs ${g191AlawCompress(x)}`);
  }
});
