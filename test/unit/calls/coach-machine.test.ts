/**
 * The supervisor's whisper/barge-in session (control/src/calls/coach/machine.ts): the dispatcher's page answers
 * into the mode asked for, whisper and barge switch both ways, anything ends it, and nothing leaves `ended`;
 * an illegal move is CTI_COACH_ILLEGAL_TRANSITION (checked before anything is sent).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coachTransition, type CoachState } from '../../../control/src/calls/coach/machine.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const legal: [CoachState, CoachState][] = [
  ['offered', 'whisper'], ['offered', 'barge'], ['offered', 'ended'],
  ['whisper', 'barge'], ['barge', 'whisper'], ['whisper', 'ended'], ['barge', 'ended'],
];
const ALL: CoachState[] = ['offered', 'whisper', 'barge', 'ended'];

test('coach machine: the legal moves are exactly the table', () => {
  for (const from of ALL) {
    for (const to of ALL) {
      const ok = legal.some(([a, b]) => a === from && b === to);
      if (ok) assert.equal(coachTransition(from, to, 'c1'), to);
      else assert.throws(() => coachTransition(from, to, 'c1'), (err) => isCtiError(err, 'CTI_COACH_ILLEGAL_TRANSITION'), `${from} -> ${to}`);
    }
  }
});

test('coach machine: a second answer from the dispatcher\'s page (whisper -> whisper) is refused', () => {
  assert.throws(() => coachTransition('whisper', 'whisper', 'c1'), (err) => isCtiError(err, 'CTI_COACH_ILLEGAL_TRANSITION'));
});
