import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { figuresOf, LIVE_WINDOW_MS, pct, periodOf } from '../../../control/src/stats/figures.ts';

test('shares are percent of the settled calls, two decimals; calls in progress are offered but not in the share', () => {
  const f = figuresOf({
    offered: 8, answered: 6, answered_within_10s: 5, answered_within_15s: 5, answered_within_20s: 6, abandoned: 1, settled: 7,
    avg_wait_ms: 8000, p90_wait_ms: 18_000, avg_talk_ms: 60_000,
  });
  assert.equal(f.in_progress, 1);
  assert.equal(f.answered_within_10s_pct, 71.43);
  assert.equal(f.answered_within_20s_pct, 85.71);
  assert.equal(f.abandoned_pct, 14.29);
  assert.equal(pct(0, 0), null);
  assert.equal(pct(19, 20), 95);
});

test('no period: the last 15 minutes up to now (live)', () => {
  const now = new Date('2025-03-01T08:00:00Z');
  const p = periodOf({}, now);
  assert.deepEqual([p.from.getTime(), p.to.getTime(), p.live], [now.getTime() - LIVE_WINDOW_MS, now.getTime(), true]);
  const q = periodOf({ from: '2025-03-01T00:00:00Z', to: '2025-03-02T00:00:00Z' }, now);
  assert.equal(q.live, false);
  assert.equal(q.to.toISOString(), '2025-03-02T00:00:00.000Z');
});

test('a period that ends before it starts, or is longer than 366 days, is refused with CTI_STATS_PERIOD_INVALID', () => {
  for (const bad of [{ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' }, { from: '2023-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }]) {
    assert.throws(() => periodOf(bad), (e) => isCtiError(e, 'CTI_STATS_PERIOD_INVALID'));
  }
});
