/**
 * A conference room and its participants (docs/mixer.md), as transition tables; `transition()` refuses an
 * illegal move with CTI_CONFERENCE_ILLEGAL_TRANSITION before anything is sent to Janus or Kamailio.
 *
 *   room:         creating --created--> open --close--> closing --(destroyed: the record goes)
 *                 creating --failed--> closing
 *   participant:  joining --joined--> joined <--unmute/mute--> muted
 *                 joining | joined | muted --leave--> left
 */
import { CtiError } from '../../errors/catalogue.ts';

export type RoomState = 'creating' | 'open' | 'closing';
export type ParticipantState = 'joining' | 'joined' | 'muted' | 'left';

const ROOM_MOVES: Record<RoomState, readonly RoomState[]> = {
  creating: ['open', 'closing'],
  open: ['closing'],
  closing: [],
};

const PARTICIPANT_MOVES: Record<ParticipantState, readonly ParticipantState[]> = {
  joining: ['joined', 'muted', 'left'],
  joined: ['muted', 'left'],
  muted: ['joined', 'left'],
  left: [],
};

export function roomTransition(from: RoomState, to: RoomState, roomId: string): RoomState {
  if (!ROOM_MOVES[from].includes(to)) throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { room_id: roomId, entity: 'room', from, to });
  return to;
}

export function participantTransition(from: ParticipantState, to: ParticipantState, participantId: string): ParticipantState {
  if (!PARTICIPANT_MOVES[from].includes(to)) {
    throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { participant_id: participantId, entity: 'participant', from, to });
  }
  return to;
}

/** A room takes new participants only while open. */
export function assertJoinable(state: RoomState, roomId: string): void {
  if (state !== 'open') throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { room_id: roomId, entity: 'room', from: state, to: 'join' });
}
