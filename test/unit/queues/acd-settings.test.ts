/** Queue ACD settings (control/src/queues/acd-settings.ts): defaults, lenient read, strict check with a coded error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acdSettingsOf, checkAcdSettings, DEFAULT_ACD_SETTINGS } from '../../../control/src/queues/acd-settings.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

test('acd-settings: defaults (repeat_caller on, 10 min, 1 step; missed_offers_not_ready 1)', () => {
  assert.deepEqual(acdSettingsOf({}), DEFAULT_ACD_SETTINGS);
  assert.deepEqual(acdSettingsOf(null), { repeatCaller: { enabled: true, withinMs: 600_000, raiseBy: 1 }, missedOffersNotReady: 1 });
});

test('acd-settings: given values are read; unusable ones fall back to the defaults', () => {
  const s = acdSettingsOf({ repeat_caller: { enabled: false, within_min: 30, raise_by: 2 }, missed_offers_not_ready: 3 });
  assert.deepEqual(s, { repeatCaller: { enabled: false, withinMs: 1_800_000, raiseBy: 2 }, missedOffersNotReady: 3 });
  assert.deepEqual(acdSettingsOf({ repeat_caller: { within_min: 0, raise_by: 'x' }, missed_offers_not_ready: 0 }), DEFAULT_ACD_SETTINGS);
});

test('acd-settings: the write check names every bad field with CTI_QUEUE_SETTINGS_INVALID', () => {
  checkAcdSettings({ repeat_caller: { within_min: 180, raise_by: 9, enabled: true }, missed_offers_not_ready: 20 });
  checkAcdSettings({ alarms: {} });
  assert.throws(() => checkAcdSettings({ repeat_caller: { within_min: 181, raise_by: 0, enabled: 'yes', extra: 1 }, missed_offers_not_ready: 1.5 }), (e: unknown) => {
    assert.ok(isCtiError(e) && e.code === 'CTI_QUEUE_SETTINGS_INVALID');
    const bad = (e.details as { acd: string[] }).acd;
    assert.equal(bad.length, 5, bad.join('\n'));
    return true;
  });
  assert.throws(() => checkAcdSettings({ repeat_caller: [1] }), (e: unknown) => isCtiError(e) && e.code === 'CTI_QUEUE_SETTINGS_INVALID');
});
