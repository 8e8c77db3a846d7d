/**
 * A blind transfer's new leg to another centre or an outside number (docs/transfers.md "Other centres and outside
 * numbers"): the gateway's new INVITE to xfer-<token>, suspended in Kamailio like any call, is relayed out (evapi
 * `transfer_out`, route TRANSFER_OUT: anchored and recorded by rtpengine, a trunk group's live gateway, the entry's
 * presented number). Kamailio reports the target's progress as offer.* events of kind `transfer`:
 *   ringing  -> the transfer `ringing` (the record is `offering`, as for a seat target);
 *   answered -> the transfer `succeeded`, the record `talking` with an `external` leg for the target;
 *   failed (busy, no answer, unreachable) -> new-leg.ts onTransferLegOfferFailed: the gateway's INVITE gets the
 *   failure and the caller stays with the dispatcher, or, the old dialog already gone, goes to the head of the
 *   original queue (the ordinary offer-failed path).
 */
import type { AppDeps } from '../../app/deps.ts';
import { wayOutOf } from '../../linkage/way-out.ts';
import type { FlowContext } from '../flow/context.ts';
import { saveLiveCall, transitionCall, type LiveCall } from '../store.ts';
import { succeedTransfer } from './outcome.ts';
import { getTransfer, insertTargetLeg, legKey, moveTransfer, transferIdAt, type Transfer } from './store.ts';

type Outside = Extract<Transfer['target'], { kind: 'centre' | 'number' }>;

/** The party an outside target's leg names: the number dialled, or the other centre's SIP URI. */
const partyOf = (target: Outside): string => (target.kind === 'number' ? target.number : target.sip_uri);

/** Relays the new leg out; false when the target has no way out any more (its trunk disabled since the transfer began). */
export async function relayTransferLeg(f: FlowContext, target: Outside, leg: LiveCall, ringMs: number): Promise<boolean> {
  const way = await wayOutOf(f.deps.sql, target).catch((err: unknown) => {
    f.deps.log.warn({ err: String(err), call: leg.sipCallId, destination_id: target.destination_id }, 'transfer target has no way out');
    return undefined;
  });
  if (!way) return false;
  await transitionCall(f.deps, leg, 'offering', {}, null);
  f.control.transferOut(leg, way, ringMs);
  f.deps.log.info({ call: leg.sipCallId, uri: way.uri, setid: way.setid, presented: way.presented }, 'transfer relayed out');
  return true;
}

async function transferOfLeg(deps: AppDeps, sipCallId: string): Promise<Transfer | undefined> {
  const id = await transferIdAt(deps.redis, legKey(sipCallId));
  return id ? getTransfer(deps.sql, id) : undefined;
}

/** offer.ringing of kind transfer: the outside target rings. */
export async function transferLegRinging(deps: AppDeps, leg: LiveCall): Promise<void> {
  const t = await transferOfLeg(deps, leg.sipCallId);
  if (t && (t.state === 'requested' || t.state === 'referred')) await moveTransfer(deps.sql, t, 'ringing');
}

/** offer.answered of kind transfer: the outside target answered; the record goes on with the caller and that target. */
export async function transferLegAnswered(deps: AppDeps, leg: LiveCall, toTag: string): Promise<void> {
  const t = await transferOfLeg(deps, leg.sipCallId);
  if (!t || leg.state !== 'offering' || (t.target.kind !== 'centre' && t.target.kind !== 'number')) return;
  const now = new Date();
  await insertTargetLeg(deps.sql, t.call_id, t.id, leg.sipCallId, partyOf(t.target), toTag || null, now);
  await saveLiveCall(deps.redis, { sipCallId: leg.sipCallId, answeredSeatId: null, answeredMs: now.getTime() });
  await transitionCall(deps, leg, 'talking', {}, null, now);
  await succeedTransfer(deps, t, leg.sipCallId, {}, 200);
}
