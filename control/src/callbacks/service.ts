/**
 * What people do with the abandoned-call work list: claim (exclusive), release, reassign (supervisor), close with an
 * outcome. Each change is one transaction with its audit row (the item row locked, so two claims are decided one after
 * the other); the event and Kamailio's dialling authorisation (authorisation.ts) follow the commit.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { hasAnyRole } from '../auth/roles.ts';
import { CtiError } from '../errors/catalogue.ts';
import { allSeatsLive } from '../seats/state/store.ts';
import type { Authorisation, CallbackAuthoriser } from './authorisation.ts';
import { assertItemAction, assertMayChange, type PersonOutcome } from './machine.ts';
import { auditView, getWorkItem, lockWorkItem, type WorkItem } from './store.ts';

export interface ChangeResult {
  item: WorkItem;
  /** The seat's permission to dial the number (null: none, e.g. released, closed, no seat or no gateway). */
  authorisation: Authorisation | null;
  /** Why Kamailio could not be told (the change itself stands). */
  authorisation_error: string | null;
}

/** Items of another centre do not exist for a person of this one (admins see every centre). */
export function assertOwnCentre(item: WorkItem, actor: { centre_id: string; roles: readonly string[] }): WorkItem {
  if (item.centre_id !== actor.centre_id && !actor.roles.includes('admin')) throw new CtiError('CTI_CALLBACK_NOT_FOUND', { item_id: item.id });
  return item;
}

function isSupervisor(change: Change): boolean {
  return hasAnyRole(change.actor.roles, ['supervisor'], 'write');
}

export class CallbackService {
  constructor(private readonly deps: AppDeps, private readonly authoriser: CallbackAuthoriser) {}

  /** The seat a dispatcher dials from: the one named (theirs or free), else the one they are logged in at. */
  async seatOf(userId: string, centreId: string, seatId?: string): Promise<string | null> {
    const live = await allSeatsLive(this.deps.redis);
    if (seatId) {
      const [seat] = await this.deps.sql<{ id: string }[]>`SELECT id FROM seats WHERE id = ${seatId} AND centre_id = ${centreId} AND enabled`;
      if (!seat) throw new CtiError('CTI_SEAT_NOT_FOUND', { seat_id: seatId });
      const other = live.find((s) => s.seatId === seatId && s.userId && s.userId !== userId);
      if (other) throw new CtiError('CTI_FORBIDDEN', { seat_id: seatId, reason: 'another dispatcher is logged in at this seat' });
      return seatId;
    }
    const mine = live.filter((s) => s.userId === userId && s.centreId === centreId).sort((a, b) => b.sinceMs - a.sinceMs)[0];
    if (mine) return mine.seatId;
    const [assigned] = await this.deps.sql<{ id: string }[]>`SELECT id FROM seats WHERE user_id = ${userId} AND centre_id = ${centreId} AND enabled ORDER BY id LIMIT 1`;
    return assigned?.id ?? null;
  }

  /** Enabled dispatchers of the centre (the people a supervisor may give an item to), with their current seat. */
  async assignees(centreId: string): Promise<{ id: string; username: string; display_name: string; seat_id: string | null }[]> {
    const users = await this.deps.sql<{ id: string; username: string; display_name: string }[]>`
      SELECT id::text AS id, username, display_name FROM users
       WHERE centre_id = ${centreId} AND NOT disabled AND roles && ARRAY['dispatcher']::text[] ORDER BY display_name, username`;
    const live = await allSeatsLive(this.deps.redis);
    return users.map((u) => ({ ...u, seat_id: live.find((s) => s.userId === u.id)?.seatId ?? null }));
  }

  async claim(change: Change, id: string, seatId?: string): Promise<ChangeResult> {
    const me = change.actor.id;
    const current = assertOwnCentre(await getWorkItem(this.deps.sql, id), change.actor);
    if (!(current.status === 'claimed' && current.claimed_by === me)) assertItemAction(current, 'claim', me); // decided again under the lock
    const seat = await this.seatOf(me, current.centre_id, seatId);
    if (!seat) throw new CtiError('CTI_CALLBACK_NO_SEAT', { item_id: id });
    let before!: WorkItem;
    const item = await this.deps.sql.begin(async (tx) => {
      before = assertOwnCentre(await lockWorkItem(tx, id), change.actor);
      const again = before.status === 'claimed' && before.claimed_by === me; // the holder refreshes (e.g. another seat)
      if (!again) assertItemAction(before, 'claim', me);
      await tx`UPDATE abandoned_calls SET status = 'claimed', claimed_by = ${me}, claimed_at = ${again ? before.claimed_at : new Date()},
                      claimed_seat_id = ${seat} WHERE id = ${id}`;
      const after = await getWorkItem(tx, id);
      await recordAudit(tx, { ...change, action: 'callback.claimed', target_type: 'callback', target_id: id, before: auditView(before), after: auditView(after) });
      return after;
    });
    await this.deps.bus.publish('callback.claimed.v1', {
      item_id: id, call_id: item.call_id, caller_number: item.caller_number, claimed_by: me, seat_id: seat, by: me, reassigned: false,
    });
    return this.afterChange(item, before);
  }

