/**
 * The ACD part of a queue's `settings` document (queues.settings, jsonb) owned here:
 *   { "repeat_caller": { "enabled": true, "within_min": 10, "raise_by": 1 },
 *     "missed_offers_not_ready": 1 }
 * repeat_caller: a caller whose last call (any outcome) arrived at most `within_min` minutes ago queues
 * `raise_by` priority steps more urgent (acd/repeat-caller.ts). On by default.
 * missed_offers_not_ready: a seat goes not ready after this many missed offers in a row (seats/state/missed-offers.ts).
 * Read leniently (`acdSettingsOf` falls back to the defaults for what it cannot use); checked strictly when
 * written (`checkAcdSettings`, called by the queue service).
 */
import { CtiError } from '../errors/catalogue.ts';

export interface RepeatCallerSettings {
  enabled: boolean;
  withinMs: number;
  raiseBy: number;
}

export interface AcdSettings {
  repeatCaller: RepeatCallerSettings;
  missedOffersNotReady: number;
}

/** The longest window a queue may set: the caller index (acd/repeat-caller.ts) keeps a number this long. */
export const REPEAT_WITHIN_MAX_MIN = 180;
export const RAISE_BY_MAX = 9;
export const MISSED_OFFERS_MAX = 20;

export const DEFAULT_ACD_SETTINGS: Readonly<AcdSettings> = Object.freeze({
  repeatCaller: Object.freeze({ enabled: true, withinMs: 10 * 60_000, raiseBy: 1 }),
  missedOffersNotReady: 1,
});

const intIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function acdSettingsOf(doc: Record<string, unknown> | null | undefined): AcdSettings {
  const rc = (doc?.repeat_caller ?? {}) as Record<string, unknown>;
  const d = DEFAULT_ACD_SETTINGS;
  return {
    repeatCaller: {
      enabled: typeof rc.enabled === 'boolean' ? rc.enabled : d.repeatCaller.enabled,
      withinMs: intIn(rc.within_min, 1, REPEAT_WITHIN_MAX_MIN) ? rc.within_min * 60_000 : d.repeatCaller.withinMs,
      raiseBy: intIn(rc.raise_by, 1, RAISE_BY_MAX) ? rc.raise_by : d.repeatCaller.raiseBy,
    },
    missedOffersNotReady: intIn(doc?.missed_offers_not_ready, 1, MISSED_OFFERS_MAX) ? doc.missed_offers_not_ready : d.missedOffersNotReady,
  };
}

/** Throws CTI_QUEUE_SETTINGS_INVALID naming every field that `acdSettingsOf` would ignore. */
export function checkAcdSettings(doc: Record<string, unknown> | null | undefined): void {
  const bad: string[] = [];
  const rc = doc?.repeat_caller;
  if (rc !== undefined) {
    if (typeof rc !== 'object' || rc === null || Array.isArray(rc)) bad.push('repeat_caller must be an object {enabled, within_min, raise_by}');
    else {
      const r = rc as Record<string, unknown>;
      for (const k of Object.keys(r)) if (!['enabled', 'within_min', 'raise_by'].includes(k)) bad.push(`repeat_caller.${k} is not a setting`);
      if (r.enabled !== undefined && typeof r.enabled !== 'boolean') bad.push('repeat_caller.enabled must be true or false');
      if (r.within_min !== undefined && !intIn(r.within_min, 1, REPEAT_WITHIN_MAX_MIN)) bad.push(`repeat_caller.within_min must be an integer 1-${REPEAT_WITHIN_MAX_MIN}`);
      if (r.raise_by !== undefined && !intIn(r.raise_by, 1, RAISE_BY_MAX)) bad.push(`repeat_caller.raise_by must be an integer 1-${RAISE_BY_MAX}`);
    }
  }
  if (doc?.missed_offers_not_ready !== undefined && !intIn(doc.missed_offers_not_ready, 1, MISSED_OFFERS_MAX)) {
    bad.push(`missed_offers_not_ready must be an integer 1-${MISSED_OFFERS_MAX}`);
  }
  if (bad.length > 0) {
    throw new CtiError('CTI_QUEUE_SETTINGS_INVALID', { acd: bad }, `The queue ACD settings are not valid (see details): ${bad.join('; ')}.`);
  }
}
