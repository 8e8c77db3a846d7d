/**
 * ha/takeover/final-response.ts: the final response to a queued caller the surviving node cannot take over is built
 * from the stored INVITE (RFC 3261 8.2.6: every Via in order, From, To with a To-tag, Call-ID, CSeq) and sent where
 * RFC 3261 18.2.2 says (top Via: `received` else sent-by host, sent-by port, default 5060/5061).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseTarget, temporarilyUnavailable } from '../../../control/src/ha/takeover/final-response.ts';

const invite = (vias: string[], to = 'To: <sip:120@198.18.0.100>'): Buffer => Buffer.from([
  'INVITE sip:120@198.18.0.100 SIP/2.0',
  ...vias,
  'From: "caller" <sip:13900000000@198.18.0.20>;tag=abc',
  to,
  'Call-ID: 1-1@198.18.0.20',
  'CSeq: 7 INVITE',
  'Contact: <sip:13900000000@198.18.0.20:5082;transport=tcp>',
  'Content-Length: 0',
  '', '',
].join('\r\n'), 'latin1');

test('takeover-final-response: 480 with Retry-After, every Via in order, a To-tag added, Call-ID and CSeq kept', () => {
  const raw = invite(['Via: SIP/2.0/TCP 198.18.0.20:5082;branch=z9hG4bK-a', 'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b']);
  const lines = temporarilyUnavailable(raw, 1).toString('latin1').split('\r\n');
  assert.equal(lines[0], 'SIP/2.0 480 Temporarily Unavailable');
  assert.deepEqual(lines.slice(1, 3), ['Via: SIP/2.0/TCP 198.18.0.20:5082;branch=z9hG4bK-a', 'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-b']);
  assert.match(lines.find((l) => l.startsWith('To:'))!, /^To: <sip:120@198\.18\.0\.100>;tag=[0-9a-f]{16}$/);
  for (const h of ['From: "caller" <sip:13900000000@198.18.0.20>;tag=abc', 'Call-ID: 1-1@198.18.0.20', 'CSeq: 7 INVITE', 'Retry-After: 1', 'Content-Length: 0']) {
    assert.ok(lines.includes(h), h);
  }
  assert.ok(!lines.some((l) => l.startsWith('Contact')), 'no Contact in a 4xx');
  assert.ok(lines.join('\r\n').endsWith('\r\n\r\n'));
});

test('takeover-final-response: a To-tag already present is kept', () => {
  const out = temporarilyUnavailable(invite(['Via: SIP/2.0/TCP 198.18.0.20:5082;branch=z9hG4bK-a'], 'To: <sip:120@x>;tag=given'), 1).toString('latin1');
  assert.ok(out.includes('\r\nTo: <sip:120@x>;tag=given\r\n'));
});

test('takeover-final-response: the target is the top Via (received, else host; port, else the default)', () => {
  assert.deepEqual(responseTarget(invite(['Via: SIP/2.0/TCP 198.18.0.20:5082;branch=z9hG4bK-a'])), { transport: 'tcp', host: '198.18.0.20', port: 5082 });
  assert.deepEqual(responseTarget(invite(['Via: SIP/2.0/TCP gw.example;received=198.18.0.21;branch=z9hG4bK-a'])), { transport: 'tcp', host: '198.18.0.21', port: 5060 });
  assert.deepEqual(responseTarget(invite(['Via: SIP/2.0/TLS 198.18.0.20;branch=z9hG4bK-a, SIP/2.0/UDP 10.0.0.1'])), { transport: 'tls', host: '198.18.0.20', port: 5061 });
});

test('takeover-final-response: an INVITE without Via or not an INVITE is refused with a coded error', () => {
  assert.throws(() => responseTarget(invite([])), { code: 'CTI_TAKEOVER_INVITE_MALFORMED' });
  assert.throws(() => temporarilyUnavailable(Buffer.from('BYE sip:a@b SIP/2.0\r\n\r\n'), 1), { code: 'CTI_TAKEOVER_INVITE_MALFORMED' });
});
