/**
 * Detection rules (each off until the centre turns it on):
 *   short_calls   N calls from one number within M minutes, each shorter than S seconds (arrival to end)
 *   silent_marks  K silent marks of one number within H hours
 * A rule that fires proposes the number (proposals.ts); with auto_apply it lists it at once, flagged 'rule'.
 * Numbers already on the rule's list (exact) or matched by the always-allow list are left alone.
 */
import type { AppDeps } from '../app/deps.ts';
import type { Queryable } from '../audit/record.ts';
import { bestMatch, type ListEntry } from './match.ts';
import { rebuildMirror } from './mirror.ts';
import { normaliseNumber } from './numbers.ts';
import { approveIn, proposeIn, publishProposal, type Proposal } from './proposals.ts';
import { listRules, type Rule, type ShortCallsParams, type SilentMarksParams } from './settings.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config' | 'bus' | 'log'>;

export interface FinishedCall { id: string; arrivedMs: number; endedMs: number }

/** The calls that make a short-call burst ending at `nowMs`, or [] if there are fewer than `calls` of them. */
export function shortCallBurst(calls: readonly FinishedCall[], nowMs: number, p: ShortCallsParams): FinishedCall[] {
  const since = nowMs - p.window_min * 60_000;
  const short = calls.filter((c) => c.arrivedMs >= since && c.arrivedMs <= nowMs && c.endedMs - c.arrivedMs < p.max_s * 1000);
  return short.length >= p.calls ? short : [];
}

/** Whether `marks` silent-mark times reach the rule's count within its window ending at `nowMs`. */
export function silentMarksReached(marksMs: readonly number[], nowMs: number, p: SilentMarksParams): boolean {
  const since = nowMs - p.window_h * 3_600_000;
  return marksMs.filter((t) => t >= since && t <= nowMs).length >= p.marks;
}

async function alreadyHandled(tx: Queryable, centre: string, number: string, list: 'block' | 'watch'): Promise<boolean> {
  const rows = await tx<{ id: string; list: ListEntry['list']; match: ListEntry['match']; number: string; reason: string; expires_at: Date | null }[]>`
    SELECT id::text AS id, list, match, number, reason, expires_at FROM screening_entries
     WHERE centre_id = ${centre} AND (expires_at IS NULL OR expires_at > now())
       AND ((list = 'allow' AND starts_with(${number}, number)) OR (list = ${list} AND match = 'exact' AND number = ${number}))`;
  const allow = bestMatch(rows.filter((r) => r.list === 'allow').map((r) => ({ ...r, expiresMs: null })), number, Date.now());
  return allow !== undefined || rows.some((r) => r.list === list);
}

/** A rule fired for `number`: propose (and with auto_apply, list) it. Returns the proposal, or null if left alone. */
export async function ruleFired(deps: Deps, rule: Rule, number: string, callIds: readonly string[]): Promise<Proposal | null> {
  const centre = deps.config.centreId;
  const out = await deps.sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('screening_number'), hashtext(${centre} || ':' || ${number}))`;
    if (await alreadyHandled(tx, centre, number, rule.list)) return null;
    let p: Proposal | undefined;
    for (const callId of callIds.length ? callIds : [null]) p = await proposeIn(tx, centre, { number, list: rule.list, reason: rule.kind, callId });
    if (!p || !rule.auto_apply) return p ?? null;
    return (await approveIn(tx, centre, { rule: rule.kind }, p, { list: rule.list, expires_in_h: rule.entry_ttl_h })).proposal;
  });
  if (!out) return null;
  if (out.status === 'approved') await rebuildMirror(deps, centre);
  await publishProposal(deps, out, callIds[callIds.length - 1] ?? null);
  deps.log.info({ rule: rule.kind, number, proposal: out.id, status: out.status }, 'screening rule fired');
  return out;
}

/** Evaluates the enabled rules after a call ended or was abandoned. */
export async function onCallFinished(deps: Deps, callId: string): Promise<Proposal[]> {
  const [shortCalls, silentMarks] = await listRules(deps);
  if (!shortCalls.enabled && !silentMarks.enabled) return [];
  const [call] = await deps.sql<{ caller_number: string | null; ended_at: Date | null }[]>`
    SELECT caller_number, ended_at FROM calls WHERE id = ${callId}`;
  const number = normaliseNumber(call?.caller_number);
  if (!call?.caller_number || !number) return [];
  const nowMs = (call.ended_at ?? new Date()).getTime();
  const fired: Proposal[] = [];
  if (shortCalls.enabled) {
    const since = new Date(nowMs - shortCalls.params.window_min * 60_000);
    const rows = await deps.sql<{ id: string; arrived_at: Date; ended_at: Date }[]>`
      SELECT id::text AS id, arrived_at, ended_at FROM calls
       WHERE caller_number = ${call.caller_number} AND arrived_at >= ${since} AND ended_at IS NOT NULL`;
    const burst = shortCallBurst(rows.map((r) => ({ id: r.id, arrivedMs: r.arrived_at.getTime(), endedMs: r.ended_at.getTime() })), nowMs, shortCalls.params);
    const p = burst.length ? await ruleFired(deps, shortCalls, number, burst.map((c) => c.id)) : null;
    if (p) fired.push(p);
  }
  if (silentMarks.enabled) {
    const p = await checkSilentMarks(deps, silentMarks, number, nowMs);
    if (p) fired.push(p);
  }
  return fired;
}

/** The silent-marks rule for one number (after a call ends, and after a seat marks a call silent). */
export async function checkSilentMarks(deps: Deps, rule: Rule<'silent_marks'>, number: string, nowMs: number): Promise<Proposal | null> {
  if (!rule.enabled) return null;
  const since = new Date(nowMs - rule.params.window_h * 3_600_000);
  const marks = await deps.sql<{ call_id: string; at: Date }[]>`
    SELECT call_id::text AS call_id, at FROM screening_marks
     WHERE centre_id = ${deps.config.centreId} AND number = ${number} AND kind = 'silent' AND at >= ${since}`;
  if (!silentMarksReached(marks.map((m) => m.at.getTime()), nowMs, rule.params)) return null;
  return ruleFired(deps, rule, number, marks.map((m) => m.call_id));
}

/** After a seat marked a call silent: the silent-marks rule for its number. */
export async function afterSilentMark(deps: Deps, number: string): Promise<Proposal | null> {
  const [, silentMarks] = await listRules(deps);
  return checkSilentMarks(deps, silentMarks, number, Date.now());
}
