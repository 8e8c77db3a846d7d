/** The strategy part of queues.settings (control/src/queues/strategy-settings.ts): lenient read, strict check. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtiError } from '../../../control/src/errors/catalogue.ts';
import { checkStrategySettings, strategySettingsOf } from '../../../control/src/queues/strategy-settings.ts';

test('strategy-settings-read: tiers in seconds become milliseconds, sorted by tier; defaults when absent', () => {
  assert.deepEqual(strategySettingsOf({ tiers: [{ tier: 2, after_s: 15 }, { tier: 1, after_s: 0 }], required_skills: ['dialect-wu'], skills_waived_after_s: 30 }), {
    tierEscalation: [{ tier: 1, afterMs: 0 }, { tier: 2, afterMs: 15_000 }], requiredSkills: ['dialect-wu'], skillsWaivedAfterMs: 30_000,
  });
  assert.deepEqual(strategySettingsOf(null), { tierEscalation: [], requiredSkills: [], skillsWaivedAfterMs: null });
  assert.deepEqual(strategySettingsOf({ alarms: { waiting_warning: 3 } }), { tierEscalation: [], requiredSkills: [], skillsWaivedAfterMs: null });
});

test('strategy-settings-lenient: what cannot be used is dropped on read, never thrown at the distributor', () => {
  const read = strategySettingsOf({ tiers: [{ tier: 0, after_s: 5 }, { tier: 2, after_s: -1 }, null, { tier: 3, after_s: 40 }], required_skills: 'wu', skills_waived_after_s: 'soon' });
  assert.deepEqual(read, { tierEscalation: [{ tier: 3, afterMs: 40_000 }], requiredSkills: [], skillsWaivedAfterMs: null });
});

test('strategy-settings-check: CTI_QUEUE_SETTINGS_INVALID names every bad field', () => {
  assert.doesNotThrow(() => checkStrategySettings({ tiers: [{ tier: 1, after_s: 0 }, { tier: 2, after_s: 15 }], required_skills: ['english'], skills_waived_after_s: null }));
  assert.doesNotThrow(() => checkStrategySettings({}));
  assert.throws(() => checkStrategySettings({ tiers: [{ tier: 1, after_s: 0 }, { tier: 1, after_s: 5 }, { tier: 0, after_s: 1.5 }], required_skills: [''], skills_waived_after_s: -3 }),
    (err: unknown) => {
      assert.ok(err instanceof CtiError);
      assert.equal(err.code, 'CTI_QUEUE_SETTINGS_INVALID');
      const bad = (err.details as { strategy: string[] }).strategy;
      assert.deepEqual(bad, [
        'tiers[2].tier must be an integer >= 1', 'tiers[2].after_s must be an integer >= 0', 'tiers lists a tier twice',
        'required_skills must be a list of non-empty strings', 'skills_waived_after_s must be an integer >= 0 or null',
      ]);
      return true;
    });
});
