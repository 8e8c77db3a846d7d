/**
 * Merge a consultation into a three-way call: the target has answered (phase talking); the caller is released from
 * hold into the room and hears the dispatcher and the target (caller-hold.ts). Checked before anything is sent.
 */
import type { Change } from '../../audit/record.ts';
import { releaseCallerInRoom } from '../conference/caller-hold.ts';
import type { LegEnv } from '../conference/legs.ts';
import { assertMayControl, talkingCall } from '../media/session.ts';
import { consultationNow, finishConsultation, type ConsultNow } from './current.ts';
import { consultTransition } from './machine.ts';

export async function mergeConsultation(env: LegEnv, change: Change, callId: string): Promise<ConsultNow> {
  const call = await talkingCall(env.deps, callId);
  await assertMayControl(env.deps, change.actor, call);
  const now = await consultationNow(env, callId);
  const to = consultTransition(now.phase, 'merge', call.id);
  await releaseCallerInRoom(env, now.a!);
  await finishConsultation(env, change, now, to, 'dispatcher');
  return consultationNow(env, callId);
}
