/**
 * A new call from a number closes that number's open or claimed work-list items: the caller reached us again,
 * so nobody should call back (outcome 'called_again', linked to the new call). Called from the call flow's
 * onCallNew after the new call's row exists. It never throws: a failure here must not touch the new call.
 */
import type { AppDeps } from '../app/deps.ts';
import { KamailioRpc } from '../engine/kamailio/jsonrpc.ts';
import { CallbackAuthoriser } from './authorisation.ts';

export interface NewCall {
  callId: string;
  centreId: string;
  callerNumber: string;
}

export async function closeItemsCalledAgain(deps: AppDeps, call: NewCall): Promise<number> {
  if (!call.callerNumber) return 0;
  try {
    const closed = await deps.sql<{ id: string; call_id: string; claimed_seat_id: string | null; callback_call_id: string | null }[]>`
      UPDATE abandoned_calls SET status = 'done', outcome = 'called_again', closed_at = now(), closed_by = NULL,
                                 called_again_call_id = ${call.callId}
       WHERE caller_number = ${call.callerNumber} AND centre_id = ${call.centreId} AND status <> 'done' AND call_id <> ${call.callId}
       RETURNING id::text AS id, call_id, claimed_seat_id, callback_call_id`;
    if (closed.length === 0) return 0;
    const authoriser = new CallbackAuthoriser(deps, new KamailioRpc({ url: deps.config.kamailioRpcUrl }));
    for (const item of closed) {
      await deps.bus.publish('callback.closed.v1', {
        item_id: item.id, call_id: item.call_id, outcome: 'called_again', closed_by: null, note: null,
        callback_call_id: item.callback_call_id, called_again_call_id: call.callId,
      });
      if (item.claimed_seat_id) {
        await authoriser.syncAuthorisation(item.claimed_seat_id, call.callerNumber)
          .catch((err) => deps.log.warn({ err: String(err), item: item.id }, 'callback authorisation not removed from Kamailio (it expires)'));
      }
    }
    return closed.length;
  } catch (err) {
    deps.log.error({ err: String(err), call: call.callId }, 'closing callbacks of a number that called again failed');
    return 0;
  }
}
