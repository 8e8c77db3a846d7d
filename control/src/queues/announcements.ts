/**
 * What a queued caller hears (a queue's `settings.announcements`, docs/announcements.md):
 *
 *   { "enabled": true, "ringback_only": false, "greeting": "entry", "waiting": "reassure", "music": "queue", "repeat_s": 30 }
 *
 * enabled false or ringback_only true: the caller hears ringing (the 180 sent on arrival) until a seat answers.
 * Otherwise, once a call has to wait (no seat took it at once): the greeting once, then music, and the waiting
 * prompt every repeat_s seconds, until a seat answers. Read leniently (defaults fill what is missing).
 */
import type { AppDeps } from '../app/deps.ts';
import { queueSettings } from './routing.ts';
import type { AnnouncementSettings } from './settings.ts';

export interface AnnouncementPlan {
  /** False: ringback only. */
  play: boolean;
  greeting: string | null;
  waiting: string | null;
  music: string | null;
  repeatMs: number;
}

export const DEFAULT_ANNOUNCEMENTS = Object.freeze({ greeting: 'entry', waiting: 'reassure', music: 'queue', repeat_s: 30 });

export function announcementPlanOf(a: AnnouncementSettings | undefined | null): AnnouncementPlan {
  const name = (v: unknown, dflt: string): string | null => (v === null || v === '' ? null : typeof v === 'string' ? v : dflt);
  const repeatS = typeof a?.repeat_s === 'number' && a.repeat_s >= 5 ? a.repeat_s : DEFAULT_ANNOUNCEMENTS.repeat_s;
  return {
    play: a?.enabled !== false && a?.ringback_only !== true,
    greeting: name(a?.greeting, DEFAULT_ANNOUNCEMENTS.greeting),
    waiting: name(a?.waiting, DEFAULT_ANNOUNCEMENTS.waiting),
    music: name(a?.music, DEFAULT_ANNOUNCEMENTS.music),
    repeatMs: repeatS * 1000,
  };
}

/** The plan of a queue's announcements (its settings are cached by routing.ts). */
export async function queueAnnouncementPlan(deps: AppDeps, queueId: string): Promise<AnnouncementPlan> {
  return announcementPlanOf((await queueSettings(deps, queueId)).settings.announcements as AnnouncementSettings | undefined);
}
