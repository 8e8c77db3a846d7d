/** The sync judges a call in its own chain on a fresh read, and leaves alone a call its own events moved (calls/flow/sync-recheck.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncRecheck } from '../../../control/src/calls/flow/sync-recheck.ts';
import type { LiveCall } from '../../../control/src/calls/store.ts';

const listed: LiveCall = {
  sipCallId: 'z-1@gw.example', id: '6f1c2d9e-0000-4000-8000-000000000001', centreId: 'c1', state: 'offering', tindex: 1, tlabel: 2,
  queueId: 'q1', priority: 5, arrivedMs: 1, queuedMs: 2, attempt: 1, seatId: 's1', offeredMs: 3,
  callerNumber: '13700000001', answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: 'ft', early: false,
};

test('a call as the sync listed it is reconciled (the CANCEL-crosses-the-offer case: still offering after its arrival\'s writes)', () => {
  assert.equal(syncRecheck(listed, { ...listed }, true), 'reconcile');
  // transaction ids re-read from Redis may differ; only state and attempt say that its events moved it
  assert.equal(syncRecheck(listed, { ...listed, tindex: 9, tlabel: 9 }, true), 'reconcile');
});

test('a call its own events closed meanwhile is gone: retired (its hash kept an hour) or deleted', () => {
  assert.equal(syncRecheck(listed, { ...listed, state: 'abandoned' }, false), 'gone');
  assert.equal(syncRecheck(listed, undefined, false), 'gone');
  assert.equal(syncRecheck(listed, undefined, true), 'gone');
});

test('a call answered, re-offered or put back in line since the listing is left to its events, never closed from a stale dialog list', () => {
  assert.equal(syncRecheck(listed, { ...listed, state: 'talking', answeredSeatId: 's1' }, true), 'moved');
  assert.equal(syncRecheck(listed, { ...listed, state: 'queued', seatId: null }, true), 'moved');
  assert.equal(syncRecheck(listed, { ...listed, attempt: 2 }, true), 'moved');
});

test('a call over but not retired (a crash between two steps) is still reconciled, so that it is closed and retired', () => {
  const over = { ...listed, state: 'ended' as const };
  assert.equal(syncRecheck(over, { ...over }, true), 'reconcile');
});
