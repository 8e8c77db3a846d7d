import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { isOutbound, OUTBOUND_METADATA, parseMetadata, parseMetadataFileName, sideByPort } from '../../../recordings/src/metadata.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

// Both fixtures were written by rtpengine 10.5.3.5 (Debian 12): an offer, a placeholder answer
// for early media (to-tag q-<from-tag>), then the seat's real answer; and a call with NG metadata.
const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('parses the exchanges of a real metadata file', async () => {
  const m = parseMetadata(await fixture('metadata-early-media.txt'));
  assert.equal(m.pcapPath, '/tmp/cti120-rtpengine-MJMj0g/spool/pcaps/explore2-1795686579617%40host-fe1c4d91eb50810f.pcap');
  assert.deepEqual(m.exchanges.map((e) => [e.mode, e.media[0].port, e.media[0].rtcpPort, e.rtpPacketsBefore]), [
    ['offer', 54954, 54955, 1],
    ['answer', 54968, 54969, 1],
    ['answer', 54982, 54983, 76],
  ]);
  assert.equal(m.exchanges[0].startedAtMs, 1795686579618.086);
  assert.equal(m.exchanges[0].connectionAddress, '127.0.0.1');
  assert.deepEqual(m.exchanges[0].media[0].formats, ['8', '0', '101']);
  assert.ok(m.exchanges[0].sdp.startsWith('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n'));
  assert.ok(m.exchanges[0].sdp.endsWith('a=rtcp:54955\r\n'));
  assert.equal(m.terminatedAtMs, 1795686582783.981);
  assert.equal(m.callStartLocal, '2026-11-26T09:49:39');
  assert.equal(m.callEndLocal, '2026-11-26T09:49:43');
  assert.equal(m.customMetadata, undefined);
  assert.equal(m.complete, true);
});

test('offer ports are where the seat sends, answer ports where the caller sends', async () => {
  const m = parseMetadata(await fixture('metadata-early-media.txt'));
  assert.deepEqual([...sideByPort(m)], [[54954, 'seat'], [54968, 'caller'], [54982, 'caller']]);
});

test('a port keeps the side of the exchange that named it first (re-INVITE from the seat)', async () => {
  const text = await fixture('metadata-early-media.txt');
  const reinvite = '\nTimestamp started ms: 1795686581200.000\nSDP mode: offer\nSDP before RTP packet: 90\n\nv=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 54982 RTP/AVP 8\r\n\n';
  const m = parseMetadata(text.replace('\nTimestamp terminated', `${reinvite}Timestamp terminated`));
  assert.equal(m.exchanges.length, 4);
  assert.equal(sideByPort(m).get(54982), 'caller');
});

test('a callback (the seat offered: NG metadata cti-direction:outbound) puts the person called back on the caller side', async () => {
  const text = await fixture('metadata-with-ng-metadata.txt');
  const inbound = parseMetadata(text);
  const outbound = parseMetadata(text.replace('centre=city|uuid=123', `centre=city|${OUTBOUND_METADATA}`));
  assert.equal(isOutbound(inbound), false);
  assert.equal(isOutbound(outbound), true);
  const a = [...sideByPort(inbound)];
  const b = [...sideByPort(outbound)];
  assert.deepEqual(b, a.map(([port, side]) => [port, side === 'caller' ? 'seat' : 'caller']), 'every port on the other side');
});

test('keeps the NG metadata string', async () => {
  const m = parseMetadata(await fixture('metadata-with-ng-metadata.txt'));
  assert.equal(m.customMetadata, 'centre=city|uuid=123');
  assert.equal(m.exchanges.length, 2);
});

test('a file without its closing lines is incomplete; one without a pcap path is malformed', async () => {
  const text = await fixture('metadata-with-ng-metadata.txt');
  assert.equal(parseMetadata(text.slice(0, text.indexOf('Timestamp terminated'))).complete, false);
  assert.throws(() => parseMetadata('hello\n'), (e) => isCtiError(e, 'CTI_RECORDING_MALFORMED'));
});

test('file names decode to the SIP Call-ID (glib URI escaping) and the recording hash', () => {
  assert.deepEqual(parseMetadataFileName('rtpengine-meta-a%2Fb%20c%3Bd%25e%40x.y~_1795686599364-8df43ace69ced697.txt'), {
    callId: 'a/b c;d%e@x.y~_1795686599364',
    escapedCallId: 'a%2Fb%20c%3Bd%25e%40x.y~_1795686599364',
    hash: '8df43ace69ced697',
  });
  assert.equal(parseMetadataFileName('rtpengine-meta-x.tmp'), undefined);
  assert.equal(parseMetadataFileName('rtpengine-meta-bad%zz-0123456789abcdef.txt')?.callId, 'bad%zz');
});
