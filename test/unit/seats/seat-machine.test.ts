/** The seat state machine (control/src/seats/state/machine.ts): every pair of states, and its coded errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtiError } from '../../../control/src/errors/catalogue.ts';
import type { SeatStateName } from '../../../control/src/events/schema.ts';
import { assertSeatTransition, CALL_OWNED_STATES, canSeatTransition, SEAT_TRANSITIONS } from '../../../control/src/seats/state/machine.ts';

const STATES: SeatStateName[] = ['logged_out', 'not_ready', 'ready', 'reserved', 'talking', 'wrap_up'];

// From the machine's diagram: login, ready/not-ready, offer (reserve), answer, end (wrap-up), wrap-up timer,
// no answer (not_ready), caller gone (ready), logout; 'talking' from ready/not_ready/wrap_up for a fail-open
// (ring-all) call answered at the seat; not_ready -> not_ready changes the reason.
const LEGAL = new Set([
  'logged_out>not_ready', 'logged_out>ready',
  'not_ready>ready', 'not_ready>logged_out', 'not_ready>not_ready', 'not_ready>talking',
  'ready>not_ready', 'ready>reserved', 'ready>logged_out', 'ready>talking',
  'reserved>talking', 'reserved>ready', 'reserved>not_ready',
  'talking>wrap_up', 'talking>ready', 'talking>not_ready',
  'wrap_up>ready', 'wrap_up>not_ready', 'wrap_up>logged_out', 'wrap_up>talking',
]);

test('seat-transitions-every-pair: exactly the legal moves are allowed (36 pairs)', () => {
  assert.deepEqual(Object.keys(SEAT_TRANSITIONS).sort(), [...STATES].sort());
  for (const from of STATES) {
    for (const to of STATES) assert.equal(canSeatTransition(from, to), LEGAL.has(`${from}>${to}`), `${from} -> ${to}`);
  }
});

test('seat-transition-illegal-refused: CTI_SEAT_BUSY while a call owns the seat, CTI_SEAT_ILLEGAL_TRANSITION otherwise', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      if (LEGAL.has(`${from}>${to}`)) {
        assert.doesNotThrow(() => assertSeatTransition('s-1', from, to), `${from} -> ${to}`);
        continue;
      }
      const code = from === 'reserved' || from === 'talking' ? 'CTI_SEAT_BUSY' : 'CTI_SEAT_ILLEGAL_TRANSITION';
      assert.throws(() => assertSeatTransition('s-1', from, to), (e: unknown) => {
        assert.ok(e instanceof CtiError);
        assert.equal(e.code, code, `${from} -> ${to}`);
        assert.equal(e.http, 409);
        assert.deepEqual(e.details, { seat_id: 's-1', from, to });
        return true;
      });
    }
  }
});

test('seat-no-call-without-reserve-or-ring-all: a logged-out seat can never be offered or put in a call', () => {
  assert.equal(canSeatTransition('logged_out', 'reserved'), false);
  assert.equal(canSeatTransition('logged_out', 'talking'), false);
  assert.equal(canSeatTransition('not_ready', 'reserved'), false, 'only a ready seat is reserved for an offer');
  assert.equal(canSeatTransition('wrap_up', 'reserved'), false);
  assert.equal(canSeatTransition('reserved', 'logged_out'), false, 'no logout in the middle of an offer');
  assert.equal(canSeatTransition('talking', 'logged_out'), false, 'no logout in the middle of a call');
});

test('seat-call-owned-states: reserved and talking belong to a call', () => {
  assert.deepEqual([...CALL_OWNED_STATES].sort(), ['reserved', 'talking']);
});

test('seat-transition-unknown-state: never legal', () => {
  assert.equal(canSeatTransition('paused' as SeatStateName, 'ready'), false);
  assert.throws(() => assertSeatTransition('s-2', 'paused' as SeatStateName, 'ready'), { code: 'CTI_SEAT_ILLEGAL_TRANSITION' });
});
