/**
 * The blind transfer's pure parts (calls/transfer/machine.ts, calls/machine.ts): the transfer's and the call's
 * transition tables, the sipfrag status of a NOTIFY (RFC 3515 2.4.5 / RFC 3420), the reason of a failure, and the
 * token of an `xfer-<token>` Request-URI user.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canCallTransition } from '../../../control/src/calls/machine.ts';
import {
  assertTransferTransition, canTransferTransition, progressOf, sipfragStatus, transferFailReason, transferTokenOf,
} from '../../../control/src/calls/transfer/machine.ts';
import { decodeEngineEvent } from '../../../control/src/engine/kamailio/events.ts';

test('a transfer ends once: succeeded and failed are final; no way back to requested', () => {
  assert.ok(canTransferTransition('requested', 'referred'));
  assert.ok(canTransferTransition('referred', 'ringing'));
  assert.ok(canTransferTransition('ringing', 'succeeded'));
  assert.ok(canTransferTransition('requested', 'failed'));
  for (const from of ['succeeded', 'failed'] as const) {
    for (const to of ['requested', 'referred', 'ringing', 'succeeded', 'failed'] as const) assert.equal(canTransferTransition(from, to), false, `${from} -> ${to}`);
  }
  assert.equal(canTransferTransition('ringing', 'referred'), false);
  assert.throws(() => assertTransferTransition('t1', 'failed', 'succeeded'), { code: 'CTI_TRANSFER_ILLEGAL_TRANSITION' });
});

test('the call: only a connected call is transferred; a transferring call goes back to talking or on with its new leg', () => {
  assert.ok(canCallTransition('talking', 'transferring'));
  for (const to of ['talking', 'queued', 'offering', 'overflowed', 'ended'] as const) assert.ok(canCallTransition('transferring', to), to);
  for (const from of ['queued', 'offering', 'offered', 'ended', 'abandoned'] as const) assert.equal(canCallTransition(from, 'transferring'), false, from);
  assert.equal(canCallTransition('transferring', 'abandoned'), false);
});

test('sipfrag: the status of the first line, whatever follows; anything else is no status', () => {
  assert.equal(sipfragStatus('SIP/2.0 100 Trying\r\n'), 100);
  assert.equal(sipfragStatus('SIP/2.0 200 OK\r\nContent-Length: 0\r\n'), 200);
  assert.equal(sipfragStatus('  SIP/2.0 486 Busy Here'), 486);
  assert.equal(sipfragStatus('SIP/2.0 603'), 603);
  for (const bad of ['', 'SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/3.0 200 OK', 'INVITE sip:x SIP/2.0', 'SIP/2.0 2000 OK']) assert.equal(sipfragStatus(bad), undefined, bad);
});

test('progress and failure reasons from SIP statuses', () => {
  assert.deepEqual([100, 180, 183, 200, 202, 486].map(progressOf), ['trying', 'ringing', 'ringing', 'answered', 'answered', 'failed']);
  assert.equal(transferFailReason(486), 'busy');
  assert.equal(transferFailReason(600), 'busy');
  assert.equal(transferFailReason(480), 'no_answer');
  assert.equal(transferFailReason(408), 'no_answer');
  assert.equal(transferFailReason(404), 'unreachable');
  assert.equal(transferFailReason(503), 'unreachable');
  assert.equal(transferFailReason(603), 'rejected');
  assert.equal(transferFailReason(500), 'failed');
});

test('xfer-<token>: only the token alphabet and length are taken', () => {
  const token = 'A'.repeat(32);
  assert.equal(transferTokenOf(`xfer-${token}`), token);
  assert.equal(transferTokenOf('xfer-ab_-CD12ef34GH56'), 'ab_-CD12ef34GH56');
  for (const bad of ['120', 'xfer-', 'xfer-short', `xfer-${token};x`, `XFER-${token}`, `xfer-${'a'.repeat(65)}`, `yxfer-${token}`]) assert.equal(transferTokenOf(bad), undefined, bad);
});

test('engine events: transfer.refer_reply and transfer.notify decode with the old dialog\'s Call-ID', () => {
  const callid = Buffer.from('abc@gw').toString('base64');
  assert.deepEqual(decodeEngineEvent({ event: 'transfer.refer_reply', callid, code: 501 }), { event: 'transfer.refer_reply', callId: 'abc@gw', code: 501 });
  assert.deepEqual(decodeEngineEvent({ event: 'transfer.notify', callid, code: 180 }), { event: 'transfer.notify', callId: 'abc@gw', code: 180 });
});
