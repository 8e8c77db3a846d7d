/**
 * The record of screening decisions: a row of screening_decisions and a call.screened.v1 event for every call
 * that matched a list or could not be screened. Written after the call is queued (the call flow's facts step),
 * never before the offer.
 */
import type { AppDeps } from '../app/deps.ts';
import type { ScreeningDecision } from './policy.ts';
import { normaliseNumber } from './numbers.ts';
import { fact } from '../ha/outbox/statement.ts';
import { writeFacts } from '../ha/outbox/write.ts';

type LogDeps = Pick<AppDeps, 'sql' | 'bus' | 'config' | 'redis' | 'log'>;

export interface DecidedCall {
  callId: string | null;
  sipCallId: string | null;
  centreId?: string;
  at: Date;
}

/** Whether a decision is worth a record (unlisted numbers that were screened normally are not logged). */
export function isScreened(d: ScreeningDecision): boolean {
  return d.list !== null || d.degraded !== null;
}

export async function recordDecision(deps: LogDeps, call: DecidedCall, d: ScreeningDecision): Promise<void> {
  if (!isScreened(d)) return;
  const centre = call.centreId ?? deps.config.centreId;
  // PostgreSQL away: kept in the outbox and written after (ha/outbox)
  await writeFacts(deps, call.callId ?? call.sipCallId ?? d.number, fact`
    INSERT INTO screening_decisions (centre_id, call_id, sip_call_id, number, list, entry_id, policy, priority, override_once, decision, at)
    VALUES (${centre}, ${call.callId}, ${call.sipCallId}, ${d.number}, ${d.list}, ${d.entry_id}, ${d.policy}, ${d.priority},
            ${d.override_once}, ${fact.json(d)}, ${call.at})`);
  await deps.bus.publish('call.screened.v1', {
    call_id: call.callId, sip_call_id: call.sipCallId, caller_number: d.number, list: d.list, entry_id: d.entry_id,
    configured_policy: d.configured_policy, policy: d.policy, priority: d.priority, mark: d.mark, override_once: d.override_once,
    degraded: d.degraded,
  }, call.at);
}

export interface DecisionFilter { number?: string; call_id?: string; limit: number }

export async function listDecisions(deps: Pick<AppDeps, 'sql' | 'config'>, f: DecisionFilter) {
  const number = f.number === undefined ? null : normaliseNumber(f.number);
  return deps.sql<{ id: string; call_id: string | null; sip_call_id: string | null; number: string; list: string | null;
    entry_id: string | null; policy: string; priority: number | null; override_once: boolean; decision: ScreeningDecision; at: Date }[]>`
    SELECT id::text AS id, call_id::text AS call_id, sip_call_id, number, list, entry_id::text AS entry_id, policy, priority,
           override_once, decision, at
      FROM screening_decisions
     WHERE centre_id = ${deps.config.centreId}
       AND (${number}::text IS NULL OR number = ${number})
       AND (${f.call_id ?? null}::uuid IS NULL OR call_id = ${f.call_id ?? null})
     ORDER BY at DESC, id DESC
     LIMIT ${f.limit}`;
}
