/**
 * A call live in Redis whose PostgreSQL row was never written: the arrival saves the call in Redis first (so the
 * offer leaves at once) and writes its row after, so a kill -9 between the two leaves a live call with no row
 * (seen in the crash test: the next sync then failed on call_events' and call_legs' foreign keys, and the call stayed
 * live with no record). Before a sync or a re-send touches such a call, its row and caller leg are written from what
 * Redis knows (the SIP headers, caller name and called number are lost with the process). A call that has its row
 * is left as it is (ON CONFLICT DO NOTHING, a caller leg only if it has none).
 */
import type { FactStatement } from '../../ha/outbox/statement.ts';
import { fact } from '../../ha/outbox/statement.ts';
import { writeFacts, type FactDeps } from '../../ha/outbox/write.ts';
import type { LiveCall } from '../store.ts';

/** The statements that restore the row and caller leg of `call` if they are missing (pure: unit-tested). */
export function missingRowFacts(call: LiveCall): FactStatement[] {
  const arrived = new Date(call.arrivedMs);
  return [
    fact`INSERT INTO calls (id, centre_id, sip_call_id, caller_number, queue_id, priority, state, arrived_at, queued_at, failed_open)
      VALUES (${call.id}, ${call.centreId}, ${call.sipCallId}, ${call.callerNumber || null}, ${call.queueId || null}, ${call.priority},
              ${call.state}, ${arrived}, ${call.queuedMs ? new Date(call.queuedMs) : null}, ${call.failedOpen})
      ON CONFLICT DO NOTHING`,
    fact`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at)
      SELECT ${call.id}::uuid, 'caller', ${call.callerNumber || null}::text, ${call.fromTag || null}::text, ${arrived}::timestamptz
      WHERE EXISTS (SELECT 1 FROM calls WHERE id = ${call.id})
        AND NOT EXISTS (SELECT 1 FROM call_legs WHERE call_id = ${call.id} AND kind = 'caller')`,
  ];
}

/** Writes the row of a live call if a crash lost it (in the call's outbox order, like every fact of the call). */
export async function restoreMissingRow(deps: FactDeps, call: LiveCall): Promise<void> {
  await writeFacts(deps, call.id, ...missingRowFacts(call));
}
