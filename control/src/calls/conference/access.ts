/**
 * Who may act on a conference room: the rules of the call it belongs to (calls/media/session.ts assertMayControl):
 * a supervisor or admin on any call, a dispatcher only on the call answered at the seat they are logged in at. A
 * room of a call one may not act on is answered as not found, like a call of another centre.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { AuthUser } from '../../auth/user.ts';
import { CtiError, isCtiError } from '../../errors/catalogue.ts';
import { assertMayControl } from '../media/session.ts';
import { callOwnership } from '../records.ts';

export async function assertMayUseCall(deps: Pick<AppDeps, 'sql' | 'redis'>, user: AuthUser, callId: string): Promise<string> {
  const call = await callOwnership(deps.sql, callId);
  await assertMayControl(deps, user, { id: call.id, sipCallId: '', seatId: call.answered_seat_id, callerTag: '' });
  return call.id;
}

export async function assertMayUseRoom(deps: Pick<AppDeps, 'sql' | 'redis'>, user: AuthUser, room: { room_id: string; call_id: string }): Promise<void> {
  try {
    await assertMayUseCall(deps, user, room.call_id);
  } catch (err) {
    if (isCtiError(err, 'CTI_CALL_NOT_YOURS') || isCtiError(err, 'CTI_CALL_NOT_FOUND')) throw new CtiError('CTI_CONFERENCE_NOT_FOUND', { room_id: room.room_id });
    throw err;
  }
}
