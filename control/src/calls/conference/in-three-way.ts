/**
 * Actions on a call that a three-way would break (docs/mixer.md "Three-way calls") check this first: a blind
 * transfer would REFER the caller's gateway away from a room it does not know it is in, and hold audio played into
 * the caller's leg would reach the room. Refused with CTI_CALL_IN_THREE_WAY, nothing changed.
 */
import type { Redis } from 'ioredis';
import { CtiError } from '../../errors/catalogue.ts';
import { mayStartAnchor } from './anchor-machine.ts';
import { ConferenceStore } from './store.ts';

export async function assertNotInThreeWay(redis: Redis, call: { id: string; sipCallId: string }): Promise<void> {
  const a = await new ConferenceStore(redis).anchor(call.sipCallId);
  if (a && !mayStartAnchor(a.state)) throw new CtiError('CTI_CALL_IN_THREE_WAY', { call_id: call.id, room_id: a.room_id, state: a.state });
}
