/**
 * A seat logged out (by its dispatcher or forced by a supervisor) keeps no SIP registration: its
 * bindings are removed from Kamailio's usrloc (ul.rm under the seat's AoR and ul.rm_contact of the
 * mirrored ring-all binding, unregister.ts), so neither the ACD nor a fail-open ring-all rings
 * a phone nobody answers. The control plane's view (Redis `cti:reg:<sip user>`, the
 * seat.registration_changed.v1 event) is then refreshed from usrloc. A browser still open at the seat
 * also stops its phone when it sees its seat logged out (consoles/dispatcher/main.js); a phone that
 * registers again anyway is refused nothing, but the seat is logged out, so it is offered no call.
 * Never throws: the logout itself has already happened.
 */
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import type { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { dropRegistrations } from './unregister.ts';
import { RegistrationTracker } from '../state/registrations.ts';

export interface DropResult {
  /** Bindings removed from usrloc. */
  dropped: number;
  /** Whether the control plane still sees the seat registered afterwards. */
  registered: boolean;
}

export async function dropRegistrationOnLogout(deps: AppDeps, rpc: KamailioRpc, seat: { seatId: string; sipUser: string }, change: Change): Promise<DropResult> {
  const dropped = await dropRegistrations(deps, rpc, seat.sipUser);
  let registered = true;
  try {
    registered = await new RegistrationTracker(deps, rpc, () => undefined).refresh(seat.sipUser);
  } catch (err) {
    deps.log.warn({ err: String(err), seat_id: seat.seatId }, 'registration not re-read after logout; the tracker catches up at the next Kamailio report');
  }
  if (dropped > 0) {
    await recordAudit(deps.sql, {
      actor: change.actor, ip: change.ip, action: 'seat.registration_removed', target_type: 'seat', target_id: seat.seatId,
      before: { sip_user: seat.sipUser, bindings: dropped }, after: { registered },
    }).catch((err: unknown) => deps.log.error({ err: String(err), seat_id: seat.seatId }, 'audit row of a registration removal not written'));
  }
  return { dropped, registered };
}
