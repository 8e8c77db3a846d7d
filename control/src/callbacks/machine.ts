/**
 * The two small state machines of callbacks (docs/callbacks.md).
 *
 * A work-list item (abandoned_calls.status; "done" is the closed state, the foundation's name):
 *
 *   open --claim--> claimed --close--> done
 *     ^               |  ^ \
 *     +---release-----+  +-reassign (supervisor)
 *   open|claimed --close (supervisor) / a new call from the number ('called_again')--> done
 *
 * An outbound callback call (calls.state, direction 'outbound'):
 *
 *   dialling --200--> talking --BYE--> ended
 *   dialling --final failure or CANCEL--> failed
 */
import { CtiError } from '../errors/catalogue.ts';
import type { CallbackOutcome } from '../events/schema.ts';

export type ItemStatus = 'open' | 'claimed' | 'done';
export type ItemAction = 'claim' | 'release' | 'reassign' | 'close';

export const ITEM_TRANSITIONS: Readonly<Record<ItemAction, { from: readonly ItemStatus[]; to: ItemStatus }>> = {
  claim: { from: ['open'], to: 'claimed' },
  release: { from: ['claimed'], to: 'open' },
  reassign: { from: ['open', 'claimed'], to: 'claimed' },
  close: { from: ['open', 'claimed'], to: 'done' },
};

/** Outcomes a person records; 'called_again' is set only by the system (a new call from the number). */
export const PERSON_OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'duplicate', 'not_needed'] as const satisfies readonly CallbackOutcome[];
export type PersonOutcome = (typeof PERSON_OUTCOMES)[number];

export interface ItemFacts {
  id: string;
  status: ItemStatus;
  claimed_by: string | null;
  outcome: string | null;
}

/**
 * Throws the coded error for an action that the item's state does not allow. `actor` is the person acting;
 * a dispatcher's claim of an item someone else holds is CTI_CALLBACK_ALREADY_CLAIMED.
 */
export function assertItemAction(item: ItemFacts, action: ItemAction, actor: string): void {
  if (item.status === 'done') throw new CtiError('CTI_CALLBACK_CLOSED', { item_id: item.id, outcome: item.outcome });
  if (action === 'claim' && item.status === 'claimed') {
    throw new CtiError('CTI_CALLBACK_ALREADY_CLAIMED', { item_id: item.id, claimed_by: item.claimed_by, mine: item.claimed_by === actor });
  }
  if (!ITEM_TRANSITIONS[action].from.includes(item.status)) {
    throw new CtiError('CTI_CALLBACK_NOT_CLAIMED', { item_id: item.id, status: item.status, action });
  }
}

/** A dispatcher may change only what they hold; a supervisor (or admin) may change any item. */
export function assertMayChange(item: ItemFacts, actor: string, supervisor: boolean): void {
  if (supervisor) return;
  if (item.status === 'claimed' && item.claimed_by !== actor) {
    throw new CtiError('CTI_CALLBACK_NOT_YOURS', { item_id: item.id, claimed_by: item.claimed_by });
  }
  if (item.status === 'open') throw new CtiError('CTI_CALLBACK_NOT_CLAIMED', { item_id: item.id, status: item.status });
}

export type OutboundState = 'dialling' | 'talking' | 'ended' | 'failed';

export const OUTBOUND_TRANSITIONS: Readonly<Record<OutboundState, readonly OutboundState[]>> = {
  dialling: ['talking', 'failed'],
  talking: ['ended'],
  ended: [],
  failed: [],
};

export function canOutbound(from: OutboundState, to: OutboundState): boolean {
  return OUTBOUND_TRANSITIONS[from]?.includes(to) ?? false;
}

/** What a final SIP failure of the callback means for the person called back (RFC 3261 21.4-21.6). */
export function failureReason(code: number, cancelled: boolean): { reason: string; endedBy: 'caller' | 'seat' | 'system' } {
  if (cancelled || code === 487) return { reason: 'cancelled', endedBy: 'seat' };
  if (code === 486 || code === 600) return { reason: 'busy', endedBy: 'caller' };
  if (code === 603) return { reason: 'rejected', endedBy: 'caller' };
  if (code === 408 || code === 480) return { reason: 'no_answer', endedBy: 'caller' };
  if (code === 404 || code === 484 || code === 604) return { reason: 'number_invalid', endedBy: 'system' };
  return { reason: 'failed', endedBy: 'system' };
}
