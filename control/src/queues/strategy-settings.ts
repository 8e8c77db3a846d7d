/**
 * The strategy part of a queue's `settings` document (queues.settings, jsonb):
 *   { "tiers": [{ "tier": 1, "after_s": 0 }, { "tier": 2, "after_s": 15 }],
 *     "required_skills": ["dialect-wu"], "skills_waived_after_s": 30 }
 * Read leniently (`strategySettingsOf` drops what it cannot use); checked strictly when written
 * (`checkStrategySettings`).
 */
import { CtiError } from '../errors/catalogue.ts';

/** Tier `tier` opens once the head call has waited `afterMs`. */
export interface TierStep {
  tier: number;
  afterMs: number;
}

export interface StrategySettings {
  tierEscalation: TierStep[];
  requiredSkills: string[];
  skillsWaivedAfterMs: number | null;
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isTier = (v: unknown): v is number => isWhole(v) && v >= 1;

export function strategySettingsOf(doc: Record<string, unknown> | null | undefined): StrategySettings {
  const tiersDoc = Array.isArray(doc?.tiers) ? doc.tiers : [];
  const tierEscalation = tiersDoc
    .filter((t): t is { tier: number; after_s: number } => typeof t === 'object' && t !== null && isTier(t.tier) && isWhole(t.after_s))
    .map((t) => ({ tier: t.tier, afterMs: t.after_s * 1000 }))
    .sort((a, b) => a.tier - b.tier);
  const skills = Array.isArray(doc?.required_skills) ? doc.required_skills : [];
  const waived = doc?.skills_waived_after_s;
  return {
    tierEscalation,
    requiredSkills: skills.filter((s): s is string => typeof s === 'string' && s.length > 0),
    skillsWaivedAfterMs: isWhole(waived) ? waived * 1000 : null,
  };
}

/** Throws CTI_QUEUE_SETTINGS_INVALID naming every field that `strategySettingsOf` would drop. */
export function checkStrategySettings(doc: Record<string, unknown> | null | undefined): void {
  const bad: string[] = [];
  if (doc?.tiers !== undefined) {
    if (!Array.isArray(doc.tiers)) bad.push('tiers must be a list of {tier, after_s}');
    else {
      doc.tiers.forEach((t: unknown, i) => {
        const step = t as { tier?: unknown; after_s?: unknown } | null;
        if (!step || !isTier(step.tier)) bad.push(`tiers[${i}].tier must be an integer >= 1`);
        if (!step || !isWhole(step.after_s)) bad.push(`tiers[${i}].after_s must be an integer >= 0`);
      });
      const tiersSeen = doc.tiers.map((t: { tier?: unknown } | null) => t?.tier);
      if (new Set(tiersSeen).size !== tiersSeen.length) bad.push('tiers lists a tier twice');
    }
  }
  if (doc?.required_skills !== undefined
    && (!Array.isArray(doc.required_skills) || !doc.required_skills.every((s) => typeof s === 'string' && s.length > 0))) {
    bad.push('required_skills must be a list of non-empty strings');
  }
  if (doc?.skills_waived_after_s !== undefined && doc.skills_waived_after_s !== null && !isWhole(doc.skills_waived_after_s)) {
    bad.push('skills_waived_after_s must be an integer >= 0 or null');
  }
  if (bad.length > 0) {
    throw new CtiError('CTI_QUEUE_SETTINGS_INVALID', { strategy: bad }, `The queue strategy settings are not valid (see details): ${bad.join('; ')}.`);
  }
}
