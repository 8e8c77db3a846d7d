/**
 * The screening decision for a new call, in the call flow's fast path: Redis only (one round trip for the
 * entries and policies, one more only when a held-back number may be let through), nothing written to
 * PostgreSQL. It never throws: if Redis fails the call is not screened (degraded: 'screening_failed'), because a
 * caller must never wait on, or be lost by, screening.
 */
import type { AppDeps } from '../app/deps.ts';
import { bestMatch, type ListEntry } from './match.ts';
import { readCandidates } from './mirror.ts';
import { isScreenable, normaliseNumber } from './numbers.ts';
import { decide, holdsBack, noDecision, type Policies, type ScreeningDecision } from './policy.ts';
import { redisLetThrough, type LetThrough } from './let-through.ts';

export interface ScreeningInput {
  /** As Kamailio reported it (P-Asserted-Identity, else From); normalised here. */
  callerNumber: string;
  calledNumber: string;
  trunkId: string;
  at: Date;
  /** The centre whose lists apply; the process's centre if absent. */
  centreId?: string;
}

export interface ScreeningOptions {
  /** Whether the warning announcement can be played. False until announcements (early media) exist. */
  announcements?: boolean;
}

export interface ScreeningSource {
  read(centre: string, number: string): Promise<{ entries: ListEntry[]; policies: Policies }>;
}

type ScreenDeps = Pick<AppDeps, 'redis' | 'config' | 'log'>;

/** The decision from a source of entries and a let-through store (the seams the unit tests fill with fakes). */
export async function screenWith(
  source: ScreeningSource, store: LetThrough, centre: string, input: ScreeningInput, o: ScreeningOptions = {},
): Promise<ScreeningDecision> {
  const number = normaliseNumber(input.callerNumber);
  if (!isScreenable(number)) return noDecision(number);
  const nowMs = input.at.getTime();
  const { entries, policies } = await source.read(centre, number);
  const entry = bestMatch(entries, number, nowMs);
  const announcements = o.announcements === true;
  if (!entry) return noDecision(number);
  const p = policies[entry.list];
  const letThrough = holdsBack(p.policy) && entry.list !== 'allow'
    && await store.claim(centre, number, p.overridePeriodS * 1000, nowMs);
  return decide(number, entry, policies, { announcements, letThrough });
}

export async function screenCall(deps: ScreenDeps, input: ScreeningInput, o: ScreeningOptions = {}): Promise<ScreeningDecision> {
  const centre = input.centreId ?? deps.config.centreId;
  try {
    return await screenWith({ read: (c, n) => readCandidates(deps.redis, c, n) }, redisLetThrough(deps.redis), centre, input, o);
  } catch (err) {
    deps.log.error({ err: String(err), caller: input.callerNumber }, 'screening failed: call not screened');
    return noDecision(normaliseNumber(input.callerNumber), 'screening_failed');
  }
}
