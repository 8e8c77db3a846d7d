import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ha1, ha1b, seatDigests } from '../../../control/src/seats/admin/ha1.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// RFC 2617 §3.5: the worked example. The RFC prints the response; HA1 is the A1 digest that leads to it.
test('HA1 of the RFC 2617 §3.5 example yields the response the RFC prints', () => {
  const a1 = ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life');
  assert.equal(a1, '939e7578ed9e3c518a452acee763bce9');
  const a2 = md5('GET:/dir/index.html');
  const response = md5(`${a1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${a2}`);
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('HA1B covers username@domain, as Kamailio auth_db expects in the ha1b column', () => {
  assert.equal(ha1b('1001', 'sip.example', 'sip.example', 'secret-pass'), md5('1001@sip.example:sip.example:secret-pass'));
  assert.notEqual(ha1b('1001', 'sip.example', 'sip.example', 'secret-pass'), ha1('1001', 'sip.example', 'secret-pass'));
});

test('seat digests use the SIP domain as realm and domain and never contain the password', () => {
  const d = seatDigests('seat01', '10.0.0.5', 'Dispatch!2024');
  assert.equal(d.sip_domain, '10.0.0.5');
  assert.equal(d.ha1, md5('seat01:10.0.0.5:Dispatch!2024'));
  assert.equal(d.ha1b, md5('seat01@10.0.0.5:10.0.0.5:Dispatch!2024'));
  assert.match(d.ha1, /^[0-9a-f]{32}$/);
  assert.ok(!JSON.stringify(d).includes('Dispatch!2024'));
});
