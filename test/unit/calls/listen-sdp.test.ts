/** Listen-in SDP (control/src/calls/media/listen-sdp.ts): distinct mids and ice-lite for the browser, rtpengine's mids back in the answer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserOffer, restoreMids } from '../../../control/src/calls/media/listen-sdp.ts';

// As rtpengine 10.5 answered `subscribe request` for two parties with generate-mid (trimmed).
const OFFER = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=rtpengine', 't=0 0',
  'm=audio 20038 UDP/TLS/RTP/SAVPF 8', 'c=IN IP4 127.0.0.1', 'a=mid:1', 'a=rtpmap:8 PCMA/8000', 'a=sendonly',
  'm=audio 20058 UDP/TLS/RTP/SAVPF 8', 'c=IN IP4 127.0.0.1', 'a=rtpmap:8 PCMA/8000', 'a=sendonly', ''].join('\r\n');

const mids = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('a=mid:'));

test('listen-sdp: each m-line gets its own mid, the session says ice-lite; the original mids are remembered by position', () => {
  const out = browserOffer(OFFER);
  const lines = out.sdp.split('\r\n');
  assert.equal(lines.filter((l) => l === 'a=ice-lite').length, 1);
  assert.ok(lines.indexOf('a=ice-lite') < lines.findIndex((l) => l.startsWith('m=')), 'ice-lite is a session-level attribute');
  assert.equal(browserOffer(out.sdp).sdp.split('\r\n').filter((l) => l === 'a=ice-lite').length, 1, 'not added twice');
  assert.deepEqual(mids(out.sdp), ['a=mid:0', 'a=mid:1']);
  assert.deepEqual(out.original, ['1', '']);
  assert.equal(out.sdp.split('\r\n').filter((l) => l.startsWith('m=')).length, 2);
  assert.ok(out.sdp.endsWith('\r\n') && !out.sdp.endsWith('\r\n\r\n'));
  assert.match(out.sdp, /^v=0\r\n/);
});

test('listen-sdp: the browser\'s answer gets rtpengine\'s mids back and loses its BUNDLE group', () => {
  const answer = ['v=0', 'o=- 9 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
    'm=audio 9 UDP/TLS/RTP/SAVPF 8', 'c=IN IP4 0.0.0.0', 'a=recvonly', 'a=mid:0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 8', 'c=IN IP4 0.0.0.0', 'a=recvonly', 'a=mid:1', ''].join('\n');
  const back = restoreMids(answer, ['1', '']);
  assert.deepEqual(mids(back), ['a=mid:1']);
  assert.doesNotMatch(back, /a=group:BUNDLE/);
  assert.equal(back.split('\r\n').filter((l) => l === 'a=recvonly').length, 2);
});
