import type { Redis } from 'ioredis';
import type { AppDeps } from '../../app/deps.ts';
import { CtiError } from '../../errors/catalogue.ts';
import type { SeatStateName } from '../../events/schema.ts';
import { SEAT_TRANSITIONS, assertSeatTransition } from './machine.ts';
import { PerKeySerializer } from '../../app/serial.ts';
import { SEAT_ALARMS } from '../../alarms/alarm.ts';
import { clearAlarm } from '../../alarms/service.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts } from '../../ha/outbox/write.ts';

/** Live seat state: one Redis hash per seat (authoritative for live state), mirrored to PostgreSQL. */
export const seatKey = (seatId: string): string => `cti:seat:${seatId}`;
export const SEATS_SET = 'cti:seats';

export interface SeatLive {
  seatId: string;
  sipUser: string;
  centreId: string;
  queues: string[];
  state: SeatStateName;
  reason: string | null;
  sinceMs: number;
  idleSinceMs: number;
  call: string | null;
  callsToday: number;
  wrapupUntilMs: number;
  userId: string | null;
  missedOffers: number;
  /** The seat's tier (1 first) and skills: its own, else its surge template's (loadSeats), for the ACD's candidates. */
  tier: number;
  skills: string[];
  /** The SIP Call-ID of the call this seat missed last: that call is not offered to it again while another seat can take it. */
  missedCall: string | null;
}

// Check-and-set in one step: refuses when the current state is not among the allowed sources.
const TRANSITION_LUA = `
local cur = redis.call('HGET', KEYS[1], 'state') or 'logged_out'
if not string.find(',' .. ARGV[1] .. ',', ',' .. cur .. ',', 1, true) then return {0, cur} end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'reason', ARGV[3], 'since', ARGV[4])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return {1, cur}`;

function sourcesFor(to: SeatStateName): SeatStateName[] {
  return (Object.keys(SEAT_TRANSITIONS) as SeatStateName[]).filter((from) => SEAT_TRANSITIONS[from].includes(to));
}

export function parseSeat(seatId: string, h: Record<string, string>): SeatLive {
  return {
    seatId,
    sipUser: h.sip_user ?? '',
    centreId: h.centre ?? '',
    queues: h.queues ? (JSON.parse(h.queues) as string[]) : [],
    state: (h.state as SeatStateName) ?? 'logged_out',
    reason: h.reason ? h.reason : null,
    sinceMs: Number(h.since ?? 0),
    idleSinceMs: Number(h.idle_since ?? 0),
    call: h.call ? h.call : null,
    callsToday: h.calls_day === today() ? Number(h.calls_today ?? 0) : 0,
    wrapupUntilMs: Number(h.wrapup_until ?? 0),
    userId: h.user_id ? h.user_id : null,
    missedOffers: Number(h.missed ?? 0),
    tier: Number(h.tier) >= 1 ? Number(h.tier) : 1,
    skills: h.skills ? (JSON.parse(h.skills) as string[]) : [],
    missedCall: h.missed_call ? h.missed_call : null,
  };
}

export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export async function getSeatLive(redis: Redis, seatId: string): Promise<SeatLive | undefined> {
  const h = await redis.hgetall(seatKey(seatId));
  if (!h.sip_user) return undefined;
  return parseSeat(seatId, h);
}

export async function allSeatsLive(redis: Redis): Promise<SeatLive[]> {
  const ids = await redis.smembers(SEATS_SET);
  if (ids.length === 0) return [];
  const p = redis.pipeline();
  for (const id of ids) p.hgetall(seatKey(id));
  const res = (await p.exec()) ?? [];
  const out: SeatLive[] = [];
  res.forEach(([err, h], i) => {
    if (!err && h && (h as Record<string, string>).sip_user) out.push(parseSeat(ids[i], h as Record<string, string>));
  });
  return out;
}

export interface TransitionOptions {
  reason?: string | null;
  /** Only these source states are accepted (a subset of the table's), e.g. ['ready'] to reserve. */
  from?: SeatStateName[];
  /** Extra hash fields set in the same atomic step. */
  set?: Record<string, string | number>;
  userId?: string | null;
  /** Throw a coded error when refused (API callers); the call flow passes false and branches on `ok`. */
  strict?: boolean;
  at?: Date;
  /** Return once Redis holds the new state; PostgreSQL and the event follow in the seat's chain (the offer path). */
  factsInBackground?: boolean;
}

// Persistence and events of one seat happen in the order of its transitions, even when not awaited.
const seatFacts = new PerKeySerializer();

export interface TransitionResult {
  ok: boolean;
  from: SeatStateName;
}

/**
 * The one way a seat changes state: check against the transition table atomically in Redis,
 * then persist to PostgreSQL (state + log), then emit seat.state_changed.v1.
 */
