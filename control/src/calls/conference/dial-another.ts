/**
 * A three-way or a consultation on a call whose caller and seat are already in its room (after a consultation was
 * cancelled or its target failed, after 110 was dropped): no new anchoring, the destination is dialled into the room
 * (dial.ts), and for a consultation the caller is held first (caller-hold.ts). Refused while another outside party
 * is in the room or still being dialled (CTI_CONFERENCE_ILLEGAL_TRANSITION): one at a time. The answer carries no
 * anchor token (the seat's phone has nothing to send).
 */
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import type { StartedThreeWay } from './anchor.ts';
import { holdCallerInRoom } from './caller-hold.ts';
import { dialOut } from './dial.ts';
import type { LegEnv } from './legs.ts';
import { openRoomOrThrow } from './rooms.ts';
import { outsideParties } from './seat-leaves.ts';
import type { Anchor } from './store.ts';

export async function dialIntoAnchoredRoom(env: LegEnv, change: Change, current: Anchor, dial: Anchor['dial'], opts: { consult?: boolean }): Promise<StartedThreeWay> {
  const room = await openRoomOrThrow(env, current.room_id);
  const busy = outsideParties(await env.store.participants(room.room_id));
  if (busy.length > 0) {
    throw new CtiError('CTI_CONFERENCE_ILLEGAL_TRANSITION', { call_id: current.call_id, entity: 'anchor', from: 'anchored', to: 'dial', parties: busy.map((p) => p.party) });
  }
  const { dialled_pid: _p, dial_error: _e, consult: _c, ...rest } = current;
  const a: Anchor = { ...rest, dial, requested_by: change.actor.id, ...(opts.consult ? { consult: true } : {}) };
  await env.store.putAnchor(a);
  await recordAudit(env.deps.sql, {
    actor: change.actor, ip: change.ip, action: opts.consult ? 'call.consultation_started' : 'call.three_way_started', target_type: 'call', target_id: a.call_id,
    before: { anchor: 'anchored' }, after: { room_id: room.room_id, destination_id: dial.destination_id, number: dial.number },
  });
  if (opts.consult) await holdCallerInRoom(env, a);
  try {
    const p = await dialOut(env, a, room);
    await env.store.putAnchor({ ...a, dialled_pid: p.participant_id });
  } catch (err) {
    await env.store.putAnchor({ ...a, dial_error: String(err) });
    throw err;
  }
  return {
    call_id: a.call_id, room_id: room.room_id, state: a.state, destination: { destination_id: dial.destination_id, name: dial.name, number: dial.number }, anchor: null,
  };
}
