/**
 * A call's consultation as it stands (machine.ts phaseOf): its record, the call's anchor, the dialled party. Every
 * action reads it, checks its transition, and only then sends anything.
 */
import { CtiError } from '../../errors/catalogue.ts';
import { recordAudit, type AuditEntry } from '../../audit/record.ts';
import type { LegEnv } from '../conference/legs.ts';
import type { Anchor, Participant } from '../conference/store.ts';
import { phaseOf, type ConsultOutcome, type ConsultPhase } from './machine.ts';
import { getConsultation, putConsultation, targetLeftReason, type Consultation } from './store.ts';

export interface ConsultNow { c: Consultation; a?: Anchor; target?: Participant; phase: ConsultPhase }

export async function consultationNow(env: LegEnv, callId: string): Promise<ConsultNow> {
  const c = await getConsultation(env.deps.redis, callId);
  if (!c) throw new CtiError('CTI_CONSULT_NOT_FOUND', { call_id: callId });
  const a = await env.store.anchor(c.sip_call_id);
  const target = a?.dialled_pid ? await env.store.participant(c.room_id, a.dialled_pid) : undefined;
  return { c, a, target, phase: phaseOf(c.state, a, target) };
}

/** What the page shows: the phase, the destination, the target's state and why it left (busy, no answer, hung up). */
export async function consultationView(env: LegEnv, now: ConsultNow) {
  const { c, a, target, phase } = now;
  const left = phase === 'target_failed' && a?.dialled_pid ? await targetLeftReason(env.deps.sql, c.call_id, a.dialled_pid) : null;
  return {
    call_id: c.call_id, room_id: c.room_id, phase, destination: c.destination, started_at: c.started_at, deadline_at: c.deadline_at,
    ended_by: c.ended_by ?? null, ended_at: c.ended_at ?? null,
    target: target ? { participant_id: target.participant_id, state: target.state } : null,
    target_failure: phase === 'target_failed' ? (left ?? (a?.dial_error ? 'not_dialled' : 'gone')) : null,
  };
}

/** The consultation ends: its record and an audit row (`call.consultation_<outcome>`). */
export async function finishConsultation(env: LegEnv, who: { actor: AuditEntry['actor']; ip: string | null }, now: ConsultNow, to: ConsultOutcome, by: 'dispatcher' | 'timeout'): Promise<void> {
  const c: Consultation = { ...now.c, state: to, ended_by: by, ended_at: new Date().toISOString() };
  await putConsultation(env.deps.redis, c);
  await recordAudit(env.deps.sql, {
    actor: who.actor, ip: who.ip, action: `call.consultation_${to}`, target_type: 'call', target_id: c.call_id,
    before: { phase: now.phase }, after: { phase: to, by, room_id: c.room_id, destination_id: c.destination.destination_id },
  });
}
