/** The placeholder answer for early media (announcements/sdp.ts) and the queue's announcement plan (settings.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioFormats, placeholderAnswer } from '../../../control/src/announcements/sdp.ts';
import { announcementPlanOf } from '../../../control/src/queues/announcements.ts';
import { canHaveEarlyMedia, earlySdp } from '../../../control/src/announcements/early.ts';
import type { NgParams, NgReply } from '../../../control/src/engine/rtpengine/ng-client.ts';
import { mediaPath } from '../../../control/src/announcements/prompts.ts';

const OFFER = [
  'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 30000 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
].join('\r\n');

test('audioFormats lists the first audio m-line in order, static payload names filled in', () => {
  assert.deepEqual(audioFormats('v=0\r\nm=audio 4000 RTP/AVP 8 18\r\nm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n'),
    [{ pt: '8', name: 'PCMA/8000' }, { pt: '18', name: 'G729/8000' }]);
  assert.deepEqual(audioFormats('v=0\r\nm=video 5000 RTP/AVP 96\r\n'), []);
});

test('the placeholder answers with the first G.711 codec of the offer and DTMF, at the discard port on loopback', () => {
  const sdp = placeholderAnswer(OFFER, 42);
  assert.match(sdp, /^v=0\r\no=- 42 1 IN IP4 127\.0\.0\.1\r\n/);
  assert.match(sdp, /\r\nc=IN IP4 127\.0\.0\.1\r\n/);
  assert.match(sdp, /\r\nm=audio 9 RTP\/AVP 0 101\r\n/);
  assert.match(sdp, /a=rtpmap:0 PCMU\/8000\r\na=rtpmap:101 telephone-event\/8000\r\na=sendrecv\r\n$/);
});

test('an offer without a usable audio codec is a coded engine error, not a broken SDP', () => {
  assert.throws(() => placeholderAnswer('v=0\r\nm=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n'), { code: 'CTI_ENGINE_PROTOCOL' });
  assert.throws(() => placeholderAnswer('v=0\r\n'), { code: 'CTI_ENGINE_PROTOCOL' });
});

test('the placeholder is a branch of its own in rtpengine: offer and answer carry via-branch q-<from-tag> (seat branches carry theirs)', async () => {
  const sent: Array<[string, NgParams | undefined]> = [];
  const ng = {
    async request(command: string, params?: NgParams): Promise<NgReply> {
      sent.push([command, params]);
      return { result: 'ok', sdp: command === 'offer' ? OFFER : 'v=0\r\nanswered\r\n' };
    },
  };
  const sdp = await earlySdp(ng, { sipCallId: 'c1', fromTag: 'ft1', sdp: OFFER }, true);
  assert.equal(sdp, 'v=0\r\nanswered\r\n', 'the caller gets the answer\'s SDP');
  assert.deepEqual(sent.map(([c, p]) => [c, p?.['from-tag'], p?.['to-tag'], p?.['via-branch']]),
    [['offer', 'ft1', undefined, 'q-ft1'], ['answer', 'ft1', 'q-ft1', 'q-ft1']]);
  assert.equal(sent[0]![1]?.['record call'], 'yes', 'the screening flag still records from the offer on');
});

test('early media only for plain RTP callers with an SDP offer', () => {
  assert.equal(canHaveEarlyMedia(OFFER, 'udp'), true);
  assert.equal(canHaveEarlyMedia('', 'udp'), false, 'no SDP (late offer)');
  assert.equal(canHaveEarlyMedia(OFFER, 'ws'), false, 'a browser caller');
  assert.equal(canHaveEarlyMedia(OFFER.replace('RTP/AVP', 'UDP/TLS/RTP/SAVPF'), 'tcp'), false, 'WebRTC media');
});

test('announcement plan: defaults, ringback only, switched off, prompts cleared', () => {
  assert.deepEqual(announcementPlanOf(undefined), { play: true, greeting: 'entry', waiting: 'reassure', music: 'queue', repeatMs: 30_000 });
  assert.equal(announcementPlanOf({ ringback_only: true }).play, false);
  assert.equal(announcementPlanOf({ enabled: false }).play, false);
  const p = announcementPlanOf({ greeting: null, waiting: 'w', music: '', repeat_s: 2 });
  assert.equal(p.greeting, null);
  assert.equal(p.music, null);
  assert.equal(p.waiting, 'w');
  assert.equal(p.repeatMs, 30_000, 'below the 5 s minimum the default applies');
});

test('media names cannot leave the media folder', () => {
  assert.equal(mediaPath('/m', 'prompt', 'entry'), '/m/prompts/zh-CN/entry.wav');
  assert.equal(mediaPath('/m', 'music', 'queue'), '/m/music/queue.wav');
  for (const bad of ['../etc/passwd', 'a/b', '', 'x.wav']) assert.throws(() => mediaPath('/m', 'prompt', bad), { code: 'CTI_BAD_REQUEST' });
});
