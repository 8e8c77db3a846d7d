import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ALARM_THRESHOLDS } from '../../../control/src/queues/settings.ts';
import { bandOf, levelFor, step, type Band, type KindState } from '../../../control/src/queues/thresholds.ts';

const wait = bandOf('longest_wait', DEFAULT_ALARM_THRESHOLDS);
const count = bandOf('waiting_calls', DEFAULT_ALARM_THRESHOLDS);
const share = bandOf('answered_10s_share', DEFAULT_ALARM_THRESHOLDS);
const none: KindState = { level: null, lowerSinceMs: null };

/** Feeds (time ms, value) pairs through step() and returns the actions taken, in words. */
function run(band: Band, samples: [number, number | null][], from: KindState = none): string[] {
  let state = from;
  const out: string[] = [];
  for (const [t, v] of samples) {
    const r = step(state, v, band, t);
    state = r.state;
    if (r.action.do === 'raise') out.push(`${t}:raise ${r.action.level}${r.action.previous ? ` from ${r.action.previous}` : ''}`);
    if (r.action.do === 'clear') out.push(`${t}:clear ${r.action.previous}`);
  }
  return out;
}

test('defaults: longest wait warning at 10 s, critical at 30 s; waiting 3 / 6; share below 95 % / 85 %', () => {
  assert.equal(levelFor(9_999, wait, null), null);
  assert.equal(levelFor(10_000, wait, null), 'warning');
  assert.equal(levelFor(30_000, wait, null), 'critical');
  assert.equal(levelFor(2, count, null), null);
  assert.equal(levelFor(3, count, null), 'warning');
  assert.equal(levelFor(6, count, null), 'critical');
  assert.equal(levelFor(95, share, null), null);
  assert.equal(levelFor(94.99, share, null), 'warning');
  assert.equal(levelFor(84.99, share, null), 'critical');
  assert.equal(levelFor(null, share, 'critical'), null, 'no calls to measure: nothing to alarm about');
});

test('escalation is immediate and re-raises at the new level', () => {
  assert.deepEqual(run(wait, [[0, 5_000], [1000, 10_000], [2000, 20_000], [3000, 30_000]]), ['1000:raise warning', '3000:raise critical from warning']);
  assert.deepEqual(run(count, [[0, 7]]), ['0:raise critical'], 'straight to critical');
});

test('margin: a level holds while the value is within the margin of its threshold', () => {
  assert.equal(levelFor(8_500, wait, 'warning'), 'warning', 'within 2 s of 10 s');
  assert.equal(levelFor(7_999, wait, 'warning'), null);
  assert.equal(levelFor(2, count, 'warning'), 'warning', 'within one call of 3');
  assert.equal(levelFor(1, count, 'warning'), null);
  assert.equal(levelFor(85.5, share, 'critical'), 'critical', 'within one point of 85 %');
  assert.equal(levelFor(86, share, 'critical'), 'warning');
  assert.equal(levelFor(95.5, share, 'warning'), 'warning');
  assert.equal(levelFor(96, share, 'warning'), null);
});

test('clearing hysteresis: the lower level must hold for holdMs; a relapse restarts the wait', () => {
  const hold = wait.holdMs;
  assert.ok(hold > 0);
  assert.deepEqual(run(wait, [
    [0, 12_000], // warning
    [1000, 0], // answered: lower for 0 ms
    [1000 + hold - 1, 0], // not yet
    [1000 + hold, 11_000], // relapse before clearing: stays warning, nothing sent
    [2000 + hold, 0],
    [2000 + 2 * hold, 0], // held long enough
  ]), ['0:raise warning', `${2000 + 2 * hold}:clear warning`]);
});

test('de-escalation steps down a level (critical -> warning) after the hold, then clears', () => {
  const hold = count.holdMs;
  assert.deepEqual(run(count, [[0, 6], [1, 4], [1 + hold, 4], [2 + hold, 0], [2 + 2 * hold, 0]]),
    ['0:raise critical', `${1 + hold}:raise warning from critical`, `${2 + 2 * hold}:clear warning`]);
});

test('nothing waiting always clears, even with thresholds of one call (the margin cannot hold an empty queue)', () => {
  const strict = bandOf('waiting_calls', { ...DEFAULT_ALARM_THRESHOLDS, waiting_warning: 1, waiting_critical: 1 });
  assert.equal(levelFor(1, strict, null), 'critical');
  assert.equal(levelFor(0, strict, 'critical'), null);
  const perfect = bandOf('answered_10s_share', { ...DEFAULT_ALARM_THRESHOLDS, answered_10s_warning_pct: 100, answered_10s_critical_pct: 99.5 });
  assert.equal(levelFor(99.9, perfect, null), 'warning');
  assert.equal(levelFor(100, perfect, 'critical'), null);
});

test('the answered share has no hold: one evaluation every ~10 s is slow enough', () => {
  assert.deepEqual(run(share, [[0, 80], [10_000, 90], [20_000, 97]]), ['0:raise critical', '10000:raise warning from critical', '20000:clear warning']);
});

test('an alarm restored from the table (restart) clears on the first quiet evaluation after the hold', () => {
  assert.deepEqual(run(wait, [[0, 0], [wait.holdMs, 0]], { level: 'critical', lowerSinceMs: null }), [`${wait.holdMs}:clear critical`]);
});
