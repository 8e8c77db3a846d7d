/** The data of `call.coached.v1` for a session's current state (events/schema.ts). */
import type { EventData } from '../../events/schema.ts';
import type { CoachSession } from './store.ts';

export function coachEvent(s: CoachSession, reason: string | null): EventData['call.coached.v1'] {
  return { call_id: s.call_id, coach_id: s.coach_id, seat_id: s.seat_id, leg_id: s.leg_id, supervisor: s.username, state: s.state, reason };
}
