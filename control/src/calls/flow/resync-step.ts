/**
 * What becomes of a call Kamailio re-sends as suspended (the sync after a reconnect, or a takeover): Kamailio holds
 * its transaction and waits for our decision, so whatever its state in Redis says, it must end back in line. Pure.
 *
 * failed_open: Redis says Kamailio rang everyone, yet Kamailio holds the call suspended (seen after a Redis restart
 * with evapi connected: the sync took the call for failed open because its re-sent call.new was still queued behind
 * the call's own first call.new; nothing then ever offered it, and the caller waited for the queue watchdog).
 */
import type { CallState } from '../machine.ts';

export type ResyncStep =
  | 'requeue_release_seat' // an offer to one seat ended without an outcome we heard: the seat is freed
  | 'requeue_routed' // a ring_all offer or an overflow that ended while we were away
  | 'requeue_failed_open' // taken for failed open, but Kamailio holds the call: back in line
  | 'queue' // already queued: back at its place
  | 'leave'; // any other state: not a call waiting in the queue

export function resyncStep(state: CallState, seatId: string | null): ResyncStep {
  if (state === 'offering' && seatId) return 'requeue_release_seat';
  if (state === 'offering' || state === 'overflowed') return 'requeue_routed';
  if (state === 'failed_open') return 'requeue_failed_open';
  if (state === 'queued') return 'queue';
  return 'leave';
}
