/**
 * A supervisor starts a whisper or a barge-in (docs/mixer.md "Whisper and barge-in"). Checked before anything is
 * sent, each a coded error that changes nothing: a supervisor of the call's centre (another centre's call is not
 * found), the call connected (CTI_CALL_NOT_TALKING; in a blind transfer CTI_TRANSFER_IN_PROGRESS), not in a
 * three-way (CTI_CALL_IN_THREE_WAY), no other coaching session on it (CTI_CALL_ALREADY_COACHED). Then: rtpengine
 * turns the supervisor's offer into an offer for the dispatcher's page, `call.coached.v1` (offered) asks that page to
 * answer, and the request waits for its answer (SEAT_ANSWER_MS; none: the session ends, CTI_COACH_SEAT_NO_ANSWER).
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { assertNotInThreeWay } from '../conference/in-three-way.ts';
import { talkingCall, type TalkingCall } from '../media/session.ts';
import { callOwnership } from '../records.ts';
import { logCallEvent } from '../store.ts';
import type { CoachMode } from './machine.ts';
import { offerToSeat, type CoachEngine } from './media.ts';
import { endCoach } from './end.ts';
import { coachEvent } from './event.ts';
import { CoachStore, type CoachSession } from './store.ts';

/** How long the dispatcher's page has to take the leg (it answers within a second when open). */
export const SEAT_ANSWER_MS = 10_000;
const POLL_MS = 100;

export interface CoachStarted { coach_id: string; mode: CoachMode; sdp: string }

async function coachableCall(deps: AppDeps, callId: string, change: Change): Promise<TalkingCall> {
  const owner = await callOwnership(deps.sql, callId);
  if (owner.centre_id !== change.actor.centre_id) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: callId });
  let call: TalkingCall;
  try {
    call = await talkingCall(deps, callId);
  } catch (err) {
    if (isCtiError(err, 'CTI_CALL_NOT_TALKING') && (err.details as { state?: string }).state === 'transferring') {
      throw new CtiError('CTI_TRANSFER_IN_PROGRESS', { call_id: callId });
    }
    throw err;
  }
  await assertNotInThreeWay(deps.redis, call);
  return call;
}

export async function startCoach(deps: AppDeps, ng: CoachEngine, callId: string, mode: CoachMode, supervisorOffer: string, change: Change): Promise<CoachStarted> {
  const call = await coachableCall(deps, callId, change);
  const store = new CoachStore(deps.redis);
  const coachId = randomUUID();
  if (!(await store.claim(call.id, coachId))) {
    throw new CtiError('CTI_CALL_ALREADY_COACHED', { call_id: call.id, coach_id: await store.ofCall(call.id) });
  }
  let seatOffer: string;
  try {
    seatOffer = await offerToSeat(ng, coachId, supervisorOffer);
  } catch (err) {
    await store.release(call.id, coachId);
    throw err;
  }
  const [leg] = await deps.sql<{ id: string }[]>`
    INSERT INTO call_legs (call_id, kind, party, to_tag) VALUES (${call.id}, 'monitor', ${change.actor.username}, ${`coach-${coachId}`}) RETURNING id::text AS id`;
  const s: CoachSession = {
    coach_id: coachId, call_id: call.id, sip_call_id: call.sipCallId, seat_id: call.seatId, user_id: change.actor.id, username: change.actor.username,
    leg_id: leg!.id, state: 'offered', mode, seat_offer: seatOffer, started_at: new Date().toISOString(),
  };
  await store.put(s);
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: 'call.coach_started', target_type: 'call', target_id: call.id,
    before: null, after: { coach_id: coachId, mode, seat_id: call.seatId },
  });
  await logCallEvent(deps, call.id, 'call.coached.v1', coachEvent(s, null));
  const answered = await waitAnswered(store, coachId);
  if (!answered?.supervisor_answer) {
    await endCoach(deps, ng, s, { actor: change.actor, ip: change.ip, reason: 'seat_no_answer' });
    throw new CtiError('CTI_COACH_SEAT_NO_ANSWER', { call_id: call.id, seat_id: call.seatId, waited_ms: SEAT_ANSWER_MS });
  }
  return { coach_id: coachId, mode: answered.mode, sdp: answered.supervisor_answer };
}

/** The session once the dispatcher's page answered (or undefined: it did not within SEAT_ANSWER_MS, or it ended). */
async function waitAnswered(store: CoachStore, coachId: string): Promise<CoachSession | undefined> {
  const until = Date.now() + SEAT_ANSWER_MS;
  while (Date.now() < until) {
    const s = await store.get(coachId);
    if (!s) return undefined;
    if (s.state !== 'offered') return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}
