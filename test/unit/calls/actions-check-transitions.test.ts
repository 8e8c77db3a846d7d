/**
 * Actions on a call check the call's transition table (control/src/calls/machine.ts) before Kamailio is told
 * anything (control/src/calls/actions/fail-open.ts, decline.ts): an illegal move is a coded error and nothing is sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import { declineScreenedCall } from '../../../control/src/calls/actions/decline.ts';
import { failOpen } from '../../../control/src/calls/actions/fail-open.ts';
import type { LiveCall } from '../../../control/src/calls/store.ts';
import type { CallControl } from '../../../control/src/engine/kamailio/call-control.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

/** Records the commands instead of sending them to Kamailio. */
function recordingControl(): { control: CallControl; sent: string[] } {
  const sent: string[] = [];
  const control = {
    ringAll: (ref: { sipCallId: string }, reason: string) => { sent.push(`ring_all ${ref.sipCallId} ${reason}`); },
    reject: (ref: { sipCallId: string }, code: number) => { sent.push(`reject ${ref.sipCallId} ${code}`); },
  } as unknown as CallControl;
  return { control, sent };
}

const call = (state: LiveCall['state']): LiveCall => ({
  sipCallId: 'sip-1', id: '00000000-0000-4000-8000-000000000001', centreId: 'c', state, tindex: 1, tlabel: 2, queueId: 'q', priority: 5,
  arrivedMs: 0, queuedMs: 0, attempt: 0, seatId: null, offeredMs: 0, callerNumber: '', answeredSeatId: null, answeredMs: 0, failedOpen: false,
});

test('fail-open: a waiting call is rung to the ring-all group; a call we know nothing of too', () => {
  const { control, sent } = recordingControl();
  failOpen(control, call('queued'), 'max_offers');
  failOpen(control, { sipCallId: 'sip-2', tindex: 3, tlabel: 4 }, 'unknown_call');
  assert.deepEqual(sent, ['ring_all sip-1 max_offers', 'ring_all sip-2 unknown_call']);
});

test('fail-open: a call already talking or ended is refused with CTI_CALL_ILLEGAL_TRANSITION, nothing sent', () => {
  const { control, sent } = recordingControl();
  for (const state of ['talking', 'ended', 'abandoned'] as const) {
    assert.throws(() => failOpen(control, call(state), 'decision_failed'), (err) => isCtiError(err, 'CTI_CALL_ILLEGAL_TRANSITION'));
  }
  assert.deepEqual(sent, []);
});

test('decline: only a queued call can be declined; an offering one is refused before any 603 is sent', async () => {
  const { control, sent } = recordingControl();
  const deps = {} as AppDeps; // never reached: the check comes first
  await assert.rejects(declineScreenedCall(deps, control, call('offering')), (err) => isCtiError(err, 'CTI_CALL_ILLEGAL_TRANSITION'));
  assert.deepEqual(sent, []);
});