export async function transitionSeat(deps: AppDeps, seatId: string, to: SeatStateName, opts: TransitionOptions = {}): Promise<TransitionResult> {
  const at = opts.at ?? new Date();
  const allowed = (opts.from ?? sourcesFor(to)).filter((f) => SEAT_TRANSITIONS[f].includes(to));
  const extra: string[] = [];
  for (const [k, v] of Object.entries(opts.set ?? {})) extra.push(k, String(v));
  const [ok, from] = (await deps.redis.eval(TRANSITION_LUA, 1, seatKey(seatId), allowed.join(','), to, opts.reason ?? '', String(at.getTime()), ...extra)) as [number, SeatStateName];
  if (ok !== 1) {
    if (opts.strict) assertSeatTransition(seatId, from, to);
    if (opts.strict) throw new CtiError('CTI_SEAT_ILLEGAL_TRANSITION', { seat_id: seatId, from, to });
    return { ok: false, from };
  }
  const facts = seatFacts.run(seatId, async () => {
    try {
      // PostgreSQL away: kept in the outbox and written after (ha/outbox)
      await writeFacts(deps, seatId,
        fact`UPDATE seats SET state = ${to}, state_reason = ${opts.reason ?? null}, state_since = ${at}, updated_at = ${new Date()} WHERE id = ${seatId}`,
        fact`INSERT INTO seat_state_log (seat_id, from_state, to_state, reason, user_id, at) VALUES (${seatId}, ${from}, ${to}, ${opts.reason ?? null}, ${opts.userId ?? null}, ${at})`);
    } catch (err) {
      deps.log.error({ err: String(err), seat_id: seatId, to }, 'seat state not persisted to PostgreSQL (Redis holds it)');
    }
    await deps.bus.publish('seat.state_changed.v1', { seat_id: seatId, from, to, reason: opts.reason ?? null, since: at.toISOString() }, at);
    if (to === 'ready' && (from === 'not_ready' || from === 'logged_out')) await clearMissedOffersAlarm(deps, seatId);
  });
  if (opts.factsInBackground) void facts.catch((err) => deps.log.error({ err: String(err), seat_id: seatId }, 'seat event not published'));
  else await facts;
  return { ok: true, from };
}

/** A seat made ready again after too many missed offers: its seat_missed_offers alarm clears, its count restarts. */
async function clearMissedOffersAlarm(deps: AppDeps, seatId: string): Promise<void> {
  if ((await deps.redis.hget(seatKey(seatId), 'missed_alarm')) !== '1') return;
  await deps.redis.hset(seatKey(seatId), 'missed_alarm', '0', 'missed', '0');
  try {
    await clearAlarm(deps, SEAT_ALARMS.missedOffers, seatId);
  } catch (err) {
    deps.log.error({ err: String(err), seat_id: seatId }, 'seat_missed_offers alarm not cleared');
  }
}

/** Load seat definitions from PostgreSQL into Redis, keeping live state; seats missing from Redis start from PostgreSQL's state. */
export async function loadSeats(deps: Pick<AppDeps, 'sql' | 'redis'>): Promise<number> {
  // tier and skills: the seat's own, else (a surge seat) its template's as the surge took it, else tier 1 and none
  const rows = await deps.sql<{ id: string; sip_username: string; centre_id: string; queues: string[]; state: string; state_reason: string | null; state_since: Date; enabled: boolean; expires_at: Date | null; tier: number; skills: string[] }[]>`
    SELECT s.id, s.sip_username, s.centre_id, s.queues, s.state, s.state_reason, s.state_since, s.enabled, s.expires_at,
           coalesce(s.tier, (su.template->>'tier')::int, 1) AS tier,
           coalesce(s.skills, ARRAY(SELECT jsonb_array_elements_text(coalesce(su.template->'skills', '[]'::jsonb)))) AS skills
      FROM seats s
      LEFT JOIN surge_seats ss ON ss.seat_id = s.id
      LEFT JOIN surges su ON su.id = ss.surge_id`;
  const p = deps.redis.pipeline();
  for (const r of rows) {
    const key = seatKey(r.id);
    const active = r.enabled && (r.expires_at === null || r.expires_at > new Date());
    if (!active) {
      p.srem(SEATS_SET, r.id);
      p.del(key);
      continue;
    }
    p.sadd(SEATS_SET, r.id);
    p.hset(key, 'sip_user', r.sip_username, 'centre', r.centre_id, 'queues', JSON.stringify(r.queues), 'tier', String(r.tier), 'skills', JSON.stringify(r.skills));
    p.hsetnx(key, 'state', r.state);
    p.hsetnx(key, 'reason', r.state_reason ?? '');
    p.hsetnx(key, 'since', String(r.state_since.getTime()));
    p.hsetnx(key, 'idle_since', String(r.state_since.getTime()));
  }
  await p.exec();
  return rows.length;
}

/** Seat id for a SIP user name (the AoR user Kamailio reports). */
export async function seatIdForSipUser(deps: AppDeps, sipUser: string): Promise<string | undefined> {
  const cached = await deps.redis.hget('cti:sipuser', sipUser);
  if (cached) return cached;
  const [row] = await deps.sql<{ id: string }[]>`SELECT id FROM seats WHERE sip_username = ${sipUser}`;
  if (!row) return undefined;
  await deps.redis.hset('cti:sipuser', sipUser, row.id);
  return row.id;
}
