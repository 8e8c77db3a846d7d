/**
 * Seat administration: the seats Kamailio lets register and call (through the `subscriber` view,
 * which shows only enabled, unexpired seats: a disabled seat is refused at its next REGISTER or INVITE).
 * The live seat state (ready, not ready ...) is seats/state's; here only the seat's definition changes.
 */
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { futureDate } from '../../errors/fields.ts';
import { loadSeats } from '../state/store.ts';
import { seatDigests } from './ha1.ts';
import { inScope, type CentreScope } from '../../auth/scope.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;
/** With Redis, a change of queues, tier or skills reaches the live seat state at once (else at the next 5 s reload). */
type LiveDeps = Deps & Partial<Pick<AppDeps, 'redis'>>;

export interface Seat {
  id: string;
  centre_id: string;
  display_name: string;
  sip_username: string;
  sip_domain: string;
  kind: 'permanent' | 'surge';
  queues: string[];
  enabled: boolean;
  expires_at: Date | null;
  /** ACD tier (1 first) and skills; null: the surge template's for a surge seat, else tier 1 and no skills. */
  tier: number | null;
  skills: string[] | null;
  state: string;
  state_since: Date;
  created_at: Date;
  updated_at: Date;
}

export interface NewSeat {
  id: string;
  display_name: string;
  sip_username: string;
  sip_password: string;
  centre_id?: string;
  queues?: string[];
  kind?: 'permanent' | 'surge';
  expires_at?: string | null;
  tier?: number | null;
  skills?: string[] | null;
}

export interface SeatPatch {
  display_name?: string;
  sip_username?: string;
  sip_password?: string;
  centre_id?: string;
  queues?: string[];
  enabled?: boolean;
  expires_at?: string | null;
  tier?: number | null;
  skills?: string[] | null;
}

const COLUMNS = `id, centre_id, display_name, sip_username, sip_domain, kind, queues, enabled, expires_at,
  tier, skills, state, state_since, created_at, updated_at`;

const SKILL = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** Tier 1-9 or null; skills: distinct lower-case names such as 'dialect-wu', or null. Coded error naming the field. */
function checkTierSkills(s: { tier?: number | null; skills?: string[] | null }): void {
  const bad: { in: string; field: string; message: string }[] = [];
  if (s.tier != null && (!Number.isInteger(s.tier) || s.tier < 1 || s.tier > 9)) bad.push({ in: 'body', field: '/tier', message: 'an integer 1-9, or null' });
  if (s.skills != null) {
    if (!Array.isArray(s.skills) || s.skills.length > 32 || !s.skills.every((k) => typeof k === 'string' && SKILL.test(k))) {
      bad.push({ in: 'body', field: '/skills', message: 'up to 32 names of lower-case letters, digits and _.- (e.g. dialect-wu), or null' });
    } else if (new Set(s.skills).size !== s.skills.length) bad.push({ in: 'body', field: '/skills', message: 'a skill is listed twice' });
  }
  if (bad.length > 0) throw new CtiError('CTI_BAD_REQUEST', { fields: bad });
}

async function refreshLive(deps: LiveDeps): Promise<void> {
  if (deps.redis) await loadSeats({ sql: deps.sql, redis: deps.redis });
}

async function assertQueuesExist(tx: Queryable, queues: string[] | undefined): Promise<void> {
  if (queues === undefined || queues.length === 0) return;
  const rows = await tx<{ id: string }[]>`SELECT id FROM queues WHERE id = ANY(${queues}::text[])`;
  const known = new Set(rows.map((r) => r.id));
  const unknown = queues.filter((q) => !known.has(q));
  if (unknown.length > 0) {
    throw new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/queues', message: `unknown queue(s): ${unknown.join(', ')}` }] });
  }
}

async function lockSeat(tx: Queryable, id: string): Promise<Seat> {
  const [row] = await tx<Seat[]>`SELECT ${tx.unsafe(COLUMNS)} FROM seats WHERE id = ${id} FOR UPDATE`;
  if (!row) throw new CtiError('CTI_SEAT_NOT_FOUND', { id });
  return row;
}

/** A seat that expired already could not authenticate at all: disabling is how to stop one now. */
const DISABLE_SEAT_HINT = 'to stop a seat now set enabled: false (or DELETE /v1/seats/{id})';

