/**
 * Which external numbers a seat may dial: Kamailio's htable `cb` (route[OUTBOUND] in kamailio.cfg.tpl),
 * key "<seat SIP user>|<number>", value "<item id>|<gateway host:port>|<presented number>", written with an
 * expiry over JSON-RPC (htable.setxs). The database is the truth: `syncAuthorisation` makes Kamailio's entry
 * match the claimed items of that seat and number, `resyncAuthorisations` rewrites them all (Kamailio restarted).
 */
import type { AppDeps } from '../app/deps.ts';
import type { Queryable } from '../audit/record.ts';
import { KamailioRpc } from '../engine/kamailio/jsonrpc.ts';
import { outboundRoute } from './settings.ts';

export const AUTH_TABLE = 'cb';

type Deps = Pick<AppDeps, 'sql' | 'config' | 'log'>;

export function authorisationTtlS(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CTI_CALLBACK_AUTH_TTL_S ?? 7200);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : 7200;
}

export function authKey(sipUser: string, number: string): string {
  return `${sipUser}|${number}`;
}

export interface Authorisation {
  seat_id: string;
  sip_user: string;
  number: string;
  expires_at: string;
}

interface ClaimedRow { id: string; centre_id: string; sip_username: string; seat_id: string; caller_number: string }

async function claimedFor(sql: Queryable, seatId: string, number: string): Promise<ClaimedRow | undefined> {
  const [row] = await sql<ClaimedRow[]>`
    SELECT a.id::text AS id, a.centre_id, s.sip_username, s.id AS seat_id, a.caller_number
      FROM abandoned_calls a JOIN seats s ON s.id = a.claimed_seat_id
     WHERE a.status = 'claimed' AND a.claimed_seat_id = ${seatId} AND a.caller_number = ${number}
     ORDER BY a.abandoned_at DESC LIMIT 1`;
  return row;
}

export class CallbackAuthoriser {
  constructor(private readonly deps: Deps, private readonly rpc: KamailioRpc, private readonly ttlS = authorisationTtlS()) {}

  /** Kamailio's entry for (seat, number) made to match the database; the authorisation, or null when none. */
  async syncAuthorisation(seatId: string, number: string): Promise<Authorisation | null> {
    const [seat] = await this.deps.sql<{ sip_username: string }[]>`SELECT sip_username FROM seats WHERE id = ${seatId}`;
    if (!seat) return null;
    const key = authKey(seat.sip_username, number);
    const row = await claimedFor(this.deps.sql, seatId, number);
    const route = row ? await outboundRoute(this.deps.sql, row.centre_id) : undefined;
    if (!row || !route) {
      await this.rpc.htableDelete(AUTH_TABLE, key);
      return null;
    }
    await this.rpc.call('htable.setxs', [AUTH_TABLE, key, `${row.id}|${route.gateway}|${route.presented}`, this.ttlS]);
    return { seat_id: seatId, sip_user: seat.sip_username, number, expires_at: new Date(Date.now() + this.ttlS * 1000).toISOString() };
  }

  /** After Kamailio (re)connects: its htable is empty after a restart; write every claimed item again. */
  async resyncAuthorisations(): Promise<number> {
    const rows = await this.deps.sql<{ seat_id: string; caller_number: string }[]>`
      SELECT DISTINCT claimed_seat_id AS seat_id, caller_number FROM abandoned_calls
       WHERE status = 'claimed' AND claimed_seat_id IS NOT NULL AND caller_number IS NOT NULL`;
    let n = 0;
    for (const r of rows) {
      try {
        if (await this.syncAuthorisation(r.seat_id, r.caller_number)) n++;
      } catch (err) {
        this.deps.log.warn({ err: String(err), seat: r.seat_id }, 'callback authorisation not written to Kamailio');
      }
    }
    return n;
  }
}
