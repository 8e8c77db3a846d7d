/** NgClient against an in-process UDP peer (a fake rtpengine) to pin down framing, retransmission and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { NgClient } from '../../../control/src/engine/rtpengine/ng-client.ts';
import { bdecode, bencode } from '../../../control/src/engine/rtpengine/bencode.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

type Handler = (cookie: string, req: Record<string, unknown>, count: number) => Buffer | Record<string, unknown> | null;

async function fakeRtpengine(handler: Handler): Promise<{ port: number; seen: string[]; close(): void }> {
  const sock = dgram.createSocket('udp4');
  const seen: string[] = [];
  sock.on('message', (msg, rinfo) => {
    const sp = msg.indexOf(0x20);
    const cookie = msg.toString('latin1', 0, sp);
    seen.push(cookie);
    const reply = handler(cookie, bdecode(msg.subarray(sp + 1)) as Record<string, unknown>, seen.filter((c) => c === cookie).length);
    if (reply === null) return;
    const body = Buffer.isBuffer(reply) ? reply : bencode(reply);
    sock.send(Buffer.concat([Buffer.from(`${cookie} `), body]), rinfo.port, rinfo.address);
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return { port: sock.address().port, seen, close: () => sock.close() };
}

test('frames "<cookie> <bencoded dict>" and resolves with the reply dictionary', async () => {
  let request: Record<string, unknown> = {};
  const peer = await fakeRtpengine((_c, req) => {
    request = req;
    return { result: 'ok', sdp: 'v=0\r\n', created: 5 };
  });
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port });
  const r = await ng.offer({ callId: 'c1', fromTag: 'f1', sdp: 'v=0\r\n', flags: ['trust-address'], options: { ICE: 'remove' } });
  assert.deepEqual(request, { command: 'offer', 'call-id': 'c1', 'from-tag': 'f1', sdp: 'v=0\r\n', flags: ['trust-address'], ICE: 'remove' });
  assert.equal(r.sdp, 'v=0\r\n');
  assert.equal(r.created, 5);
  ng.close();
  peer.close();
});

test('retransmits with the same cookie after a timeout', async () => {
  const peer = await fakeRtpengine((_c, _req, n) => (n < 3 ? null : { result: 'pong' }));
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port, timeoutMs: 50, retries: 2 });
  await ng.ping();
  assert.equal(peer.seen.length, 3);
  assert.equal(new Set(peer.seen).size, 1);
  ng.close();
  peer.close();
});

test('gives up with CTI_ENGINE_UNAVAILABLE after 1 + retries attempts', async () => {
  const peer = await fakeRtpengine(() => null);
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port, timeoutMs: 30, retries: 1 });
  await assert.rejects(ng.request('ping'), (e) => isCtiError(e, 'CTI_ENGINE_UNAVAILABLE') && (e.details as { attempts: number }).attempts === 2);
  assert.equal(peer.seen.length, 2);
  ng.close();
  peer.close();
});

test('result "error" becomes CTI_RTPENGINE_ERROR carrying error-reason', async () => {
  const peer = await fakeRtpengine(() => ({ result: 'error', 'error-reason': 'Unknown call-id' }));
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port });
  await assert.rejects(ng.query('nope'), (e) => isCtiError(e, 'CTI_RTPENGINE_ERROR') && (e.details as { reason: string }).reason === 'Unknown call-id');
  ng.close();
  peer.close();
});

test('an undecodable reply rejects with CTI_ENGINE_PROTOCOL', async () => {
  const peer = await fakeRtpengine(() => Buffer.from('d6:result'));
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port });
  await assert.rejects(ng.request('ping'), (e) => isCtiError(e, 'CTI_ENGINE_PROTOCOL'));
  ng.close();
  peer.close();
});

test('concurrent requests are matched by cookie even when replies come back out of order', async () => {
  const held: (() => void)[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const sp = msg.indexOf(0x20);
    const cookie = msg.toString('latin1', 0, sp);
    const req = bdecode(msg.subarray(sp + 1)) as Record<string, string>;
    held.push(() => sock.send(Buffer.concat([Buffer.from(`${cookie} `), bencode({ result: 'ok', echo: req['call-id'] })]), rinfo.port, rinfo.address));
    if (held.length === 3) held.reverse().forEach((f) => f());
  });
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const ng = new NgClient({ host: '127.0.0.1', port: sock.address().port });
  const replies = await Promise.all(['a', 'b', 'c'].map((id) => ng.request('query', { 'call-id': id })));
  assert.deepEqual(replies.map((r) => r.echo), ['a', 'b', 'c']);
  ng.close();
  sock.close();
});

test('playMedia sends file or blob and repeat-times; refuses both or neither', async () => {
  const reqs: Record<string, unknown>[] = [];
  const peer = await fakeRtpengine((_c, req) => {
    reqs.push(req);
    return { result: 'ok', duration: 1500 };
  });
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port });
  assert.deepEqual(await ng.playMedia({ callId: 'c', fromTag: 'f', file: '/x.wav', repeatTimes: 3 }), { duration: 1500 });
  assert.deepEqual(reqs[0], { command: 'play media', 'call-id': 'c', 'from-tag': 'f', file: '/x.wav', 'repeat-times': 3 });
  await assert.rejects(ng.playMedia({ callId: 'c', fromTag: 'f' }), (e) => isCtiError(e, 'CTI_BAD_REQUEST'));
  await assert.rejects(ng.playMedia({ callId: 'c', fromTag: 'f', file: 'a', blob: Buffer.from('b') }), (e) => isCtiError(e, 'CTI_BAD_REQUEST'));
  ng.close();
  peer.close();
});

test('close() rejects what is still pending', async () => {
  const peer = await fakeRtpengine(() => null);
  const ng = new NgClient({ host: '127.0.0.1', port: peer.port, timeoutMs: 5000 });
  const p = ng.request('ping');
  ng.close();
  await assert.rejects(p, (e) => isCtiError(e, 'CTI_ENGINE_UNAVAILABLE'));
  peer.close();
});
