/** What an offer.* event is about (control/src/engine/kamailio/events.ts): one seat, a ring_all fork, an overflow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEngineEvent, OVERFLOW_OFFER, RING_ALL_OFFER } from '../../../control/src/engine/kamailio/events.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('offer-kinds: ringing and answered carry the kind Kamailio names; the seat is the real seat of a ring_all fork', () => {
  assert.deepEqual(decodeEngineEvent({ event: 'offer.answered', callid: b64('c1'), seat: b64('seat02'), contact: b64('<sip:seat02@127.0.0.1:5072>'), attempt: 3, totag: b64('t'), kind: 'many' }),
    { event: 'offer.answered', callId: 'c1', seat: 'seat02', contact: '<sip:seat02@127.0.0.1:5072>', attempt: 3, toTag: 't', kind: 'many' });
  assert.equal((decodeEngineEvent({ event: 'offer.ringing', callid: b64('c1'), seat: b64(OVERFLOW_OFFER), attempt: 1, code: 180, kind: 'overflow' }) as { kind: string }).kind, 'overflow');
  assert.equal((decodeEngineEvent({ event: 'offer.ringing', callid: b64('c1'), seat: b64('seat01'), attempt: 1, code: 180, kind: 'weird' }) as { kind: string }).kind, 'seat', 'unknown kinds read as one seat');
});

test('offer-kinds: a failed offer takes its kind from the pseudo seat of the transaction', () => {
  const failed = (seat: string) => decodeEngineEvent({ event: 'offer.failed', callid: b64('c1'), seat: b64(seat), attempt: 2, code: 408, tindex: 1, tlabel: 2 }) as { kind: string };
  assert.equal(failed(RING_ALL_OFFER).kind, 'many');
  assert.equal(failed(OVERFLOW_OFFER).kind, 'overflow');
  assert.equal(failed('seat01').kind, 'seat');
});
