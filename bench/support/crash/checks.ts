/**
 * What a crash-safety repeat checks afterwards, from the facts (PostgreSQL `calls`), the control plane's live
 * seat states (GET /v1/seat-states) and Kamailio's own registrations (JSON-RPC ul.dump).
 */
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';
import type { CallCentre, Seat } from '../../../test/integration/support/callcentre.ts';
import { waitFor } from '../../../test/integration/support/callcentre.ts';

export interface RepeatCall {
  id: string;
  sip_call_id: string;
  caller_number: string;
  priority: number;
  state: string;
  failed_open: boolean;
  answered_seat_id: string | null;
  arrived_at: Date;
  first_offered_at: Date | null;
  answered_at: Date | null;
  end_reason: string | null;
}

const TERMINAL = new Set(['ended', 'abandoned', 'blocked', 'overflowed']);

export async function repeatCalls(cc: CallCentre, callers: readonly string[]): Promise<RepeatCall[]> {
  return cc.sql<RepeatCall[]>`
    SELECT id::text AS id, sip_call_id, caller_number, priority, state, failed_open, answered_seat_id, arrived_at, first_offered_at,
           answered_at, end_reason
    FROM calls WHERE caller_number = ANY(${callers as string[]}) ORDER BY arrived_at, id`;
}

/** Waits until every caller has a calls row in a final state (or the time is up) and returns the rows. */
export async function settledCalls(cc: CallCentre, callers: readonly string[], timeoutMs: number): Promise<RepeatCall[]> {
  try {
    return await waitFor(async () => {
      const rows = await repeatCalls(cc, callers);
      return rows.length >= callers.length && rows.every((r) => TERMINAL.has(r.state)) ? rows : undefined;
    }, timeoutMs, `${callers.length} calls in a final state`, 250);
  } catch {
    return repeatCalls(cc, callers);
  }
}

export interface CallTally {
  rows: number;
  /** Ended, answered by a seat through the queue. */
  answered: number;
  /** Failed open by Kamailio (ring-all) and answered by a seat. */
  failedOpenAnswered: number;
  /** Failed open, no seat recorded as answering. */
  failedOpenUnanswered: number;
  /** Rows in a final state without an answer (abandoned, ended without seat ...): with SIPp reporting every caller answered, a wrong record. */
  notRecordedAnswered: Array<{ caller: string; state: string; end_reason: string | null; failed_open: boolean }>;
  /** Rows not in a final state when the repeat ended. */
  notClosed: Array<{ caller: string; state: string }>;
  /** Callers without a calls row at all. */
  noRow: string[];
  /** Pairs of queue-answered calls of one priority offered in the other order than they arrived. */
  offerInversions: number;
  /** The same over answered_at (four seats answer in parallel: a few ms can swap two answers). */
  answerInversions: number;
}

function inversions(rows: RepeatCall[], at: (r: RepeatCall) => Date | null): number {
  let n = 0;
  const byPriority = new Map<number, RepeatCall[]>();
  for (const r of rows) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  for (const list of byPriority.values()) {
    list.sort((a, b) => a.arrived_at.getTime() - b.arrived_at.getTime());
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const ti = at(list[i]!);
        const tj = at(list[j]!);
        if (ti && tj && tj.getTime() < ti.getTime()) n += 1;
      }
    }
  }
  return n;
}

export function tallyCalls(rows: RepeatCall[], callers: readonly string[]): CallTally {
  const seen = new Set(rows.map((r) => r.caller_number));
  const viaQueue = rows.filter((r) => r.state === 'ended' && r.answered_seat_id && !r.failed_open);
  return {
    rows: rows.length,
    answered: viaQueue.length,
    failedOpenAnswered: rows.filter((r) => r.failed_open && r.answered_seat_id).length,
    failedOpenUnanswered: rows.filter((r) => r.failed_open && !r.answered_seat_id).length,
    notRecordedAnswered: rows.filter((r) => TERMINAL.has(r.state) && !r.answered_seat_id)
      .map((r) => ({ caller: r.caller_number, state: r.state, end_reason: r.end_reason, failed_open: r.failed_open })),
    notClosed: rows.filter((r) => !TERMINAL.has(r.state)).map((r) => ({ caller: r.caller_number, state: r.state })),
    noRow: callers.filter((c) => !seen.has(c)),
    offerInversions: inversions(viaQueue, (r) => r.first_offered_at),
    answerInversions: inversions(viaQueue, (r) => r.answered_at),
  };
}

export interface SeatView { seat_id: string; state: string; reason: string | null; registered: boolean; call: string | null }

export interface SeatCheck {
  states: SeatView[];
  /** Seats reserved, talking or in wrap-up with every call over. */
  stuck: SeatView[];
  /** The control plane's `registered` differs from Kamailio's usrloc. */
  registrationMismatch: Array<{ seat_id: string; control_plane: boolean; kamailio: boolean }>;
  /** Seats left not ready (e.g. an offer failed during the outage). */
  notReady: SeatView[];
  /** Live calls still in Redis (cti:calls:live) and entries still queued. */
  liveCallsLeft: number;
  queuedLeft: number;
}

/**
 * Waits (up to `settleMs`) until every seat is ready again, then compares. Wrap-up is `wrapupS` long, so a seat
 * still in wrap-up after the wait is stuck too.
 */
export async function checkSeats(cc: CallCentre, seats: Seat[], settleMs: number): Promise<SeatCheck> {
  await cc.login();
  const read = async () => (await cc.apiOk<SeatView[]>('GET', '/v1/seat-states', undefined, [200]))
    .filter((s) => seats.some((x) => x.id === s.seat_id));
  let states: SeatView[];
  try {
    states = await waitFor(async () => {
      const s = await read();
      return s.every((x) => x.state === 'ready') ? s : undefined;
    }, settleMs, 'every seat ready', 250);
  } catch {
    states = await read();
  }
  const rpc = new KamailioRpc({ url: cc.info.kamailio.rpcUrl });
  const aors = new Set((await rpc.ulDump()).filter((c) => c.expires > 0 || c.permanent).map((c) => c.aor));
  const registrationMismatch = states.flatMap((s) => {
    const seat = seats.find((x) => x.id === s.seat_id)!;
    const kam = aors.has(seat.sipUser);
    return kam === s.registered ? [] : [{ seat_id: s.seat_id, control_plane: s.registered, kamailio: kam }];
  });
  return {
    states,
    stuck: states.filter((s) => s.state === 'reserved' || s.state === 'talking' || s.state === 'wrap_up'),
    registrationMismatch,
    notReady: states.filter((s) => s.state === 'not_ready' || s.state === 'logged_out'),
    liveCallsLeft: await cc.redis.scard('cti:calls:live'),
    queuedLeft: await cc.redis.zcard('cti:queue:city-main'),
  };
}
