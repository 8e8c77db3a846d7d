/**
 * A coaching session's mode change and end (docs/mixer.md "Whisper and barge-in"). Only the supervisor who started
 * it acts on it: another's session is "not found". The end deletes the talk-back leg at rtpengine (the caller's media
 * session is never touched), ends the supervisor's `monitor` leg with its audit entry in one transaction, and tells
 * both pages (`call.coached.v1` ended); the supervisor's listen-in goes on.
 */
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type AuditEntry, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { logCallEvent } from '../store.ts';
import { coachEvent } from './event.ts';
import { coachTransition, type CoachMode } from './machine.ts';
import { legCallId, type CoachEngine } from './media.ts';
import { CoachStore, type CoachSession } from './store.ts';

export async function loadCoach(deps: Pick<AppDeps, 'redis'>, callId: string, coachId: string): Promise<CoachSession> {
  const s = await new CoachStore(deps.redis).get(coachId);
  if (!s || s.call_id !== callId) throw new CtiError('CTI_COACH_NOT_FOUND', { call_id: callId, coach_id: coachId });
  return s;
}

async function ownSession(deps: Pick<AppDeps, 'redis'>, callId: string, coachId: string, change: Change): Promise<CoachSession> {
  const s = await loadCoach(deps, callId, coachId);
  if (s.user_id !== change.actor.id) throw new CtiError('CTI_COACH_NOT_FOUND', { call_id: callId, coach_id: coachId });
  return s;
}

export async function setCoachMode(deps: AppDeps, callId: string, coachId: string, mode: CoachMode, change: Change): Promise<CoachSession> {
  const s = await ownSession(deps, callId, coachId, change);
  if (s.state === mode) return s;
  const before = s.state;
  s.state = coachTransition(s.state, mode, coachId);
  s.mode = mode;
  await new CoachStore(deps.redis).put(s);
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: 'call.coach_mode_changed', target_type: 'call', target_id: callId,
    before: { coach_id: coachId, mode: before }, after: { coach_id: coachId, mode },
  });
  await logCallEvent(deps, callId, 'call.coached.v1', coachEvent(s, null));
  return s;
}

export async function stopCoach(deps: AppDeps, ng: CoachEngine, callId: string, coachId: string, change: Change): Promise<void> {
  await endCoach(deps, ng, await ownSession(deps, callId, coachId, change), { actor: change.actor, ip: change.ip, reason: 'stopped' });
}

/** Ends a session whatever its state (the dispatcher's page never answered; the call ended: `actor` system). */
export async function endCoach(deps: AppDeps, ng: CoachEngine, s: CoachSession, how: { actor: AuditEntry['actor']; ip: string | null; reason: string }): Promise<void> {
  const before = s.state;
  s.state = coachTransition(s.state, 'ended', s.coach_id);
  if (!(await new CoachStore(deps.redis).drop(s))) return; // ended by someone else just now
  try {
    await ng.delete({ callId: legCallId(s.coach_id) });
  } catch (err) {
    // gone already (rtpengine's timeout after both pages closed it): the session ends either way
    deps.log.info({ err: String(err), coach_id: s.coach_id }, 'deleting the talk-back leg failed; it is gone');
  }
  await deps.sql.begin(async (tx) => {
    await tx`UPDATE call_legs SET ended_at = now() WHERE id = ${s.leg_id} AND ended_at IS NULL`;
    await recordAudit(tx, {
      actor: how.actor, ip: how.ip, action: 'call.coach_stopped', target_type: 'call', target_id: s.call_id,
      before: { coach_id: s.coach_id, mode: before }, after: { reason: how.reason },
    });
  });
  await logCallEvent(deps, s.call_id, 'call.coached.v1', coachEvent(s, how.reason));
}
