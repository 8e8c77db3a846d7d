/** The consultation's transition table and its phase read from the anchor and the dialled party (calls/consult/machine.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consultTransition, phaseOf } from '../../../control/src/calls/consult/machine.ts';
import type { Anchor, Participant } from '../../../control/src/calls/conference/store.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { anchorTransition } from '../../../control/src/calls/conference/anchor-machine.ts';

const anchor = (over: Partial<Anchor> = {}): Anchor => ({
  call_id: 'c', sip_call_id: 's', room_id: '123456789', state: 'anchored', caller_tag: 'ct', token: 't', requested_by: 'u', consult: true,
  dial: { number: '110', gateway_uri: 'sip:gw', presented: '120', name: '110', destination_id: 'police-110' }, ...over,
});
const party = (state: Participant['state']): Participant => ({
  participant_id: 'p', room_id: '123456789', call_id: 'c', state, party: '110', dialog: { call_id: 'cfo-p', remote: '', local: '', target: '', src: '', from_tag: 'f' },
});

test('phase: requested until the caller is anchored, then dialling, talking, target_failed', () => {
  assert.equal(phaseOf('active', anchor({ state: 'requested' }), undefined), 'requested');
  assert.equal(phaseOf('active', anchor({ state: 'seat_in_room' }), undefined), 'requested');
  assert.equal(phaseOf('active', anchor(), undefined), 'dialling');
  assert.equal(phaseOf('active', anchor({ dialled_pid: 'p' }), party('joining')), 'dialling');
  assert.equal(phaseOf('active', anchor({ dialled_pid: 'p' }), party('joined')), 'talking');
  assert.equal(phaseOf('active', anchor({ dialled_pid: 'p' }), undefined), 'target_failed');
  assert.equal(phaseOf('active', anchor({ dial_error: 'CTI_MIXER_UNAVAILABLE' }), undefined), 'target_failed');
  assert.equal(phaseOf('active', anchor({ state: 'failed' }), undefined), 'failed');
  assert.equal(phaseOf('active', undefined, undefined), 'failed');
  assert.equal(phaseOf('active', anchor({ state: 'ended' }), undefined), 'ended');
  assert.equal(phaseOf('completed', anchor({ state: 'seat_left' }), undefined), 'completed');
});

test('transitions: complete and merge only while talking, cancel from dialling, talking, target_failed', () => {
  assert.equal(consultTransition('talking', 'complete', 'c'), 'completed');
  assert.equal(consultTransition('talking', 'merge', 'c'), 'merged');
  for (const from of ['dialling', 'talking', 'target_failed'] as const) assert.equal(consultTransition(from, 'cancel', 'c'), 'cancelled');
  // the deadline with the dispatcher's phone gone and no target talking: the caller back to its queue (requeue.ts)
  for (const from of ['dialling', 'target_failed'] as const) assert.equal(consultTransition(from, 'requeue', 'c'), 'requeued');
  for (const [from, action] of [['dialling', 'complete'], ['target_failed', 'merge'], ['requested', 'cancel'], ['completed', 'cancel'], ['merged', 'complete'], ['talking', 'requeue'], ['requested', 'requeue']] as const) {
    assert.throws(() => consultTransition(from, action, 'c'), (e: unknown) => isCtiError(e, 'CTI_CONSULT_ILLEGAL_TRANSITION'), `${action} from ${from}`);
  }
});

test('anchor: the seat leaves only an anchored call, and a call whose seat left can only end', () => {
  assert.equal(anchorTransition('anchored', 'seat_left', 'c'), 'seat_left');
  assert.equal(anchorTransition('seat_left', 'ended', 'c'), 'ended');
  for (const from of ['requested', 'seat_in_room', 'failed', 'ended', 'seat_left'] as const) {
    assert.throws(() => anchorTransition(from, 'seat_left', 'c'), (e: unknown) => isCtiError(e, 'CTI_CONFERENCE_ILLEGAL_TRANSITION'));
  }
});
