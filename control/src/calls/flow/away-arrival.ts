/**
 * A call that arrived while no control plane was connected (docs/ha.md "Next steps" 8): its call.new went to no one,
 * Kamailio failed it open (ring-all) and a seat may have answered it, so neither Redis nor PostgreSQL knew it and it
 * had no record at all. The cfg keeps its call.new (without SDP and INVITE) in htable awn while no control plane is
 * connected; the sync reads it and, for a call it does not know and Kamailio did not re-send (a call still suspended
 * is re-sent and arrives as usual), writes the record from the kept arrival. The call is then reconciled like a live
 * call the sync did not see: with its dialog (failed open, answered by the seat of the dialog's Contact) or with what
 * Kamailio kept of its answer and BYE (htables awa and awe, away-outcomes.ts); with neither, the caller hung up unheard.
 */
import { randomUUID } from 'node:crypto';
import { callerNumber, decodeEngineEvent, type CallNewEvent } from '../../engine/kamailio/events.ts';
import { arrivalFacts, offeredEvent } from './arrival.ts';
import type { HtableItem } from '../../engine/kamailio/jsonrpc.ts';
import { writeFacts } from '../../ha/outbox/write.ts';
import { routeCall } from '../../queues/routing.ts';
import { logCallEvent, saveLiveCall, type LiveCall } from '../store.ts';
import type { FlowContext } from './context.ts';

export const AWAY_ARRIVED_TABLE = 'awn';

/** awn value: the call.new JSON as the cfg builds it, without sdp, dst, takeover and invite. Pure. */
export function parseAwayArrivals(items: HtableItem[]): Map<string, CallNewEvent> {
  const out = new Map<string, CallNewEvent>();
  for (const item of items) {
    let m: unknown;
    try {
      m = JSON.parse(String(item.value));
    } catch {
      continue;
    }
    const e = m && typeof m === 'object' ? decodeEngineEvent(m as Record<string, unknown>) : undefined;
    if (e?.event === 'call.new' && e.callId && e.callId === item.name.trim() && e.arrivedAt.getTime() > 0) out.set(e.callId, e);
  }
  return out;
}

/** Kamailio's kept arrivals; none (logged) when JSON-RPC fails: such calls then stay without a record, as before. */
export async function loadAwayArrivals(f: FlowContext): Promise<Map<string, CallNewEvent>> {
  try {
    return parseAwayArrivals(await f.registrations.awayItems(AWAY_ARRIVED_TABLE));
  } catch (err) {
    f.deps.log.warn({ err: String(err) }, 'htable.dump of the calls that arrived while away failed: they get no record');
    return new Map();
  }
}

/** Known, re-sent or recorded: deleted, so a later sync does not judge it again. */
export async function forgetAwayArrival(f: FlowContext, callId: string): Promise<void> {
  try {
    await f.registrations.forgetAway(AWAY_ARRIVED_TABLE, callId);
  } catch (err) {
    f.deps.log.warn({ err: String(err), call: callId }, 'arrival kept while away not deleted (expires in 2 h)');
  }
}

/**
 * The record of a call that arrived while we were away, as its arrival would have written it (routed to its queue,
 * at the time Kamailio kept), and the call live in Redis as queued (not in any queue: Kamailio does not hold it for
 * us), for the sync to reconcile at once. No screening, repeat-caller raise or prompts: the call is past all that.
 */
export async function recordAwayArrival(f: FlowContext, e: CallNewEvent): Promise<LiveCall> {
  const number = callerNumber(e);
  const { queue, priority } = await routeCall(f.deps, e.ruriUser || e.toUser, e.trunk);
  const id = randomUUID();
  const at = e.arrivedAt;
  const call: LiveCall = {
    sipCallId: e.callId, id, centreId: queue.centreId, state: 'queued', tindex: 0, tlabel: 0, queueId: queue.id, priority,
    arrivedMs: at.getTime(), queuedMs: at.getTime(), attempt: 0, seatId: null, offeredMs: 0, callerNumber: number,
    answeredSeatId: null, answeredMs: 0, failedOpen: false, fromTag: e.fromTag, early: false,
    ...(f.deps.config.node ? { node: f.deps.config.node } : {}),
  };
  f.deps.log.warn({ call: e.callId, arrived_at: at.toISOString() }, 'call arrived while no control plane ran: recorded from what Kamailio kept');
  await saveLiveCall(f.deps.redis, call);
  await writeFacts(f.deps, id, ...arrivalFacts(id, e, { centreId: queue.centreId, queueId: queue.id, priority, priorityReason: null, state: 'queued', queuedAt: at }));
  await logCallEvent(f.deps, id, 'call.offered.v1', offeredEvent(id, e), at);
  return call;
}
