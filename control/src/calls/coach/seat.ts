/**
 * The dispatcher's side of a coaching session (docs/mixer.md "Whisper and barge-in"): the page of the person logged
 * in at the call's seat fetches rtpengine's offer for it and posts its answer; anyone else gets "not found". The
 * answer completes the talk-back leg and puts the session in the mode the supervisor asked for.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { AuthUser } from '../../auth/user.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { getSeatLive } from '../../seats/state/store.ts';
import { logCallEvent } from '../store.ts';
import { coachEvent } from './event.ts';
import { loadCoach } from './end.ts';
import { coachTransition } from './machine.ts';
import { answerToSupervisor, type CoachEngine } from './media.ts';
import { CoachStore, type CoachSession } from './store.ts';

async function atSeat(deps: Pick<AppDeps, 'redis'>, user: AuthUser, callId: string, coachId: string): Promise<CoachSession> {
  const s = await loadCoach(deps, callId, coachId);
  const seat = s.seat_id ? await getSeatLive(deps.redis, s.seat_id) : undefined;
  if (!seat || seat.userId !== user.id) throw new CtiError('CTI_COACH_NOT_FOUND', { call_id: callId, coach_id: coachId });
  return s;
}

export async function seatOffer(deps: Pick<AppDeps, 'redis'>, user: AuthUser, callId: string, coachId: string): Promise<{ sdp: string; mode: string; state: string }> {
  const s = await atSeat(deps, user, callId, coachId);
  return { sdp: s.seat_offer, mode: s.mode, state: s.state };
}

export async function seatAnswer(deps: AppDeps, ng: CoachEngine, user: AuthUser, callId: string, coachId: string, sdp: string): Promise<void> {
  const s = await atSeat(deps, user, callId, coachId);
  const next = coachTransition(s.state, s.mode, coachId); // offered -> the mode asked for; answered twice: illegal
  s.supervisor_answer = await answerToSupervisor(ng, coachId, sdp);
  s.state = next;
  await new CoachStore(deps.redis).put(s);
  await logCallEvent(deps, callId, 'call.coached.v1', coachEvent(s, null));
}
