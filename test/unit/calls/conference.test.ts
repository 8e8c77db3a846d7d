import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJoinable, participantTransition, roomTransition } from '../../../control/src/calls/conference/machine.ts';
import { audioTarget, janusAnswer } from '../../../control/src/calls/conference/sdp.ts';
import { anchorTransition, mayStartAnchor } from '../../../control/src/calls/conference/anchor-machine.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const illegal = (fn: () => unknown) => assert.throws(fn, (e) => isCtiError(e, 'CTI_CONFERENCE_ILLEGAL_TRANSITION'));

test('room: creating -> open -> closing; nothing leaves closing; a failed create closes', () => {
  assert.equal(roomTransition('creating', 'open', 'r'), 'open');
  assert.equal(roomTransition('open', 'closing', 'r'), 'closing');
  assert.equal(roomTransition('creating', 'closing', 'r'), 'closing');
  illegal(() => roomTransition('closing', 'open', 'r'));
  illegal(() => roomTransition('open', 'creating', 'r'));
});

test('participant: joining -> joined <-> muted -> left; left is final', () => {
  assert.equal(participantTransition('joining', 'joined', 'p'), 'joined');
  assert.equal(participantTransition('joined', 'muted', 'p'), 'muted');
  assert.equal(participantTransition('muted', 'joined', 'p'), 'joined');
  assert.equal(participantTransition('muted', 'left', 'p'), 'left');
  assert.equal(participantTransition('joining', 'left', 'p'), 'left');
  illegal(() => participantTransition('left', 'joined', 'p'));
  illegal(() => participantTransition('joined', 'joining', 'p'));
});

test('only an open room takes parties', () => {
  assertJoinable('open', 'r');
  illegal(() => assertJoinable('creating', 'r'));
  illegal(() => assertJoinable('closing', 'r'));
});

test('the audio target of rtpengine\'s offer: media-level c= wins, PCMA preferred', () => {
  const sdp = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 20002 RTP/AVP 0 8 101\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:8 PCMA/8000\r\n';
  assert.deepEqual(audioTarget(sdp), { ip: '127.0.0.1', port: 20002, payloadType: 8 });
  const session = 'v=0\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 3000 RTP/AVP 0\r\n';
  assert.deepEqual(audioTarget(session), { ip: '127.0.0.2', port: 3000, payloadType: 0 });
});

test('an SDP without G.711 audio is a coded error', () => {
  assert.throws(() => audioTarget('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 111\r\n'), (e) => isCtiError(e, 'CTI_BAD_REQUEST'));
  assert.throws(() => audioTarget('v=0\r\n'), (e) => isCtiError(e, 'CTI_BAD_REQUEST'));
});

test('Janus\'s answer names its RTP address and the one codec', () => {
  const sdp = janusAnswer('127.0.0.1', 21004, 8, '77');
  assert.match(sdp, /^v=0\r\n/);
  assert.match(sdp, /\r\nc=IN IP4 127\.0\.0\.1\r\n/);
  assert.match(sdp, /\r\nm=audio 21004 RTP\/AVP 8\r\na=rtpmap:8 PCMA\/8000\r\n/);
  assert.deepEqual(audioTarget(sdp), { ip: '127.0.0.1', port: 21004, payloadType: 8 });
});

test('a Contact header value gives its URI (the BYE\'s Request-URI)', async () => {
  const { contactUri } = await import('../../../control/src/calls/conference/legs.ts');
  assert.equal(contactUri('<sip:119@127.0.0.1:13200;transport=UDP>'), 'sip:119@127.0.0.1:13200;transport=UDP');
  assert.equal(contactUri('"110 指挥中心" <sip:110@10.0.0.1>;expires=60'), 'sip:110@10.0.0.1');
  assert.equal(contactUri('sip:122@10.0.0.2:5060;expires=60'), 'sip:122@10.0.0.2:5060');
});

test('three-way anchor: requested -> seat_in_room -> anchored -> ended; fails only before the caller is in; one at a time', () => {
  assert.equal(anchorTransition('requested', 'seat_in_room', 'c'), 'seat_in_room');
  assert.equal(anchorTransition('seat_in_room', 'anchored', 'c'), 'anchored');
  assert.equal(anchorTransition('anchored', 'ended', 'c'), 'ended');
  assert.equal(anchorTransition('requested', 'failed', 'c'), 'failed');
  assert.equal(anchorTransition('seat_in_room', 'failed', 'c'), 'failed');
  illegal(() => anchorTransition('requested', 'anchored', 'c')); // the seat moves first
  illegal(() => anchorTransition('anchored', 'failed', 'c'));
  illegal(() => anchorTransition('failed', 'requested', 'c'));
  assert.equal(mayStartAnchor(undefined), true);
  assert.equal(mayStartAnchor('failed'), true);
  assert.equal(mayStartAnchor('ended'), true);
  for (const live of ['requested', 'seat_in_room', 'anchored'] as const) assert.equal(mayStartAnchor(live), false, live);
});
