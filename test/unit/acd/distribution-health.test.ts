/** The "distribution failing" rule (control/src/acd/health.ts), as pure logic over time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DistributionHealth, STUCK_AFTER_MS } from '../../../control/src/acd/health.ts';

const Q = 'city-main';

test('distribution-health: passes failing with calls waiting ring all only once they have failed for afterMs', () => {
  const h = new DistributionHealth(5000);
  assert.equal(h.passFailed(Q, 1_000, 2), 'wait');
  assert.equal(h.passFailed(Q, 3_000, 2), 'wait');
  assert.equal(h.passFailed(Q, 5_999, 2), 'wait');
  assert.equal(h.passFailed(Q, 6_000, 2), 'ring_all', 'failing since 1 000, 5 000 ms later');
  assert.equal(h.failingSince(Q), 1_000);
});

test('distribution-health: no call waiting, no ring-all, but the failing time keeps counting; a call arriving later rings all at once', () => {
  const h = new DistributionHealth(5000);
  assert.equal(h.passFailed(Q, 0, 0), 'wait');
  assert.equal(h.passFailed(Q, 7_000, 0), 'wait', 'nothing to ring');
  assert.equal(h.passFailed(Q, 8_000, 1), 'ring_all', 'the passes have failed for 8 s: a new waiting call does not wait 5 s more');
});

test('distribution-health: one successful pass resets the failing time', () => {
  const h = new DistributionHealth(5000);
  h.passFailed(Q, 0, 1);
  h.passFailed(Q, 4_000, 1);
  assert.equal(h.passSucceeded(Q, 4_500), 'none');
  assert.equal(h.failingSince(Q), null);
  assert.equal(h.passFailed(Q, 6_000, 1), 'wait', 'failing again from 6 000, not from 0');
  assert.equal(h.passFailed(Q, 11_000, 1), 'ring_all');
});

test('distribution-health: the alarm clears only after passes have succeeded for afterMs', () => {
  const h = new DistributionHealth(5000);
  h.passFailed(Q, 0, 1);
  assert.equal(h.passFailed(Q, 5_000, 1), 'ring_all');
  assert.equal(h.passSucceeded(Q, 6_000), 'none');
  assert.equal(h.passSucceeded(Q, 10_999), 'none');
  assert.equal(h.passSucceeded(Q, 11_000), 'clear_alarm');
  assert.equal(h.passSucceeded(Q, 12_000), 'none', 'cleared once');
});

test('distribution-health: a failure between successes restarts the clearing wait', () => {
  const h = new DistributionHealth(5000);
  h.passFailed(Q, 0, 1);
  h.passFailed(Q, 5_000, 1);
  h.passSucceeded(Q, 6_000);
  h.passFailed(Q, 9_000, 0);
  assert.equal(h.passSucceeded(Q, 12_000), 'none');
  assert.equal(h.passSucceeded(Q, 17_000), 'clear_alarm');
});

test('distribution-health: queues are judged separately', () => {
  const h = new DistributionHealth(1000);
  h.passFailed('a', 0, 1);
  assert.equal(h.passFailed('b', 2_000, 1), 'wait', 'b only started failing');
  assert.equal(h.passFailed('a', 2_000, 1), 'ring_all');
});

test('distribution-health (property): never ring-all before afterMs of uninterrupted failure, always after it with calls waiting', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 10_000 }),
    fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3_000 }), ok: fc.boolean(), waiting: fc.integer({ min: 0, max: 3 }) }), { maxLength: 60 }),
    (afterMs, steps) => {
      const h = new DistributionHealth(afterMs);
      let now = 0;
      let since: number | null = null;
      for (const s of steps) {
        now += s.dt;
        if (s.ok) {
          h.passSucceeded(Q, now);
          since = null;
          continue;
        }
        since ??= now;
        const verdict = h.passFailed(Q, now, s.waiting);
        assert.equal(verdict, s.waiting > 0 && now - since >= afterMs ? 'ring_all' : 'wait');
      }
    },
  ));
});

test('distribution-health: a pass that hangs counts as failing since it started, once it has hung STUCK_AFTER_MS', () => {
  const h = new DistributionHealth(5000);
  assert.equal(h.passStuck(Q, 10_000, 10_000 + STUCK_AFTER_MS - 1, 1), 'wait', 'a long pass is not yet a stuck one');
  assert.equal(h.failingSince(Q), null);
  assert.equal(h.passStuck(Q, 10_000, 12_500, 1), 'wait');
  assert.equal(h.failingSince(Q), 10_000, 'failing since the pass started');
  assert.equal(h.passStuck(Q, 10_000, 15_000, 1), 'ring_all', 'hung 5 s with a call waiting');
  assert.equal(h.passStuck('other', 10_000, 15_000, 0), 'wait', 'a queue with nobody waiting has nothing to ring');
});

test('distribution-health: an earlier failure keeps its start when the next pass hangs', () => {
  const h = new DistributionHealth(5000);
  h.passFailed(Q, 1_000, 1);
  assert.equal(h.passStuck(Q, 5_500, 6_000, 1), 'ring_all', 'failing since 1 000: the pass that started at 5 500 and has not finished is no recovery');
});
