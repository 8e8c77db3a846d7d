import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { alarmThresholdsOf, checkAlarmThresholds, DEFAULT_ALARM_THRESHOLDS, mergeSettings } from '../../../control/src/queues/settings.ts';
import { isQueueStrategy, QUEUE_STRATEGIES } from '../../../control/src/queues/strategy.ts';

test('thresholds: stored values win, the rest are the defaults, junk is ignored', () => {
  assert.deepEqual(alarmThresholdsOf(undefined), DEFAULT_ALARM_THRESHOLDS);
  const t = alarmThresholdsOf({ alarms: { longest_wait_warning_s: 5, waiting_critical: 'x' as never } });
  assert.deepEqual(t, { ...DEFAULT_ALARM_THRESHOLDS, longest_wait_warning_s: 5 });
});

test('thresholds: a warning after its critical is refused, naming the pair', () => {
  assert.doesNotThrow(() => checkAlarmThresholds(DEFAULT_ALARM_THRESHOLDS));
  assert.throws(() => checkAlarmThresholds({ ...DEFAULT_ALARM_THRESHOLDS, waiting_warning: 7, answered_10s_critical_pct: 96 }), (e) => {
    assert.ok(isCtiError(e, 'CTI_QUEUE_SETTINGS_INVALID'));
    assert.deepEqual((e.details as { thresholds: string[] }).thresholds, ['waiting_warning > waiting_critical', 'answered_10s_warning_pct < answered_10s_critical_pct']);
    return true;
  });
});

test('a settings patch merges alarms and announcements field by field and keeps other keys', () => {
  const stored = { alarms: { waiting_warning: 2 }, announcements: { enabled: true, greeting: 'welcome' }, tiers: [['a']] };
  assert.deepEqual(mergeSettings(stored, { alarms: { waiting_critical: 4 }, announcements: { greeting: null } }), {
    alarms: { waiting_warning: 2, waiting_critical: 4 }, announcements: { enabled: true, greeting: null }, tiers: [['a']],
  });
  assert.equal(mergeSettings(stored, undefined), stored);
});

test('strategies: the five the ACD supports', () => {
  assert.deepEqual([...QUEUE_STRATEGIES], ['longest_idle', 'fewest_calls', 'round_robin', 'ring_all', 'tiers']);
  assert.equal(isQueueStrategy('ring_all'), true);
  assert.equal(isQueueStrategy('random'), false);
});