export async function createSeat(deps: LiveDeps, change: Change, s: NewSeat): Promise<Seat> {
  checkTierSkills(s);
  futureDate(s.expires_at, '/expires_at', DISABLE_SEAT_HINT);
  const d = seatDigests(s.sip_username, deps.config.sipDomain, s.sip_password);
  const created = await deps.sql.begin(async (tx) => {
    await assertQueuesExist(tx, s.queues);
    const values: Record<string, unknown> = {
      id: s.id, centre_id: s.centre_id ?? deps.config.centreId, display_name: s.display_name,
      sip_username: s.sip_username, sip_domain: d.sip_domain, ha1: d.ha1, ha1b: d.ha1b,
      kind: s.kind ?? 'permanent', expires_at: s.expires_at ?? null,
    };
    if (s.queues !== undefined) values.queues = s.queues;
    if (s.tier != null) values.tier = s.tier;
    if (s.skills != null) values.skills = s.skills;
    const [row] = await tx<Seat[]>`INSERT INTO seats ${tx(values as never)} RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'seat.created', target_type: 'seat', target_id: row.id, after: row });
    return row;
  });
  await refreshLive(deps);
  return created;
}

export async function listSeats(deps: Deps, f: { centre_id?: string; include_disabled: boolean; centres?: CentreScope }): Promise<Seat[]> {
  return deps.sql<Seat[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM seats
     WHERE (${f.centre_id ?? null}::text IS NULL OR centre_id = ${f.centre_id ?? null}) ${inScope(deps.sql, 'centre_id', f.centres)}
       AND (${f.include_disabled} OR enabled)
     ORDER BY id`;
}

export async function getSeat(deps: Deps, id: string, centres: CentreScope = null): Promise<Seat> {
  const [row] = await deps.sql<Seat[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM seats WHERE id = ${id} ${inScope(deps.sql, 'centre_id', centres)}`;
  if (!row) throw new CtiError('CTI_SEAT_NOT_FOUND', { id });
  return row;
}

export async function updateSeat(deps: LiveDeps, change: Change, id: string, p: SeatPatch): Promise<Seat> {
  checkTierSkills(p);
  futureDate(p.expires_at, '/expires_at', DISABLE_SEAT_HINT);
  if (p.sip_username !== undefined && p.sip_password === undefined) {
    throw new CtiError('CTI_BAD_REQUEST', {
      fields: [{ in: 'body', field: '/sip_password', message: 'a new sip_username needs the sip_password too (the digest covers both)' }],
    });
  }
  const updated = await deps.sql.begin(async (tx) => {
    const before = await lockSeat(tx, id);
    await assertQueuesExist(tx, p.queues);
    const username = p.sip_username ?? before.sip_username;
    const d = p.sip_password === undefined ? null : seatDigests(username, deps.config.sipDomain, p.sip_password);
    const [row] = await tx<Seat[]>`
      UPDATE seats SET
        display_name = coalesce(${p.display_name ?? null}, display_name),
        sip_username = ${username},
        sip_domain = coalesce(${d?.sip_domain ?? null}, sip_domain),
        ha1 = coalesce(${d?.ha1 ?? null}, ha1),
        ha1b = coalesce(${d?.ha1b ?? null}, ha1b),
        centre_id = coalesce(${p.centre_id ?? null}, centre_id),
        queues = coalesce(${p.queues ?? null}::text[], queues),
        enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
        expires_at = CASE WHEN ${p.expires_at !== undefined} THEN ${p.expires_at ?? null}::timestamptz ELSE expires_at END,
        tier = CASE WHEN ${p.tier !== undefined} THEN ${p.tier ?? null}::int ELSE tier END,
        skills = CASE WHEN ${p.skills !== undefined} THEN ${p.skills ?? null}::text[] ELSE skills END,
        updated_at = now()
      WHERE id = ${id}
      RETURNING ${tx.unsafe(COLUMNS)}`;
    const after = d === null ? row : { ...row, sip_credentials_changed: true };
    await recordAudit(tx, { ...change, action: 'seat.updated', target_type: 'seat', target_id: id, before, after });
    return row;
  });
  if (p.tier !== undefined || p.skills !== undefined || p.queues !== undefined) await refreshLive(deps);
  return updated;
}

/**
 * Deleting a seat disables it: its history (calls, offers, state log) keeps pointing at it, and
 * Kamailio stops authenticating it at once. Idempotent.
 */
export async function disableSeat(deps: Deps, change: Change, id: string): Promise<Seat> {
  return deps.sql.begin(async (tx) => {
    const before = await lockSeat(tx, id);
    const [row] = await tx<Seat[]>`
      UPDATE seats SET enabled = false, updated_at = now() WHERE id = ${id} RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'seat.disabled', target_type: 'seat', target_id: id, before, after: row });
    return row;
  });
}
