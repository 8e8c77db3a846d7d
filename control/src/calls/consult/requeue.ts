/**
 * A consultation's deadline with the dispatcher's phone gone (the page closed: the seat has no registered contact)
 * and no target talking: bringing the caller back to that seat would leave it with nobody. Instead the target is
 * dropped (a ringing INVITE cancelled), the seat leaves the room (seat-leaves.ts, the caller alone allowed), the
 * caller stays held (the hold audio) and waits at its old place in the original queue, where the next ready seat is
 * dialled into the room (calls/conference/caller-requeue.ts). Checked before anything is sent.
 */
import type { AuditEntry } from '../../audit/record.ts';
import { requeueRoomCaller, seatContacts } from '../conference/caller-requeue.ts';
import type { LegEnv } from '../conference/legs.ts';
import { leaveRoom } from '../conference/seat-leaves.ts';
import type { TalkingCall } from '../media/session.ts';
import { getSeatLive } from '../../seats/state/store.ts';
import { getLiveCall } from '../store.ts';
import { dropTarget } from './cancel.ts';
import { consultationNow, finishConsultation, type ConsultNow } from './current.ts';
import { consultTransition } from './machine.ts';

/** Whether the call's answering seat has no phone any more (no registered contact in usrloc). */
export async function dispatcherGone(env: LegEnv, sipCallId: string): Promise<boolean> {
  const live = await getLiveCall(env.deps.redis, sipCallId);
  const seat = live?.answeredSeatId ? await getSeatLive(env.deps.redis, live.answeredSeatId) : undefined;
  return seat !== undefined && (await seatContacts(env, seat.sipUser)).length === 0;
}

export async function requeueChecked(env: LegEnv, who: { actor: AuditEntry['actor']; ip: string | null }, call: TalkingCall, now: ConsultNow): Promise<ConsultNow> {
  const to = consultTransition(now.phase, 'requeue', call.id);
  if (now.target) await dropTarget(env, now.target);
  await leaveRoom(env, who, call, { callerAlone: true });
  await finishConsultation(env, who, now, to, 'timeout');
  const a = await env.store.anchor(call.sipCallId);
  if (a) await requeueRoomCaller(env, a);
  return consultationNow(env, call.id);
}
