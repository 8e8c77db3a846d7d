/**
 * When the caller heard the hold audio instead of the seat or the room (docs/recordings.md "Channel layout"): rtpengine
 * plays it (`play media`) and does not record what its player sends (measured: no packet of it in the pcap), so the
 * converter keeps the seat channel silent over these spans and lists them (`channels.callerHeld`), rather than the seat's
 * microphone (blocked towards the caller while held) or the room's mix (blocked while the caller is held in a
 * consultation). Read from the call's event log: call.held.v1 / call.resumed.v1 (calls/actions/hold.ts) and
 * call.caller_hold_audio_changed.v1 (calls/conference/caller-hold.ts).
 */
import type { Sql } from 'postgres';

const ON = new Set(['call.held.v1']);
const OFF = new Set(['call.resumed.v1']);
const CHANGED = 'call.caller_hold_audio_changed.v1';
const TYPES = [...ON, ...OFF, CHANGED];

export interface HoldEvent { type: string; at: Date; data: { playing?: boolean } }

/** Wall-clock spans [start, end | null (still held when the call ended)] from the events in time order. */
export function heldSpans(events: readonly HoldEvent[]): Array<[number, number | null]> {
  const spans: Array<[number, number | null]> = [];
  let since: number | undefined;
  for (const e of events) {
    const on = ON.has(e.type) || (e.type === CHANGED && e.data.playing === true);
    const off = OFF.has(e.type) || (e.type === CHANGED && e.data.playing === false);
    if (on && since === undefined) since = e.at.getTime();
    else if (off && since !== undefined) {
      spans.push([since, e.at.getTime()]);
      since = undefined;
    }
  }
  if (since !== undefined) spans.push([since, null]);
  return spans;
}

/** The spans of the call with this SIP Call-ID (none for a Call-ID without a call record). */
export async function callerHeldSpans(sql: Sql, sipCallId: string): Promise<Array<[number, number | null]>> {
  const events = await sql<HoldEvent[]>`
    SELECT e.type, e.at, e.data FROM call_events e JOIN calls c ON c.id = e.call_id
    WHERE c.sip_call_id = ${sipCallId} AND e.type IN ${sql(TYPES)} ORDER BY e.at, e.id`;
  return heldSpans(events);
}
