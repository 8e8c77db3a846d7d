/**
 * The supervisor's coaching session on a connected call (docs/mixer.md "Whisper and barge-in"): one talk-back leg
 * from the supervisor's browser to the dispatcher's browser through rtpengine, beside the supervisor's listen-in.
 *   offered --answered(mode)--> whisper | barge      (the dispatcher's page took the leg)
 *   whisper <--mode--> barge                         (barge: the dispatcher's page mixes the supervisor into the caller's path)
 *   offered | whisper | barge --stop--> ended        (the supervisor, the call's end, the dispatcher's page not answering)
 * Checked before anything is sent: a transition not in the table is CTI_COACH_ILLEGAL_TRANSITION and changes nothing.
 */
import { CtiError } from '../../errors/catalogue.ts';

export const COACH_MODES = ['whisper', 'barge'] as const;
export type CoachMode = (typeof COACH_MODES)[number];
export type CoachState = 'offered' | CoachMode | 'ended';

const NEXT: Record<CoachState, readonly CoachState[]> = {
  offered: ['whisper', 'barge', 'ended'],
  whisper: ['barge', 'ended'],
  barge: ['whisper', 'ended'],
  ended: [],
};

export function coachTransition(from: CoachState, to: CoachState, coachId: string): CoachState {
  if (!NEXT[from].includes(to)) throw new CtiError('CTI_COACH_ILLEGAL_TRANSITION', { coach_id: coachId, from, to });
  return to;
}
