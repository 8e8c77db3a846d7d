/**
 * What a list does to a call, and the decision the call flow acts on. Pure: no I/O.
 *
 *   none              queue as routed
 *   mark              queue as routed; the seat sees why the number is listed
 *   lowest_priority   queue at the lowest priority (9), marked
 *   warn_then_lowest  play the warning announcement (训诫语), then queue at the lowest priority, marked
 *   warn_then_end     play the warning, then end the call
 *
 * Emergency rules: a decision never drops a call silently. 'warn_then_end' needs the announcement; without it
 * the decision degrades to 'warn_then_lowest' and says so. A held-back number is let through to a seat, as
 * routed and marked, once per override period (the same number may have a real emergency).
 */
import type { ListEntry, ListName } from './match.ts';

export const POLICIES = ['none', 'mark', 'lowest_priority', 'warn_then_lowest', 'warn_then_end'] as const;
export type PolicyName = (typeof POLICIES)[number];
/** Policies an always-allow list may have. */
export const ALLOW_POLICIES: readonly PolicyName[] = ['none', 'mark'];
export const LOWEST_PRIORITY = 9;

export interface ListPolicy {
  list: ListName;
  policy: PolicyName;
  /** A held-back number reaches a seat once per this many seconds (0: never let through). */
  overridePeriodS: number;
}

export type Policies = Record<ListName, ListPolicy>;

/** The centre's policies before anyone changed them (the migration inserts the same for 'city'). */
export const DEFAULT_POLICIES: Policies = {
  block: { list: 'block', policy: 'warn_then_lowest', overridePeriodS: 600 },
  watch: { list: 'watch', policy: 'mark', overridePeriodS: 600 },
  allow: { list: 'allow', policy: 'none', overridePeriodS: 0 },
};

export type Degraded = 'announcement_unavailable' | 'screening_failed';

export interface ScreeningDecision {
  /** The caller number as the lists store it ('' for anonymous). */
  number: string;
  list: ListName | null;
  entry_id: string | null;
  /** The entry's reason, for the seat and the log. */
  reason: string | null;
  /** The list's policy as the centre set it. */
  configured_policy: PolicyName;
  /** What the call flow does. */
  policy: PolicyName;
  /** Priority to queue at instead of the route's, or null to keep the route's. */
  priority: number | null;
  /** Text for the seat's screen (Simplified Chinese), or null. */
  mark: string | null;
  /** The announcement to play before queueing (or ending); null when none is to be played. */
  announcement: 'warning' | null;
  /** End the call after the announcement (only ever true when the announcement is played). */
  end_after_announcement: boolean;
  /** This call is the number's let-through for the current override period. */
  override_once: boolean;
  override_period_s: number;
  /** Why the decision is weaker than the policy, or null. */
  degraded: Degraded | null;
}

/** Seat-facing texts, in one place. */
export const MARK_TEXT: Record<ListName, string> = {
  block: '拦截名单号码',
  watch: '关注名单号码',
  allow: '可信号码',
};
const LET_THROUGH_TEXT = '本时段放行一次，请按急救电话受理';

export function holdsBack(p: PolicyName): boolean {
  return p === 'lowest_priority' || p === 'warn_then_lowest' || p === 'warn_then_end';
}

export function noDecision(number: string, degraded: Degraded | null = null): ScreeningDecision {
  return {
    number, list: null, entry_id: null, reason: null, configured_policy: 'none', policy: 'none', priority: null, mark: null,
    announcement: null, end_after_announcement: false, override_once: false, override_period_s: 0, degraded,
  };
}

export interface DecideOptions {
  /** Whether the warning announcement can be played (early media); false until announcements exist. */
  announcements: boolean;
  /** Whether this call is the number's let-through for the period (claimed by the caller only when holdsBack). */
  letThrough: boolean;
}

export function decide(number: string, entry: ListEntry | undefined, policies: Policies, o: DecideOptions): ScreeningDecision {
  if (!entry) return noDecision(number);
  const lp = policies[entry.list] ?? DEFAULT_POLICIES[entry.list];
  const configured = entry.list === 'allow' && !ALLOW_POLICIES.includes(lp.policy) ? 'none' : lp.policy;
  const base: ScreeningDecision = {
    ...noDecision(number), list: entry.list, entry_id: entry.id, reason: entry.reason, configured_policy: configured,
    policy: configured, override_period_s: lp.overridePeriodS,
    mark: configured === 'none' ? null : `${MARK_TEXT[entry.list]}：${entry.reason}`,
  };
  if (!holdsBack(configured)) return base;
  if (o.letThrough) return { ...base, policy: 'mark', override_once: true, mark: `${base.mark}（${LET_THROUGH_TEXT}）` };
  let policy = configured;
  let degraded: Degraded | null = null;
  if (!o.announcements && policy !== 'lowest_priority') {
    degraded = 'announcement_unavailable';
    if (policy === 'warn_then_end') policy = 'warn_then_lowest';
  }
  const plays = o.announcements && policy !== 'lowest_priority';
  return {
    ...base, policy, degraded, priority: LOWEST_PRIORITY,
    announcement: plays ? 'warning' : null,
    end_after_announcement: plays && policy === 'warn_then_end',
  };
}
