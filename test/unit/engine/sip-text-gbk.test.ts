/** Display names as bytes: UTF-8 when valid, else GB 18030 (GBK gateways), never replacement characters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSipText } from '../../../control/src/engine/kamailio/text.ts';
import { decodeEngineEvent } from '../../../control/src/engine/kamailio/events.ts';

test('UTF-8 stays UTF-8, GBK becomes readable Chinese, ASCII is both', () => {
  assert.equal(decodeSipText(Buffer.from('王小二 🚑', 'utf8')), '王小二 🚑');
  assert.equal(decodeSipText(Buffer.from([0xcd, 0xf5, 0xd0, 0xa1, 0xb6, 0xfe])), '王小二');
  assert.equal(decodeSipText(Buffer.from('"Zhang San"')), '"Zhang San"');
  assert.equal(decodeSipText(Buffer.alloc(0)), '');
});

test('call.new decodes a GBK display name, quoted, from base64', () => {
  const name = Buffer.concat([Buffer.from('"'), Buffer.from([0xbc, 0xb1, 0xbe, 0xc8]), Buffer.from('"')]).toString('base64');
  const e = decodeEngineEvent({ event: 'call.new', callid: Buffer.from('c1').toString('base64'), from_name: name, arrived_s: 1, arrived_us: 0 });
  assert.equal(e?.event, 'call.new');
  assert.equal(e?.event === 'call.new' ? e.fromName : '', '急救');
});
