import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import {
  DEFAULT_GRACE_MS, PAGE_LOST_STATES, afterGrace, pageBack, pageLostGraceMs, pageLostTransition, type CallView,
} from '../../../control/src/calls/page-lost/machine.ts';

const SEAT = 'seat-1';
const talking: CallView = { state: 'talking', answeredSeatId: SEAT, seatLeft: false };

test('page-lost grace: default 10 s, an integer 2000-60000 ms taken, anything else refused with CTI_CONFIG_INVALID', () => {
  assert.equal(pageLostGraceMs({}), DEFAULT_GRACE_MS);
  assert.equal(pageLostGraceMs({ CTI_PAGE_LOST_GRACE_MS: '' }), DEFAULT_GRACE_MS);
  assert.equal(pageLostGraceMs({ CTI_PAGE_LOST_GRACE_MS: '2000' }), 2000);
  assert.equal(pageLostGraceMs({ CTI_PAGE_LOST_GRACE_MS: '60000' }), 60000);
  for (const bad of ['1999', '60001', '8.5', 'ten', '-5000', '0']) {
    assert.throws(() => pageLostGraceMs({ CTI_PAGE_LOST_GRACE_MS: bad }), (e) => isCtiError(e, 'CTI_CONFIG_INVALID') && (e.details as { value?: string }).value === bad, bad);
  }
});

test('page-lost machine: grace goes to every outcome once; an outcome is final', () => {
  for (const to of PAGE_LOST_STATES.filter((s) => s !== 'grace')) {
    assert.equal(pageLostTransition('grace', to, 'c1'), to);
    for (const again of PAGE_LOST_STATES) {
      assert.throws(() => pageLostTransition(to, again, 'c1'), (e) => isCtiError(e, 'CTI_PAGE_LOST_ILLEGAL_TRANSITION'), `${to} -> ${again}`);
    }
  }
  assert.throws(() => pageLostTransition('grace', 'grace', 'c1'), (e) => isCtiError(e, 'CTI_PAGE_LOST_ILLEGAL_TRANSITION'));
});

test('page back: a WebSocket binding from another connection than the closed one; the dead one or a desk phone is not', () => {
  const closed = '127.0.0.1:40001';
  const dead = { uri: 'sip:abc@x.invalid;transport=ws', received: 'sip:127.0.0.1:40001;transport=ws' };
  const fresh = { uri: 'sip:abc@x.invalid;transport=ws', received: 'sip:127.0.0.1:40002;transport=ws' };
  const desk = { uri: 'sip:seat1@127.0.0.1:5070', received: '' };
  assert.equal(pageBack([], closed), false);
  assert.equal(pageBack([dead], closed), false);
  assert.equal(pageBack([dead, desk], closed), false);
  assert.equal(pageBack([fresh], closed), true);
  assert.equal(pageBack([dead, fresh], closed), true);
  assert.equal(pageBack([{ uri: 'sip:abc@x.invalid;transport=wss', received: 'sip:10.0.0.9:5555;transport=wss' }], closed), true);
});

test('after the grace: ended, recovered, consultation, three-way or back to the queue', () => {
  assert.equal(afterGrace(SEAT, { ...talking, state: undefined }, false), 'ended');
  assert.equal(afterGrace(SEAT, { ...talking, state: 'ended' }, false), 'ended');
  assert.equal(afterGrace(SEAT, { ...talking, answeredSeatId: 'seat-2' }, false), 'ended', 'another seat has the call');
  assert.equal(afterGrace(SEAT, { ...talking, seatLeft: true }, false), 'ended', 'the seat left its three-way before');
  assert.equal(afterGrace(SEAT, talking, true), 'recovered');
  assert.equal(afterGrace(SEAT, talking, false), 'requeue', 'a two-party call');
  assert.equal(afterGrace(SEAT, { ...talking, anchor: { state: 'anchored', outsideParties: false, consult: false } }, false), 'requeue', 'caller and seat alone in a room');
  assert.equal(afterGrace(SEAT, { ...talking, anchor: { state: 'requested', outsideParties: false, consult: true } }, false), 'requeue', 'a consultation not yet anchored');
  assert.equal(afterGrace(SEAT, { ...talking, anchor: { state: 'anchored', outsideParties: true, consult: false } }, false), 'leave_three_way');
  assert.equal(afterGrace(SEAT, { ...talking, anchor: { state: 'anchored', outsideParties: true, consult: true } }, false), 'consultation');
  assert.equal(afterGrace(SEAT, { ...talking, anchor: { state: 'anchored', outsideParties: true, consult: true } }, true), 'recovered');
});
