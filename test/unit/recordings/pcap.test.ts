import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUdp, LINKTYPE, parseGlobalHeader, readPcap, readPcapFile, readUdpDatagrams, type PcapStats } from '../../../recordings/src/pcap.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { buildPcap, ethernet, ipv4Udp, ipv6Udp } from './support/pcap-builder.ts';

const T0 = 1_795_686_545_384.267;
const payload = (n: number) => Buffer.from([0x80, 8, 0, n, 0, 0, 0, 0, 0, 0, 0, 1, n]);

function sample(): Buffer[] {
  return [
    ethernet(ipv4Udp('127.0.0.1', 46015, '127.0.0.1', 51436, payload(1))),
    ethernet(ipv4Udp('10.0.0.2', 5004, '10.0.0.1', 40000, payload(2)), 0x0800, 42), // 802.1Q
    ethernet(Buffer.alloc(28), 0x0806), // ARP: skipped
    ethernet(ipv4Udp('127.0.0.1', 1, '127.0.0.1', 2, Buffer.alloc(4), { protocol: 6 })), // TCP: skipped
    ethernet(ipv4Udp('127.0.0.1', 1, '127.0.0.1', 2, Buffer.alloc(4), { flagsFragment: 0x2000 })), // fragment: skipped
    ethernet(ipv6Udp(Buffer.from('20010db8000000000000000000000001', 'hex'), 7000, Buffer.from('00000000000000000000000000000001', 'hex'), 7002, payload(3)), 0x86dd),
  ];
}

for (const littleEndian of [true, false]) {
  for (const nanosecond of [false, true]) {
    test(`reads ${littleEndian ? 'little' : 'big'}-endian ${nanosecond ? 'nanosecond' : 'microsecond'} files`, () => {
      const frames = sample();
      const file = buildPcap(frames.map((frame, i) => ({ timeMs: T0 + 20 * i, frame })), { littleEndian, nanosecond });
      const { header, records, truncatedTail } = readPcap(file);
      assert.equal(header.littleEndian, littleEndian);
      assert.equal(header.nanosecond, nanosecond);
      assert.equal(header.linkType, LINKTYPE.ETHERNET);
      assert.equal(header.versionMajor, 2);
      assert.equal(truncatedTail, false);
      assert.equal(records.length, 6);
      assert.ok(Math.abs(records[1].timeMs - (T0 + 20)) < 0.001);
      const udp = records.map((r) => decodeUdp(header.linkType, r));
      assert.deepEqual(
        udp.map((u) => u && `${u.src}:${u.srcPort}>${u.dst}:${u.dstPort}#${u.payload.at(-1)}`),
        ['127.0.0.1:46015>127.0.0.1:51436#1', '10.0.0.2:5004>10.0.0.1:40000#2', undefined, undefined, undefined, '2001:db8::1:7000>::1:7002#3'],
      );
    });
  }
}

test('raw IPv4 link type and a record cut short by the snap length', () => {
  const full = ipv4Udp('192.0.2.1', 1000, '192.0.2.2', 2000, Buffer.alloc(160, 0xd5));
  const file = buildPcap(
    [
      { timeMs: T0, frame: full },
      { timeMs: T0 + 20, frame: full.subarray(0, 60), originalLength: full.length },
    ],
    { linkType: LINKTYPE.RAW },
  );
  const { header, records } = readPcap(file);
  assert.equal(decodeUdp(header.linkType, records[0])?.payload.length, 160);
  assert.equal(decodeUdp(header.linkType, records[1]), undefined);
});

test('a file that ends inside a record reports a truncated tail', () => {
  const file = buildPcap([{ timeMs: T0, frame: ethernet(ipv4Udp('127.0.0.1', 1, '127.0.0.1', 2, payload(1))) }]);
  const { records, truncatedTail } = readPcap(file.subarray(0, file.length - 3));
  assert.equal(records.length, 0);
  assert.equal(truncatedTail, true);
});

test('rejects what is not a pcap file with CTI_RECORDING_MALFORMED', () => {
  assert.throws(() => parseGlobalHeader(Buffer.alloc(24)), (e) => isCtiError(e, 'CTI_RECORDING_MALFORMED'));
  assert.throws(() => parseGlobalHeader(Buffer.from('0a0d0d0a', 'hex')), (e) => isCtiError(e, 'CTI_RECORDING_MALFORMED'));
});

test('streams a file in small chunks with the same result', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcap-test-'));
  try {
    const frames = Array.from({ length: 50 }, (_, i) => ethernet(ipv4Udp('127.0.0.1', 4000, '127.0.0.1', 5000, payload(i))));
    const path = join(dir, 'x.pcap');
    await writeFile(path, buildPcap(frames.map((frame, i) => ({ timeMs: T0 + i, frame })), { littleEndian: false }));
    let count = 0;
    for await (const r of readPcapFile(path, undefined, 37)) {
      assert.equal(r.data.at(-1), count);
      count++;
    }
    assert.equal(count, 50);
    const stats: PcapStats = { records: 0, udp: 0, skipped: 0, truncatedTail: false };
    const got = [];
    for await (const d of readUdpDatagrams(path, stats)) got.push(d.payload.at(-1));
    assert.equal(got.length, 50);
    assert.deepEqual(stats, { records: 50, udp: 50, skipped: 0, truncatedTail: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
