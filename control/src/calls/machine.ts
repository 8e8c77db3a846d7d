import { CtiError } from '../errors/catalogue.ts';

/**
 * A call's life (ARCHITECTURE.md):
 *
 *   offered -> queued -> offering -> talking -> ended
 *                 ^         |
 *                 +---------+  (seat did not answer: back to the queue, keeping its place)
 *   side exits: queued|offering -> abandoned (caller hung up); any live state -> failed_open (ring-all);
 *               failed_open -> talking -> ended; queued -> ended (screening's warn_then_end, after the warning)
 *   overflow:   queued -> overflowed (relayed to another centre) -> talking (answered there) | queued (it failed:
 *               back at its place) | abandoned | failed_open. A move to another queue stays queued -> queued.
 *   transfer:   talking -> transferring (a blind transfer, calls/transfer/) -> talking (it failed: the caller is still
 *               with the dispatcher) | queued (the caller's new leg waits in the target queue) | offering (it rings the
 *               target seat) | overflowed (it rings another centre or an outside number) | ended (the caller hung up)
 *
 * `screened` and `blocked` join with the screening work.
 */
export type CallState = 'offered' | 'queued' | 'offering' | 'overflowed' | 'talking' | 'ended' | 'abandoned' | 'failed_open'
  | 'transferring';

export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  offered: ['queued', 'failed_open', 'abandoned'],
  queued: ['offering', 'abandoned', 'failed_open', 'queued', 'overflowed', 'ended'],
  offering: ['talking', 'queued', 'abandoned', 'failed_open'],
  overflowed: ['talking', 'queued', 'abandoned', 'failed_open'],
  failed_open: ['talking', 'abandoned', 'queued', 'ended'],
  talking: ['ended', 'transferring'],
  transferring: ['talking', 'queued', 'offering', 'overflowed', 'ended'],
  ended: [],
  abandoned: [],
};

export const LIVE_CALL_STATES: readonly CallState[] = ['offered', 'queued', 'offering', 'overflowed', 'failed_open', 'talking', 'transferring'];

export function canCallTransition(from: CallState, to: CallState): boolean {
  return CALL_TRANSITIONS[from]?.includes(to) ?? false;
}

export function assertCallTransition(callId: string, from: CallState, to: CallState): void {
  if (!canCallTransition(from, to)) throw new CtiError('CTI_CALL_ILLEGAL_TRANSITION', { call_id: callId, from, to });
}

/** Map a seat's final SIP status for an offer to the reason recorded (RFC 3261 21.4/21.6). */
export function offerFailReason(sipStatus: number): 'no_answer' | 'rejected' | 'unreachable' | 'failed' {
  if (sipStatus === 408 || sipStatus === 480) return 'no_answer';
  if (sipStatus === 486 || sipStatus === 600 || sipStatus === 603) return 'rejected';
  if (sipStatus === 404 || sipStatus === 477 || sipStatus === 503) return 'unreachable';
  return 'failed';
}
