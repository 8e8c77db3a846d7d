/**
 * Who was the dispatcher on a call: the person logged in at the answering seat when it answered,
 * from the seat's log-in/log-out rows in seat_state_log (index seat_state_log_sessions).
 */
import type { Queryable } from '../audit/record.ts';

export async function dispatcherAt(sql: Queryable, seatId: string, at: Date): Promise<string | null> {
  const [row] = await sql<{ user_id: string | null; login: boolean }[]>`
    SELECT user_id, from_state = 'logged_out' AS login FROM seat_state_log
     WHERE seat_id = ${seatId} AND (from_state = 'logged_out' OR to_state = 'logged_out') AND at <= ${at}
     ORDER BY at DESC, id DESC LIMIT 1`;
  return row?.login ? row.user_id : null;
}
