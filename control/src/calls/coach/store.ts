/**
 * Coaching sessions in Redis (calls/coach/machine.ts): `cti:coach:<coach id>` the session, `cti:coach:call:<call id>`
 * the one session a call may have (set NX: a second supervisor gets CTI_CALL_ALREADY_COACHED). Both expire with the
 * longest call; the session's end deletes both.
 */
import type { Redis } from 'ioredis';
import type { CoachState } from './machine.ts';

const TTL_S = 6 * 3600;

export interface CoachSession {
  coach_id: string;
  call_id: string;
  sip_call_id: string;
  seat_id: string | null;
  /** The supervisor who started it (only they change or end it). */
  user_id: string;
  username: string;
  leg_id: string;
  state: CoachState;
  /** The mode asked for at the start, taken when the dispatcher's page answers. */
  mode: 'whisper' | 'barge';
  /** rtpengine's offer for the dispatcher's page (kept until it answers). */
  seat_offer: string;
  /** rtpengine's answer for the supervisor's page, once the dispatcher's page answered. */
  supervisor_answer?: string;
  started_at: string;
}

const key = (coachId: string) => `cti:coach:${coachId}`;
const callKey = (callId: string) => `cti:coach:call:${callId}`;

export class CoachStore {
  constructor(private readonly redis: Redis) {}

  /** Claims the call for one session: false if another session holds it. */
  async claim(callId: string, coachId: string): Promise<boolean> {
    return (await this.redis.set(callKey(callId), coachId, 'EX', TTL_S, 'NX')) === 'OK';
  }

  async release(callId: string, coachId: string): Promise<void> {
    if ((await this.redis.get(callKey(callId))) === coachId) await this.redis.del(callKey(callId));
  }

  async ofCall(callId: string): Promise<string | null> {
    return this.redis.get(callKey(callId));
  }

  async get(coachId: string): Promise<CoachSession | undefined> {
    const raw = await this.redis.get(key(coachId));
    return raw ? (JSON.parse(raw) as CoachSession) : undefined;
  }

  async put(s: CoachSession): Promise<void> {
    await this.redis.set(key(s.coach_id), JSON.stringify(s), 'EX', TTL_S);
  }

  /** Removes the session: true for the one caller that removed it (two ends at once: the page's and the call's). */
  async drop(s: CoachSession): Promise<boolean> {
    const removed = (await this.redis.del(key(s.coach_id))) === 1;
    await this.release(s.call_id, s.coach_id);
    return removed;
  }
}
