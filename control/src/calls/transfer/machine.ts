/**
 * A blind transfer's life (docs/transfers.md), one row of call_transfers:
 *
 *   requested --REFER 202--> referred --target rings (NOTIFY 18x / our offer rings)--> ringing
 *       |                        |                          |
 *       +------------------------+--------------------------+--> succeeded (target answered, or the caller is in
 *       |                                                   |     the target queue) | failed (REFER refused, target
 *       +---------------------------------------------------+     busy / unreachable / no answer, token expired,
 *                                                                  the caller hung up)
 * A transfer that fails leaves the caller with the dispatcher (the old dialog was never ended by us).
 * Pure: the transition table, the sipfrag status of a NOTIFY (RFC 3515 2.4.5) and the failure reasons.
 */
import { CtiError } from '../../errors/catalogue.ts';
import type { EventData } from '../../events/schema.ts';

export type TransferState = 'requested' | 'referred' | 'ringing' | 'succeeded' | 'failed';
export const LIVE_TRANSFER_STATES: readonly TransferState[] = ['requested', 'referred', 'ringing'];

export const TRANSFER_TRANSITIONS: Readonly<Record<TransferState, readonly TransferState[]>> = {
  requested: ['referred', 'ringing', 'succeeded', 'failed'],
  referred: ['ringing', 'succeeded', 'failed'],
  ringing: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
};

export function canTransferTransition(from: TransferState, to: TransferState): boolean {
  return TRANSFER_TRANSITIONS[from]?.includes(to) ?? false;
}

export function assertTransferTransition(transferId: string, from: TransferState, to: TransferState): void {
  if (!canTransferTransition(from, to)) throw new CtiError('CTI_TRANSFER_ILLEGAL_TRANSITION', { transfer_id: transferId, from, to });
}

/** Defined once, in the event's schema (call.transfer_failed.v1). */
export type TransferFailReason = EventData['call.transfer_failed.v1']['reason'];

/** Why a transfer failed, from the SIP status the transferee reported (NOTIFY sipfrag) or our own offer got. */
export function transferFailReason(sipStatus: number): TransferFailReason {
  if (sipStatus === 486 || sipStatus === 600) return 'busy';
  if (sipStatus === 408 || sipStatus === 480 || sipStatus === 487) return 'no_answer';
  if (sipStatus === 404 || sipStatus === 410 || sipStatus === 477 || sipStatus === 502 || sipStatus === 503 || sipStatus === 504) return 'unreachable';
  if (sipStatus === 403 || sipStatus === 603) return 'rejected';
  return 'failed';
}

/**
 * The status code of a message/sipfrag body (RFC 3420, as RFC 3515 2.4.5 uses it in a NOTIFY): its first line is a
 * Status-Line, "SIP/2.0 200 OK". Undefined for anything else (a body that is not a status line is ignored).
 */
export function sipfragStatus(body: string): number | undefined {
  const line = body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0 ([1-6][0-9]{2})(?: |$)/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** What a NOTIFY's or our offer's status means for the transfer: still trying, ringing, answered, or failed. */
export function progressOf(sipStatus: number): 'trying' | 'ringing' | 'answered' | 'failed' {
  if (sipStatus >= 300) return 'failed';
  if (sipStatus >= 200) return 'answered';
  if (sipStatus === 180 || sipStatus === 183) return 'ringing';
  return 'trying';
}

/** The Refer-To user part of a transfer's token: `xfer-<token>` (the token is 32 base64url characters). */
export const TRANSFER_USER_PREFIX = 'xfer-';
const TOKEN_RE = /^xfer-([A-Za-z0-9_-]{16,64})$/;

/** The token of a Request-URI user `xfer-<token>`, or undefined. */
export function transferTokenOf(ruriUser: string): string | undefined {
  return TOKEN_RE.exec(ruriUser)?.[1];
}
