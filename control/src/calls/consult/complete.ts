/**
 * Complete a consultative transfer: the target has answered (phase talking, machine.ts); the caller is released
 * from hold into the room (caller-hold.ts) and the dispatcher leaves (calls/conference/seat-leaves.ts): caller and
 * target talk, the seat goes to wrap-up. The transition is checked before anything is sent.
 */
import type { AuditEntry, Change } from '../../audit/record.ts';
import { releaseCallerInRoom } from '../conference/caller-hold.ts';
import type { LegEnv } from '../conference/legs.ts';
import { leaveRoom } from '../conference/seat-leaves.ts';
import { assertMayControl, talkingCall, type TalkingCall } from '../media/session.ts';
import { consultationNow, finishConsultation, type ConsultNow } from './current.ts';
import { consultTransition } from './machine.ts';

export async function completeConsultation(env: LegEnv, change: Change, callId: string): Promise<ConsultNow> {
  const call = await talkingCall(env.deps, callId);
  await assertMayControl(env.deps, change.actor, call);
  return completeChecked(env, change, call, await consultationNow(env, callId), 'dispatcher');
}

export async function completeChecked(env: LegEnv, who: { actor: AuditEntry['actor']; ip: string | null }, call: TalkingCall, now: ConsultNow, by: 'dispatcher' | 'timeout'): Promise<ConsultNow> {
  const to = consultTransition(now.phase, 'complete', call.id);
  await releaseCallerInRoom(env, now.a!);
  await leaveRoom(env, who, call);
  await finishConsultation(env, who, now, to, by);
  return consultationNow(env, call.id);
}
