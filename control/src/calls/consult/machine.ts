/**
 * A consultative transfer (docs/mixer.md "Consultative transfer") as a transition table. Its phase is read from what
 * is live, never kept apart from it: the consultation's own record (store.ts: active or how it ended), the call's
 * anchor (calls/conference/anchor.ts) and the dialled party's participant in the room:
 *
 *   requested (the seat's re-INVITE awaited) -> dialling (caller held in the room, the target's INVITE out)
 *     -> talking (the target answered: dispatcher and target talk, the caller hears the hold audio)
 *   dialling | talking -> target_failed (busy, no answer, hung up: the caller still held, the dispatcher told)
 *   talking --complete--> completed (the caller unheld, the dispatcher leaves: caller and target talk)
 *   talking --merge--> merged (the caller unheld: a three-way call)
 *   dialling | talking | target_failed --cancel--> cancelled (the target dropped, the caller back with the dispatcher)
 *   dialling | target_failed --requeue--> requeued (the deadline, the dispatcher's phone gone: the target dropped, the
 *     caller still held and back at its place in the queue: requeue.ts)
 *   (requested and the anchoring failing: failed; the call ending: ended)
 * `consultTransition()` refuses any other move with CTI_CONSULT_ILLEGAL_TRANSITION before anything is sent.
 */
import { CtiError } from '../../errors/catalogue.ts';
import type { Anchor, Participant } from '../conference/store.ts';

export type ConsultPhase = 'requested' | 'dialling' | 'talking' | 'target_failed' | 'completed' | 'merged' | 'cancelled' | 'requeued' | 'failed' | 'ended';
export type ConsultAction = 'complete' | 'merge' | 'cancel' | 'requeue';
export type ConsultOutcome = Extract<ConsultPhase, 'completed' | 'merged' | 'cancelled' | 'requeued'>;

const MOVES: Record<ConsultAction, { from: readonly ConsultPhase[]; to: ConsultOutcome }> = {
  complete: { from: ['talking'], to: 'completed' },
  merge: { from: ['talking'], to: 'merged' },
  cancel: { from: ['dialling', 'talking', 'target_failed'], to: 'cancelled' },
  requeue: { from: ['dialling', 'target_failed'], to: 'requeued' },
};

export function consultTransition(from: ConsultPhase, action: ConsultAction, callId: string): ConsultOutcome {
  const m = MOVES[action];
  if (!m.from.includes(from)) throw new CtiError('CTI_CONSULT_ILLEGAL_TRANSITION', { call_id: callId, from, action, allowed_from: m.from });
  return m.to;
}

/** The phase of an active consultation from the anchor and the dialled party (undefined: it left the room). */
export function phaseOf(outcome: ConsultOutcome | 'active', a: Anchor | undefined, target: Participant | undefined): ConsultPhase {
  if (outcome !== 'active') return outcome;
  if (!a || a.state === 'failed') return 'failed';
  if (a.state === 'ended') return 'ended';
  if (a.state === 'requested' || a.state === 'seat_in_room') return 'requested';
  if (a.dial_error) return 'target_failed';
  if (!a.dialled_pid) return 'dialling';
  if (!target || target.state === 'left') return 'target_failed';
  return target.state === 'joining' ? 'dialling' : 'talking';
}
