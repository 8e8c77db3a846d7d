/**
 * ha/takeover/invite.ts: the stored INVITE re-injected on a takeover gets the marker right after the request line,
 * loses any X-CTI-Takeover it carried (any case, folded lines too), and keeps everything else byte for byte
 * (Via branch, CSeq, body: the gateway's transaction must match the new node's responses, RFC 3261 17.1.3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markedInvite, TAKEOVER_HEADER } from '../../../control/src/ha/takeover/invite.ts';
import { CtiError } from '../../../control/src/errors/catalogue.ts';

const BODY = 'v=0\r\no=- 1 1 IN IP4 198.18.0.20\r\ns=-\r\nc=IN IP4 198.18.0.20\r\nt=0 0\r\nm=audio 16200 RTP/AVP 8\r\n';
const invite = (extra = ''): Buffer => Buffer.from([
  'INVITE sip:120@198.18.0.100:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 198.18.0.20:5082;branch=z9hG4bK-1-1-0',
  'From: "\xb2\xe2\xca\xd4" <sip:13900000000@198.18.0.20:5082>;tag=1SIPpTag001',
  'To: <sip:120@198.18.0.100:5060>',
  'Call-ID: 1-1@198.18.0.20',
  'CSeq: 1 INVITE',
  ...(extra ? [extra] : []),
  'Max-Forwards: 70',
  'Content-Type: application/sdp',
  `Content-Length: ${BODY.length}`,
  '',
  BODY,
].join('\r\n'), 'latin1');

test('takeover-invite-marked: the marker follows the request line; headers and body are kept byte for byte', () => {
  const raw = invite();
  const out = markedInvite(raw, 'abcdefgh12345678');
  const lines = out.toString('latin1').split('\r\n');
  assert.equal(lines[0], 'INVITE sip:120@198.18.0.100:5060 SIP/2.0');
  assert.equal(lines[1], `${TAKEOVER_HEADER}: abcdefgh12345678`);
  const without = Buffer.from(out.toString('latin1').replace(`${TAKEOVER_HEADER}: abcdefgh12345678\r\n`, ''), 'latin1');
  assert.deepEqual(without, raw, 'nothing else changed (GBK display name bytes included)');
});

test('takeover-invite-marked: an X-CTI-Takeover already present (any case, folded) is replaced, never kept', () => {
  const out = markedInvite(invite('x-cti-takeover : forged\r\n  continued'), 'abcdefgh12345678').toString('latin1');
  assert.equal(out.match(/x-cti-takeover/gi)?.length, 1);
  assert.ok(!out.includes('forged') && !out.includes('continued'));
  assert.ok(out.includes('Max-Forwards: 70\r\n'));
});

test('takeover-invite-marked: not an INVITE, no header end, or a bad marker: coded errors', () => {
  const code = (f: () => unknown): string => {
    try { f(); } catch (e) { return (e as CtiError).code; }
    return 'none';
  };
  assert.equal(code(() => markedInvite(Buffer.from('BYE sip:a@b SIP/2.0\r\n\r\n'), 'abcdefgh12345678')), 'CTI_TAKEOVER_INVITE_MALFORMED');
  assert.equal(code(() => markedInvite(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x'), 'abcdefgh12345678')), 'CTI_TAKEOVER_INVITE_MALFORMED');
  assert.equal(code(() => markedInvite(invite(), 'bad marker\r\nX: y')), 'CTI_BAD_REQUEST');
});
