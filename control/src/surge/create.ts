/**
 * Creating a surge: N seats from a template in one transaction, each with its own one-time SIP password
 * (returned once; only the digests are stored) and login link, plus one audit row for the surge and one per seat.
 * The seats' live state is loaded into Redis at once, so they can log in and take calls within seconds.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { bodyFieldError, futureDate } from '../errors/fields.ts';
import { seatDigests } from '../seats/admin/ha1.ts';
import { loadSeats } from '../seats/state/store.ts';
import { defaultPrefix, isValidPrefix, loginLink, oneTimeSipPassword, seatBackstop, surgeSeatNames } from './credentials.ts';
import { getSurge, type Surge } from './store.ts';
import { getSeatTemplate } from './templates.ts';

export const MAX_SURGE_SEATS = 200;
export const MAX_SURGE_HOURS = 30 * 24;
export const END_SURGE_HINT = 'to end a surge now use POST /v1/surges/:id/end';

export interface NewSurge {
  template_id: string;
  count: number;
  prefix?: string;
  expires_at: string;
  reason: string;
}

export interface SurgeSeatCredentials {
  id: string;
  display_name: string;
  sip_username: string;
  sip_domain: string;
  /** Shown once, here; never stored. */
  sip_password: string;
  login_url: string;
  queues: string[];
}

export interface SurgeCreated {
  surge: Surge;
  seats: SurgeSeatCredentials[];
}

const badField = bodyFieldError;

/** Checks of the request that need no database: returns the expiry as a Date. */
export function validateNewSurge(s: NewSurge, now = new Date()): Date {
  if (!Number.isInteger(s.count) || s.count < 1 || s.count > MAX_SURGE_SEATS) throw badField('/count', `between 1 and ${MAX_SURGE_SEATS}`);
  if (s.prefix !== undefined && !isValidPrefix(s.prefix)) throw badField('/prefix', 'a letter, then up to 23 letters, digits or _.-');
  const expires = futureDate(s.expires_at, '/expires_at', END_SURGE_HINT, now)!;
  if (expires.getTime() - now.getTime() > MAX_SURGE_HOURS * 3600_000) throw badField('/expires_at', `at most ${MAX_SURGE_HOURS / 24} days ahead`);
  if (s.reason.trim() === '') throw badField('/reason', 'say why (e.g. 重大事件)');
  return expires;
}

export async function createSurge(deps: AppDeps, change: Change, s: NewSurge, origin: string): Promise<SurgeCreated> {
  const expires = validateNewSurge(s);
  const created = await deps.sql.begin(async (tx) => {
    const template = await getSeatTemplate(tx, s.template_id);
    let prefix = s.prefix ?? defaultPrefix();
    let names = surgeSeatNames(prefix, s.count);
    for (let attempt = 0; ; attempt++) {
      const ids = names.map((n) => n.id);
      const taken = await tx<{ id: string }[]>`SELECT id FROM seats WHERE id = ANY(${ids}::text[]) OR sip_username = ANY(${ids}::text[]) LIMIT 5`;
      if (taken.length === 0) break;
      if (s.prefix !== undefined || attempt >= 3) {
        throw new CtiError('CTI_CONFLICT', { prefix, taken: taken.map((t) => t.id) }, `Seats named "${prefix}-…" exist already; choose another prefix.`);
      }
      prefix = defaultPrefix();
      names = surgeSeatNames(prefix, s.count);
    }
    const snapshot = { id: template.id, name: template.name, queues: template.queues, tier: template.tier, skills: template.skills, wrapup_s: template.wrapup_s, role: template.role };
    const [surge] = await tx<{ id: string }[]>`
      INSERT INTO surges (centre_id, template_id, template, prefix, seat_count, reason, created_by, created_by_name, expires_at)
      VALUES (${template.centre_id}, ${template.id}, ${tx.json(snapshot)}, ${prefix}, ${s.count}, ${s.reason.trim()},
              ${change.actor.id}, ${change.actor.username}, ${expires})
      RETURNING id::text AS id`;
    const seats: SurgeSeatCredentials[] = [];
    const rows = names.map((n) => {
      const password = oneTimeSipPassword();
      const d = seatDigests(n.sip_username, deps.config.sipDomain, password);
      seats.push({ ...n, sip_domain: d.sip_domain, sip_password: password, login_url: loginLink(origin, n), queues: template.queues });
      return {
        id: n.id, centre_id: template.centre_id, display_name: n.display_name, sip_username: n.sip_username,
        sip_domain: d.sip_domain, ha1: d.ha1, ha1b: d.ha1b, kind: 'surge', queues: template.queues, expires_at: seatBackstop(expires),
      };
    });
    const inserted = await tx<Record<string, unknown>[]>`
      INSERT INTO seats ${tx(rows as never)}
      RETURNING id, centre_id, display_name, sip_username, sip_domain, kind, queues, enabled, expires_at, state, created_at`;
    await tx`INSERT INTO surge_seats ${tx(names.map((n) => ({ seat_id: n.id, surge_id: surge.id, queues: template.queues })) as never)}`;
    await recordAudit(tx, {
      ...change, action: 'surge.created', target_type: 'surge', target_id: surge.id,
      after: { template: snapshot, prefix, seat_count: s.count, reason: s.reason.trim(), expires_at: expires, seat_ids: names.map((n) => n.id) },
    });
    for (const row of inserted) {
      await recordAudit(tx, { ...change, action: 'seat.created', target_type: 'seat', target_id: String(row.id), after: { ...row, surge_id: surge.id } });
    }
    return { surge: await getSurge(tx, surge.id), seats };
  });
  await loadSeats(deps);
  return created;
}
