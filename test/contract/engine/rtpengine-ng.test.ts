/** NgClient against a real rtpengine 10.5 (userspace forwarding, table = -1) on loopback. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NgClient } from '../../../control/src/engine/rtpengine/ng-client.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { freePort, freePortRange, spawnDaemon, tempDir, type Daemon } from './support.ts';
import { writeToneWav } from './wav.ts';

let daemon: Daemon;
let ng: NgClient;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let mediaRange: [number, number];

before(async () => {
  tmp = await tempDir('rtpengine');
  const ngPort = await freePort();
  mediaRange = await freePortRange(20);
  const conf = path.join(tmp.dir, 'rtpengine.conf');
  await writeFile(conf, [
    '[rtpengine]',
    'table = -1',
    'interface = 127.0.0.1',
    `listen-ng = 127.0.0.1:${ngPort}`,
    `port-min = ${mediaRange[0]}`,
    `port-max = ${mediaRange[1]}`,
    'foreground = true',
    'log-stderr = true',
    'log-level = 5',
    'delete-delay = 0',
    '',
  ].join('\n'));
  ng = new NgClient({ host: '127.0.0.1', port: ngPort, timeoutMs: 300, retries: 1 });
  daemon = await spawnDaemon('rtpengine', [`--config-file=${conf}`, '--config-section=rtpengine'], {
    cwd: tmp.dir,
    ready: () => ng.ping().then(() => true),
  });
});

const created = new Set<string>();

after(async () => {
  // rtpengine 10.5 has dumped core on SIGTERM with sessions left over: delete them first
  // (delete of an already deleted call is only a warning, not an error).
  for (const callId of created) await ng.delete({ callId, deleteDelay: 0 });
  ng?.close();
  const code = await daemon?.stop();
  await tmp?.remove();
  assert.equal(code, 0, `rtpengine exited with ${code}`);
});

const sdp = (port: number, session: string): string =>
  ['v=0', `o=- ${session} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP 8 0`, 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

function mediaPort(body: string): number {
  const m = /^m=audio (\d+) RTP\/AVP/m.exec(body);
  assert.ok(m, `no audio m-line in\n${body}`);
  return Number(m[1]);
}

function inRange(port: number): boolean {
  return port >= mediaRange[0] && port <= mediaRange[1];
}

test('ping answers pong', async () => {
  await ng.ping();
});

test('offer, answer, query, list and delete a plain RTP/AVP call', async () => {
  const callId = `ct-${Date.now()}@cti120`;
  created.add(callId);
  const offered = await ng.offer({ callId, fromTag: 'caller-1', sdp: sdp(31000, '1'), options: { replace: ['origin', 'session-connection'], ICE: 'remove' } });
  assert.ok(inRange(mediaPort(offered.sdp)), 'offer SDP points at rtpengine\'s own port range');
  assert.match(offered.sdp, /^c=IN IP4 127\.0\.0\.1/m);
  assert.match(offered.sdp, /a=rtpmap:8 PCMA\/8000/);

  const answered = await ng.answer({ callId, fromTag: 'caller-1', toTag: 'seat-1', sdp: sdp(32000, '2') });
  const answerPort = mediaPort(answered.sdp);
  assert.ok(inRange(answerPort));
  assert.notEqual(answerPort, mediaPort(offered.sdp));

  const q = await ng.query(callId);
  assert.equal(typeof q.created, 'number');
  assert.ok(q.tags?.['caller-1'], 'query knows the caller tag');
  assert.ok(q.tags?.['seat-1'], 'query knows the seat tag');
  // rtpengine 10.5 reports the dialogue as subscriptions; "in dialogue with" from older READMEs is gone.
  const caller = q.tags['caller-1'] as { subscribers: { tag: string }[]; medias: { streams: Record<string, unknown>[] }[] };
  assert.deepEqual(caller.subscribers.map((s) => s.tag), ['seat-1']);
  const rtp = caller.medias[0].streams[0] as { 'local port': number; endpoint: { port: number } };
  assert.equal(rtp['local port'], answerPort, 'the caller sends to the port in the answer SDP');
  assert.equal(rtp.endpoint.port, 31000, 'rtpengine sends the caller\'s media to the port of its offer');

  assert.ok((await ng.list()).includes(callId));

  await ng.delete({ callId, fromTag: 'caller-1', deleteDelay: 0 });
  await assert.rejects(ng.query(callId), (e) => isCtiError(e, 'CTI_RTPENGINE_ERROR') && /unknown call/i.test(String((e.details as { reason: unknown }).reason)));
  assert.ok(!(await ng.list()).includes(callId));
});

test('an answer for an unknown call is refused with CTI_RTPENGINE_ERROR', async () => {
  await assert.rejects(
    ng.answer({ callId: 'no-such-call', fromTag: 'a', toTag: 'b', sdp: sdp(33000, '3') }),
    (e) => isCtiError(e, 'CTI_RTPENGINE_ERROR') && typeof (e.details as { reason: unknown }).reason === 'string',
  );
});

test('play media into a call, stop it, and subscribe to a party for listen-in', async () => {
  const callId = `pm-${Date.now()}@cti120`;
  created.add(callId);
  await ng.offer({ callId, fromTag: 'caller-2', sdp: sdp(34000, '4') });
  await ng.answer({ callId, fromTag: 'caller-2', toTag: 'seat-2', sdp: sdp(35000, '5') });
  const wav = path.join(tmp.dir, 'tone.wav');
  await writeToneWav(wav, { seconds: 2, hz: 440 });
  const played = await ng.playMedia({ callId, fromTag: 'caller-2', file: wav });
  assert.ok(played.duration !== undefined && played.duration >= 1900 && played.duration <= 2100, `duration ${played.duration}`);
  await ng.stopMedia({ callId, fromTag: 'caller-2' });

  const sub = await ng.subscribeRequest({ callId, fromTag: 'caller-2' });
  assert.ok(sub.toTag.length > 0);
  assert.deepEqual(sub.fromTags, ['caller-2']);
  assert.match(sub.sdp, /a=sendonly/);
  await ng.subscribeAnswer({ callId, toTag: sub.toTag, sdp: sdp(36000, '6').replace('a=sendrecv', 'a=recvonly') });
  await ng.unsubscribe({ callId, toTag: sub.toTag });
  await ng.delete({ callId, fromTag: 'caller-2', deleteDelay: 0 });
});

test('a dead NG port ends in CTI_ENGINE_UNAVAILABLE after the retries', async () => {
  const dead = new NgClient({ host: '127.0.0.1', port: await freePort(), timeoutMs: 50, retries: 1 });
  await assert.rejects(dead.ping(), (e) => isCtiError(e, 'CTI_ENGINE_UNAVAILABLE'));
  dead.close();
});
