/**
 * Outbound callback calls, from Kamailio's events (route[OUTBOUND]): `callback.started` makes the call's row in
 * `calls` (direction 'outbound', callback_of the abandoned call, the seat, the presented and the dialled number),
 * `callback.answered` / `callback.failed` and the dialog's `call.bye` move it along OUTBOUND_TRANSITIONS. The row
 * carries the SIP Call-ID, which is how the recording pipeline (recordings/store.ts) files rtpengine's recording.
 * Events of one Call-ID are handled in order; the call flow ignores these calls (no live inbound call).
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app/deps.ts';
import { PerKeySerializer } from '../app/serial.ts';
import type { CallbackStartedEvent, EngineEvent } from '../engine/kamailio/events.ts';
import { logCallEvent } from '../calls/store.ts';
import { canOutbound, failureReason, type OutboundState } from './machine.ts';

/** Redis set of the Call-IDs of outbound calls not yet ended (so a BYE of an inbound call costs one SISMEMBER). */
export const LIVE_CALLBACKS = 'cti:callbacks:live';

interface OutboundRow {
  id: string;
  state: OutboundState;
  seat_id: string | null;
  item_id: string | null;
  arrived_at: Date;
  answered_at: Date | null;
}

export class OutboundCalls {
  private readonly serial = new PerKeySerializer();

  constructor(private readonly deps: AppDeps) {}

  /** Takes the engine events that concern outbound calls; returns at once (handled in the Call-ID's chain). */
  handle(e: EngineEvent): void {
    if (e.event === 'callback.refused') {
      this.deps.log.warn({ seat: e.seatUser, number: e.number }, 'a seat dialled an external number it is not authorised for: 403');
      return;
    }
    if (e.event !== 'callback.started' && e.event !== 'callback.answered' && e.event !== 'callback.failed' && e.event !== 'call.bye') return;
    void this.serial.run(e.callId, () => this.dispatch(e))
      .catch((err) => this.deps.log.error({ err: String(err), event: e.event, call: e.callId }, 'outbound callback event failed'));
  }

  private async dispatch(e: EngineEvent): Promise<void> {
    switch (e.event) {
      case 'callback.started': return this.started(e);
      case 'callback.answered': return this.answered(e.callId);
      case 'callback.failed': return this.failed(e.callId, e.code, e.cancelled);
      case 'call.bye':
        if (await this.deps.redis.sismember(LIVE_CALLBACKS, e.callId)) await this.ended(e.callId, e.by);
        return;
      default:
    }
  }

  private async started(e: CallbackStartedEvent): Promise<void> {
    const [seat] = await this.deps.sql<{ id: string; centre_id: string }[]>`SELECT id, centre_id FROM seats WHERE sip_username = ${e.seatUser}`;
    const [item] = e.itemId
      ? await this.deps.sql<{ id: string; call_id: string; centre_id: string }[]>`SELECT id::text AS id, call_id, centre_id FROM abandoned_calls WHERE id = ${e.itemId}`
      : [];
    const id = randomUUID();
    const centreId = item?.centre_id ?? seat?.centre_id ?? this.deps.config.centreId;
    const inserted = await this.deps.sql.begin(async (tx) => {
      const rows = await tx`
        INSERT INTO calls (id, centre_id, sip_call_id, caller_number, called_number, source, state, arrived_at, direction, callback_of, seat_id, sip_headers)
        VALUES (${id}, ${centreId}, ${e.callId}, ${e.presented || null}, ${e.number}, 'seat', 'dialling', ${e.startedAt}, 'outbound',
                ${item?.call_id ?? null}, ${seat?.id ?? null}, ${tx.json({ proto: e.proto, from_tag: e.fromTag, seat_user: e.seatUser })})
        ON CONFLICT (sip_call_id) DO NOTHING RETURNING id`;
      if (rows.length === 0) return false; // a retransmitted INVITE: the call is known
      await tx`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at) VALUES (${id}, 'seat', ${seat?.id ?? e.seatUser}, ${e.fromTag}, ${e.startedAt})`;
      await tx`INSERT INTO call_legs (call_id, kind, party, started_at) VALUES (${id}, 'external', ${e.number}, ${e.startedAt})`;
      if (item) await tx`UPDATE abandoned_calls SET callback_call_id = ${id}, callback_attempts = callback_attempts + 1 WHERE id = ${item.id}`;
      return true;
    });
    if (!inserted) return;
    await this.deps.redis.sadd(LIVE_CALLBACKS, e.callId);
    await logCallEvent(this.deps, id, 'callback.dialled.v1', {
      call_id: id, sip_call_id: e.callId, item_id: item?.id ?? null, seat_id: seat?.id ?? null, number: e.number, presented_number: e.presented || null,
    }, e.startedAt);
  }

