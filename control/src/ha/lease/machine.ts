/**
 * The lead of a pair node's control plane (docs/ha.md "The leader across a Redis outage: pause and reclaim"):
 *
 *   standby --lease_taken--> leading --deadline_passed--> paused --renewed--> leading
 *                              |                            |
 *                              +--another_holds-------------+--peer_leads / peer_unreachable / pause_too_long
 *                              +--handed_over / stopping----+--another_holds / handed_over / stopping
 *                                                           v
 *                                                        gave_up  (the process exits and comes back as standby)
 *
 * - leading: the lease is surely ours (before `validUntil`): offers calls, holds the floating address.
 * - paused: renewals have not been answered before `validUntil` (Redis away: a Sentinel promotion, a cut), so another
 *   process *may* hold the lease. It makes no offer (distribution stopped) but keeps its Kamailio connection, the
 *   transactions of the callers queued there and the floating address, and keeps renewing: the first renewal Redis
 *   answers reclaims the lease (or finds another holder: gave_up). It keeps the address only while its peer answers
 *   over the A-B link and does not lead (then VRRP's adverts reach the peer too, so the address cannot be on both
 *   nodes, and the peer's standby waits for a paused peer: ha/lease/peer.ts), and for at most PAUSE_MAX_MS.
 * - gave_up: the lease file says "1" (keepalived drops the address at once), the process exits (code 3) and comes
 *   back as standby.
 * Only the transitions below are legal; `nextLeadState` refuses anything else with a coded error.
 */
import { CtiError } from '../../errors/catalogue.ts';

export type LeadState = 'standby' | 'leading' | 'paused' | 'gave_up';

export type LeadEvent =
  | 'lease_taken' | 'renewed' | 'deadline_passed'
  | 'another_holds' | 'peer_leads' | 'peer_unreachable' | 'pause_too_long' | 'handed_over' | 'stopping';

const GIVE_UP: Partial<Record<LeadEvent, LeadState>> = { another_holds: 'gave_up', handed_over: 'gave_up', stopping: 'gave_up' };

export const LEAD_TRANSITIONS: Readonly<Record<LeadState, Readonly<Partial<Record<LeadEvent, LeadState>>>>> = {
  standby: { lease_taken: 'leading', stopping: 'gave_up' },
  leading: { renewed: 'leading', deadline_passed: 'paused', ...GIVE_UP },
  paused: { renewed: 'leading', deadline_passed: 'paused', peer_leads: 'gave_up', peer_unreachable: 'gave_up', pause_too_long: 'gave_up', ...GIVE_UP },
  gave_up: { stopping: 'gave_up' },
};

export function nextLeadState(from: LeadState, event: LeadEvent): LeadState {
  const to = LEAD_TRANSITIONS[from][event];
  if (!to) throw new CtiError('CTI_HA_ILLEGAL_LEAD_TRANSITION', { from, event });
  return to;
}

/** Whether the node may hold the floating address (the lease file says "0"). */
export const holdsAddress = (s: LeadState): boolean => s === 'leading' || s === 'paused';

/** Whether the control plane may offer calls to seats. */
export const offers = (s: LeadState): boolean => s === 'leading';

/**
 * A paused leader gives up for an unreachable peer only after this many answers in a row: one slow answer (a loaded
 * peer busy with its own Redis reconnection) is not a cut link. CI lost 8 queued callers once to a single 300 ms
 * timeout: the paused leader gave up, its node stayed alive holding their transactions. A cut link fails every
 * question (a blackhole route at once), so the leader still drops the address long before its standby can take it
 * (docs/ha.md "Why it is safe").
 */
export const UNREACHABLE_IN_A_ROW = 2;

/** What the peer's role says to a paused leader: keep pausing, or give up (and why). `unreachableInARow` counts this answer. */
export function pausedVerdict(peer: PeerRole, pausedForMs: number, pauseMaxMs: number, unreachableInARow = UNREACHABLE_IN_A_ROW): LeadEvent | undefined {
  if (peer === 'leading' || peer === 'paused') return 'peer_leads';
  if (peer === 'unreachable' && unreachableInARow >= UNREACHABLE_IN_A_ROW) return 'peer_unreachable';
  if (pausedForMs >= pauseMaxMs) return 'pause_too_long';
  return undefined;
}

/** The role a node reports to its peer (GET /v1/ha/role); `unreachable` when it did not answer in time. */
export type PeerRole = 'standby' | 'leading' | 'paused' | 'unreachable';

/** The role reported for a state: a node that gave up is on its way back as standby. */
export const roleOf = (s: LeadState): Exclude<PeerRole, 'unreachable'> => (s === 'gave_up' ? 'standby' : s);

/** Whether a standby may take an absent lease, given its peer's role: never while the peer leads or pauses. */
export const standbyMayTake = (peer: PeerRole): boolean => peer === 'standby' || peer === 'unreachable';
