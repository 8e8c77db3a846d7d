/**
 * Cancel a consultation (the dispatcher takes the caller back): the target is dropped (a ringing target's INVITE
 * cancelled, an answered one gets a BYE: legs.ts leave), the caller is released from hold and talks with the
 * dispatcher again (in the room, a two-party call). Also the way back after the target was busy, did not answer or
 * hung up (phase target_failed). Checked before anything is sent.
 */
import type { AuditEntry, Change } from '../../audit/record.ts';
import { releaseCallerInRoom } from '../conference/caller-hold.ts';
import { leave, type LegEnv } from '../conference/legs.ts';
import type { Participant } from '../conference/store.ts';
import { assertMayControl, talkingCall } from '../media/session.ts';
import { consultationNow, finishConsultation, type ConsultNow } from './current.ts';
import { consultTransition } from './machine.ts';

export async function cancelConsultation(env: LegEnv, change: Change, callId: string): Promise<ConsultNow> {
  const call = await talkingCall(env.deps, callId);
  await assertMayControl(env.deps, change.actor, call);
  return cancelChecked(env, change, await consultationNow(env, callId), 'dispatcher');
}

export async function cancelChecked(env: LegEnv, who: { actor: AuditEntry['actor']; ip: string | null }, now: ConsultNow, by: 'dispatcher' | 'timeout'): Promise<ConsultNow> {
  const to = consultTransition(now.phase, 'cancel', now.c.call_id);
  if (now.target) await dropTarget(env, now.target);
  await releaseCallerInRoom(env, now.a!);
  await finishConsultation(env, who, now, to, by);
  return consultationNow(env, now.c.call_id);
}

/** A target still ringing: its INVITE cancelled by Kamailio's tm (a 2xx crossing the CANCEL gets a BYE: dial.ts). */
export async function dropTarget(env: LegEnv, p: Participant): Promise<void> {
  if (p.state === 'joining') {
    await env.rpc.call('tm.cancel', [p.dialog.call_id, '1'])
      .catch((err: unknown) => env.deps.log.warn({ err: String(err), participant_id: p.participant_id }, 'cancelling the ringing target failed (it may have answered)'));
  }
  await leave(env, p, 'dropped');
}