  async release(change: Change, id: string): Promise<ChangeResult> {
    let before!: WorkItem;
    const item = await this.deps.sql.begin(async (tx) => {
      before = assertOwnCentre(await lockWorkItem(tx, id), change.actor);
      assertItemAction(before, 'release', change.actor.id);
      assertMayChange(before, change.actor.id, isSupervisor(change));
      await tx`UPDATE abandoned_calls SET status = 'open', claimed_by = NULL, claimed_at = NULL, claimed_seat_id = NULL WHERE id = ${id}`;
      const after = await getWorkItem(tx, id);
      await recordAudit(tx, { ...change, action: 'callback.released', target_type: 'callback', target_id: id, before: auditView(before), after: auditView(after) });
      return after;
    });
    await this.deps.bus.publish('callback.released.v1', { item_id: id, call_id: item.call_id, released_by: change.actor.id, was_claimed_by: before.claimed_by ?? '' });
    return this.afterChange(item, before);
  }

  /** A supervisor gives the item to a dispatcher (claimed in their name, at the seat they are logged in at, if any). */
  async reassign(change: Change, id: string, userId: string, seatId?: string): Promise<ChangeResult> {
    const current = assertOwnCentre(await getWorkItem(this.deps.sql, id), change.actor);
    const [user] = await this.deps.sql<{ id: string }[]>`
      SELECT id FROM users WHERE id = ${userId} AND NOT disabled AND centre_id = ${current.centre_id}
         AND (roles && ARRAY['dispatcher','admin']::text[])`;
    if (!user) throw new CtiError('CTI_CALLBACK_ASSIGNEE_INVALID', { user_id: userId });
    const seat = await this.seatOf(userId, current.centre_id, seatId);
    let before!: WorkItem;
    const item = await this.deps.sql.begin(async (tx) => {
      before = assertOwnCentre(await lockWorkItem(tx, id), change.actor);
      assertItemAction(before, 'reassign', change.actor.id);
      await tx`UPDATE abandoned_calls SET status = 'claimed', claimed_by = ${userId}, claimed_at = now(), claimed_seat_id = ${seat} WHERE id = ${id}`;
      const after = await getWorkItem(tx, id);
      await recordAudit(tx, { ...change, action: 'callback.reassigned', target_type: 'callback', target_id: id, before: auditView(before), after: auditView(after) });
      return after;
    });
    await this.deps.bus.publish('callback.claimed.v1', {
      item_id: id, call_id: item.call_id, caller_number: item.caller_number, claimed_by: userId, seat_id: seat, by: change.actor.id, reassigned: true,
    });
    return this.afterChange(item, before);
  }

  async close(change: Change, id: string, outcome: PersonOutcome, note: string | null): Promise<ChangeResult> {
    let before!: WorkItem;
    const item = await this.deps.sql.begin(async (tx) => {
      before = assertOwnCentre(await lockWorkItem(tx, id), change.actor);
      assertItemAction(before, 'close', change.actor.id);
      assertMayChange(before, change.actor.id, isSupervisor(change));
      await tx`UPDATE abandoned_calls SET status = 'done', outcome = ${outcome}, note = ${note}, closed_at = now(), closed_by = ${change.actor.id}
                WHERE id = ${id}`;
      const after = await getWorkItem(tx, id);
      await recordAudit(tx, { ...change, action: 'callback.closed', target_type: 'callback', target_id: id, before: auditView(before), after: auditView(after) });
      return after;
    });
    await this.deps.bus.publish('callback.closed.v1', {
      item_id: id, call_id: item.call_id, outcome, closed_by: change.actor.id, note, callback_call_id: item.callback_call_id, called_again_call_id: null,
    });
    return this.afterChange(item, before);
  }

  /** Kamailio's authorisations for the seat before and after the change made to match the database. */
  private async afterChange(item: WorkItem, before: WorkItem): Promise<ChangeResult> {
    let authorisation: Authorisation | null = null;
    let error: string | null = null;
    if (!item.caller_number) return { item, authorisation, authorisation_error: 'the caller withheld the number: nothing to dial' };
    try {
      if (before.claimed_seat_id && before.claimed_seat_id !== item.claimed_seat_id) {
        await this.authoriser.syncAuthorisation(before.claimed_seat_id, item.caller_number);
      }
      if (item.claimed_seat_id) authorisation = await this.authoriser.syncAuthorisation(item.claimed_seat_id, item.caller_number);
      if (item.status === 'claimed' && !authorisation) error = item.claimed_seat_id ? 'no callback number or no trunk gateway is configured' : 'the dispatcher is not logged in at a seat';
    } catch (err) {
      error = `Kamailio was not told: ${(err as Error).message}`;
      this.deps.log.warn({ err: String(err), item: item.id }, 'callback authorisation not written to Kamailio');
    }
    return { item, authorisation, authorisation_error: error };
  }
}
