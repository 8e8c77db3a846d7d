/** A call Kamailio re-sends as suspended always ends back in line, whatever Redis says of it (calls/flow/resync-step.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resyncStep } from '../../../control/src/calls/flow/resync-step.ts';

test('a call taken for failed open that Kamailio still holds suspended is put back in line (Redis restart, crash test)', () => {
  assert.equal(resyncStep('failed_open', null), 'requeue_failed_open');
});

test('an offer to one seat that ended unheard frees the seat; a ring_all offer or an overflow is aborted; queued stays queued', () => {
  assert.equal(resyncStep('offering', 'seat-1'), 'requeue_release_seat');
  assert.equal(resyncStep('offering', null), 'requeue_routed');
  assert.equal(resyncStep('overflowed', null), 'requeue_routed');
  assert.equal(resyncStep('queued', null), 'queue');
});

test('a call talking, transferring or over is left to its own path', () => {
  for (const s of ['talking', 'transferring', 'ended', 'abandoned', 'offered'] as const) assert.equal(resyncStep(s, null), 'leave', s);
});
