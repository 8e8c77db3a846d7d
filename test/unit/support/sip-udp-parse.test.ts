/**
 * The raw SIP parser of the integration tests (test/support/sip-udp.ts) reads every spelling that
 * test/support/sip-spellings.ts writes as the same message: a test that reads its own traffic wrongly would
 * pass or fail for the wrong reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callIdOf, cseqOf, header, headers, param, parseSip, uriOf } from '../../support/sip-udp.ts';
import { SPELLINGS, audioSdp, spell } from '../../support/sip-spellings.ts';

const HDRS = [
  ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc;rport'],
  ['Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKdef'],
  ['From', '"Gateway" <sip:139@10.0.0.1>;x-gw=e1;tag=ft1'],
  ['To', '<sip:120@10.0.0.2>'],
  ['Call-ID', 'cid-1@gw'],
  ['CSeq', '7 INVITE'],
  ['Contact', '<sip:139@10.0.0.1:5060>'],
  ['Supported', 'timer'],
] as const;

for (const sp of SPELLINGS) {
  test(`sip-udp-parse: ${sp.name} reads as the canonical message`, () => {
    const m = parseSip(Buffer.from(spell(sp, 'INVITE sip:120@10.0.0.2 SIP/2.0', HDRS, audioSdp(4000))));
    assert.equal(m.method, 'INVITE');
    assert.equal(callIdOf(m), 'cid-1@gw');
    assert.deepEqual(cseqOf(m), { n: 7, method: 'INVITE' });
    assert.equal(headers(m, 'via').length, 2);
    assert.equal(param(headers(m, 'via')[0]!, 'branch'), 'z9hG4bKabc');
    assert.equal(param(header(m, 'from'), 'tag'), 'ft1');
    assert.equal(uriOf(header(m, 'contact')), 'sip:139@10.0.0.1:5060');
    assert.equal(header(m, 'supported'), 'timer');
    assert.equal(header(m, 'content-type'), 'application/sdp');
    assert.equal(Number(header(m, 'content-length')), Buffer.byteLength(m.body));
    assert.match(m.body, /m=audio 4000 RTP\/AVP 8/);
  });
}

test('sip-udp-parse: a response, comma-separated Record-Route, folded continuation', () => {
  const raw = 'SIP/2.0 200 OK\r\nrecord-route: <sip:a;lr>, <sip:b;lr;ftag=x>\r\nCALL-ID:\r\n\t c@h\r\ncseq: 2 BYE\r\nl: 0\r\n\r\n';
  const m = parseSip(Buffer.from(raw));
  assert.equal(m.status, 200);
  assert.deepEqual(headers(m, 'record-route'), ['<sip:a;lr>', '<sip:b;lr;ftag=x>']);
  assert.equal(callIdOf(m), 'c@h');
  assert.deepEqual(cseqOf(m), { n: 2, method: 'BYE' });
});