  private async answered(sipCallId: string): Promise<void> {
    const call = await this.row(sipCallId);
    if (!call || !canOutbound(call.state, 'talking')) return;
    const now = new Date();
    await this.deps.sql`UPDATE calls SET state = 'talking', answered_at = ${now}, answered_seat_id = ${call.seat_id}, updated_at = now() WHERE id = ${call.id}`;
    await logCallEvent(this.deps, call.id, 'callback.answered.v1', { call_id: call.id, item_id: call.item_id, seat_id: call.seat_id, ring_ms: now.getTime() - call.arrived_at.getTime() }, now);
  }

  private async failed(sipCallId: string, code: number, cancelled: boolean): Promise<void> {
    const call = await this.row(sipCallId);
    if (!call || !canOutbound(call.state, 'failed')) return;
    const now = new Date();
    const { reason, endedBy } = failureReason(code, cancelled);
    await this.deps.sql`UPDATE calls SET state = 'failed', ended_at = ${now}, ended_by = ${endedBy}, end_reason = ${reason}, updated_at = now() WHERE id = ${call.id}`;
    await this.deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`;
    await this.deps.redis.srem(LIVE_CALLBACKS, sipCallId);
    await logCallEvent(this.deps, call.id, 'callback.ended.v1', { call_id: call.id, item_id: call.item_id, answered_seat_id: null, ended_by: endedBy, reason, sip_status: code, talk_ms: null }, now);
  }

  /** BYE: from the seat (who placed the call: Kamailio's "caller", upstream) or from the person called back. */
  private async ended(sipCallId: string, by: 'caller' | 'seat'): Promise<void> {
    const call = await this.row(sipCallId);
    if (!call || !canOutbound(call.state, 'ended')) return;
    const now = new Date();
    const endedBy = by === 'caller' ? 'seat' : 'caller';
    await this.deps.sql`UPDATE calls SET state = 'ended', ended_at = ${now}, ended_by = ${endedBy}, end_reason = 'normal', updated_at = now() WHERE id = ${call.id}`;
    await this.deps.sql`UPDATE call_legs SET ended_at = ${now} WHERE call_id = ${call.id} AND ended_at IS NULL`;
    await this.deps.redis.srem(LIVE_CALLBACKS, sipCallId);
    // answered_seat_id set: the recording watch expects this call's recording like any answered call's
    await logCallEvent(this.deps, call.id, 'callback.ended.v1', {
      call_id: call.id, item_id: call.item_id, answered_seat_id: call.seat_id, ended_by: endedBy, reason: 'normal', sip_status: null,
      talk_ms: call.answered_at ? now.getTime() - call.answered_at.getTime() : null,
    }, now);
  }

  private async row(sipCallId: string): Promise<OutboundRow | undefined> {
    const [row] = await this.deps.sql<OutboundRow[]>`
      SELECT c.id, c.state, c.seat_id, a.id::text AS item_id, c.arrived_at, c.answered_at
        FROM calls c LEFT JOIN abandoned_calls a ON a.callback_call_id = c.id
       WHERE c.sip_call_id = ${sipCallId} AND c.direction = 'outbound'`;
    return row;
  }
}
