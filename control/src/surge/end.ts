/**
 * Ending a surge (early, by a supervisor, or at its expiry) and retiring its seats.
 *
 *   surge seat:  active --surge ends--> ending --leaves its call (or was not in one)--> ended (seat disabled)
 *
 * A seat not in a call is logged out and disabled at once: the subscriber view drops it, so Kamailio refuses
 * its credentials at the next REGISTER or INVITE, and its usrloc bindings are dropped. A seat in a call
 * (reserved or talking) keeps the call; it takes no new call (its queues are emptied) and is disabled when it
 * leaves the call. Calls, recordings, state log and audit rows keep pointing at the (disabled) seat.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type AuditEntry } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { loadSeats, seatKey, transitionSeat } from '../seats/state/store.ts';
import { lockSurge, getSurge, type Surge } from './store.ts';
import { dropRegistrations, type UsrlocRpc } from '../seats/registration/unregister.ts';

/** Who ends a surge: a person (request) or the expiry tick. */
export interface SurgeActor {
  actor: AuditEntry['actor'];
  ip: string | null;
}

export const EXPIRY_ACTOR: SurgeActor = { actor: { id: null, username: 'system:surge-expiry' }, ip: null };

export interface EndOptions {
  rpc?: UsrlocRpc;
  reason?: 'ended' | 'expired';
}

// Only when the live hash exists: a bare HSET would create a seat hash loadSeats never made.
const EMPTY_QUEUES_LUA = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'queues', '[]') end return 0`;

export async function endSurge(deps: AppDeps, who: SurgeActor, id: string, opts: EndOptions = {}): Promise<Surge> {
  const seatIds = await deps.sql.begin(async (tx) => {
    const before = await lockSurge(tx, id);
    if (before.ended_at !== null) {
      throw new CtiError('CTI_CONFLICT', { surge_id: id, ended_at: before.ended_at }, 'The surge has ended already; nothing to do.');
    }
    const reason = opts.reason ?? 'ended';
    await tx`
      UPDATE surges SET ended_at = now(), ended_by = ${who.actor.id}, ended_by_name = ${who.actor.username},
                        end_reason = ${reason}, updated_at = now()
       WHERE id = ${id}::uuid`;
    const ending = await tx<{ seat_id: string }[]>`
      UPDATE surge_seats SET status = 'ending' WHERE surge_id = ${id}::uuid AND status = 'active' RETURNING seat_id`;
    const ids = ending.map((r) => r.seat_id);
    await tx`UPDATE seats SET queues = ARRAY[]::text[], updated_at = now() WHERE id = ANY(${ids}::text[])`;
    await recordAudit(tx, {
      ...who, action: 'surge.ended', target_type: 'surge', target_id: id,
      before: { expires_at: before.expires_at, ended_at: null },
      after: { end_reason: reason, seat_ids: ids },
    });
    return ids;
  });
  const p = deps.redis.pipeline();
  for (const seatId of seatIds) p.eval(EMPTY_QUEUES_LUA, 1, seatKey(seatId));
  await p.exec();
  await finishEndingSeats(deps, { rpc: opts.rpc, seatIds });
  return getSurge(deps.sql, id);
}

/**
 * Disables every `ending` seat (or those of `seatIds`) that is not in a call; returns the seats disabled.
 * Run after an end and on every expiry tick; safe to run concurrently (each seat is disabled once).
 */
export async function finishEndingSeats(deps: AppDeps, f: { rpc?: UsrlocRpc; seatIds?: string[] } = {}): Promise<string[]> {
  const ending = await deps.sql<{ seat_id: string; sip_username: string; ended_by: string | null; ended_by_name: string }[]>`
    SELECT ss.seat_id, s.sip_username, su.ended_by::text AS ended_by, coalesce(su.ended_by_name, 'system') AS ended_by_name
      FROM surge_seats ss JOIN seats s ON s.id = ss.seat_id JOIN surges su ON su.id = ss.surge_id
     WHERE ss.status = 'ending' AND (${f.seatIds ?? null}::text[] IS NULL OR ss.seat_id = ANY(${f.seatIds ?? null}::text[]))`;
  const disabled: { seat_id: string; sip_username: string }[] = [];
  for (const seat of ending) {
    const r = await transitionSeat(deps, seat.seat_id, 'logged_out', { from: ['ready', 'not_ready', 'wrap_up'], reason: 'surge_ended' });
    if (!r.ok && r.from !== 'logged_out') continue; // reserved or talking: the call finishes first
    const done = await disableSurgeSeat(deps, seat.seat_id, { actor: { id: seat.ended_by, username: seat.ended_by_name }, ip: null });
    if (done) disabled.push(seat);
  }
  if (disabled.length === 0) return [];
  await loadSeats(deps);
  if (f.rpc) for (const seat of disabled) await dropRegistrations(deps, f.rpc, seat.sip_username);
  return disabled.map((s) => s.seat_id);
}

async function disableSurgeSeat(deps: AppDeps, seatId: string, who: SurgeActor): Promise<boolean> {
  return deps.sql.begin(async (tx) => {
    const [mark] = await tx<{ queues: string[] }[]>`
      UPDATE surge_seats SET status = 'ended', ended_at = now() WHERE seat_id = ${seatId} AND status = 'ending' RETURNING queues`;
    if (!mark) return false;
    const [row] = await tx<Record<string, unknown>[]>`
      UPDATE seats SET enabled = false, updated_at = now() WHERE id = ${seatId}
      RETURNING id, sip_username, kind, enabled, expires_at, state`;
    await recordAudit(tx, {
      ...who, action: 'seat.disabled', target_type: 'seat', target_id: seatId,
      before: { enabled: true, queues: mark.queues }, after: { ...row, reason: 'surge_ended' },
    });
    return true;
  });
}

/** Ends every surge whose expiry has come (as the system), then retires what can be retired. */
export async function endDueSurges(deps: AppDeps, rpc?: UsrlocRpc): Promise<number> {
  const due = await deps.sql<{ id: string }[]>`SELECT id::text AS id FROM surges WHERE ended_at IS NULL AND expires_at <= now() ORDER BY expires_at`;
  let n = 0;
  for (const { id } of due) {
    try {
      await endSurge(deps, EXPIRY_ACTOR, id, { rpc, reason: 'expired' });
      n += 1;
    } catch (err) {
      if (!(err instanceof CtiError && err.code === 'CTI_CONFLICT')) throw err; // ended meanwhile by a person
    }
  }
  return n;
}
