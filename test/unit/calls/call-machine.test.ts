/** The call state machine (control/src/calls/machine.ts): every pair of states, legal or not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertCallTransition, CALL_TRANSITIONS, canCallTransition, LIVE_CALL_STATES, offerFailReason, type CallState } from '../../../control/src/calls/machine.ts';
import { CtiError } from '../../../control/src/errors/catalogue.ts';

const STATES: CallState[] = ['offered', 'queued', 'offering', 'overflowed', 'talking', 'ended', 'abandoned', 'failed_open', 'transferring'];

// The legal moves, written from the life of a call in ARCHITECTURE.md and the machine's diagram:
// offered -> queued -> offering -> talking -> ended; offering -> queued (no answer); queued -> queued (requeue);
// queued|offering (and offered) -> abandoned; live -> failed_open (ring-all); failed_open -> talking|abandoned|queued|ended;
// queued -> ended (screening's warn_then_end ends the call after the warning);
// queued -> overflowed (relayed to another centre) -> talking (answered there) | queued (it failed) | abandoned | failed_open.
const LEGAL = new Set([
  'offered>queued', 'offered>failed_open', 'offered>abandoned',
  'queued>offering', 'queued>abandoned', 'queued>failed_open', 'queued>queued', 'queued>ended', 'queued>overflowed',
  'overflowed>talking', 'overflowed>queued', 'overflowed>abandoned', 'overflowed>failed_open',
  'offering>talking', 'offering>queued', 'offering>abandoned', 'offering>failed_open',
  'failed_open>talking', 'failed_open>abandoned', 'failed_open>queued', 'failed_open>ended',
  'talking>ended',
  // a blind transfer (calls/transfer/): back to talking when it fails, or on with the caller's new leg
  'talking>transferring', 'transferring>talking', 'transferring>queued', 'transferring>offering', 'transferring>overflowed', 'transferring>ended',
]);

test('call-transitions-every-pair: exactly the legal moves are allowed (64 pairs)', () => {
  assert.deepEqual(Object.keys(CALL_TRANSITIONS).sort(), [...STATES].sort(), 'the table covers every state');
  for (const from of STATES) {
    for (const to of STATES) {
      assert.equal(canCallTransition(from, to), LEGAL.has(`${from}>${to}`), `${from} -> ${to}`);
    }
  }
});

test('call-transition-illegal-refused: assertCallTransition throws CTI_CALL_ILLEGAL_TRANSITION with the call and states', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      if (LEGAL.has(`${from}>${to}`)) {
        assert.doesNotThrow(() => assertCallTransition('c-1', from, to));
        continue;
      }
      assert.throws(() => assertCallTransition('c-1', from, to), (e: unknown) => {
        assert.ok(e instanceof CtiError);
        assert.equal(e.code, 'CTI_CALL_ILLEGAL_TRANSITION');
        assert.equal(e.http, 409);
        assert.equal(e.sip, 500);
        assert.deepEqual(e.details, { call_id: 'c-1', from, to });
        return true;
      }, `${from} -> ${to} must be refused`);
    }
  }
});

test('call-final-states: ended and abandoned have no way out and are not live', () => {
  for (const s of ['ended', 'abandoned'] as const) {
    assert.deepEqual(CALL_TRANSITIONS[s], []);
    assert.ok(!LIVE_CALL_STATES.includes(s));
  }
  assert.deepEqual([...LIVE_CALL_STATES].sort(), ['failed_open', 'offered', 'offering', 'overflowed', 'queued', 'talking', 'transferring']);
});

test('call-transition-unknown-state: a state outside the table is never legal', () => {
  assert.equal(canCallTransition('blocked' as CallState, 'queued'), false);
  assert.equal(canCallTransition('queued', 'blocked' as CallState), false);
  assert.throws(() => assertCallTransition('c-2', 'screened' as CallState, 'queued'), { code: 'CTI_CALL_ILLEGAL_TRANSITION' });
});

test('offer-fail-reason: a seat\'s final SIP status maps to the recorded reason (RFC 3261 21.4, 21.6)', () => {
  const cases: Array<[number, string]> = [
    [408, 'no_answer'], [480, 'no_answer'],
    [486, 'rejected'], [600, 'rejected'], [603, 'rejected'],
    [404, 'unreachable'], [477, 'unreachable'], [503, 'unreachable'],
    [500, 'failed'], [487, 'failed'], [403, 'failed'], [0, 'failed'],
  ];
  for (const [status, reason] of cases) assert.equal(offerFailReason(status), reason, String(status));
});
