/**
 * The one typed, versioned event schema of the 120 CTI core.
 * Producers, the WebSocket API, the consoles, the tests and external consumers (CAD, EMR, QA) share it.
 * A type name is `<entity>.<past-tense verb>.v<major>`; a breaking change adds a new major version beside the old.
 * Each event is defined once, as the JSON Schema of its `data` (eventDataSchemas, served over HTTP); its
 * TypeScript type is derived from that (json-schema-to-ts). docs/events.md documents every event.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

const CALL_ENDED_BY = ['caller', 'seat', 'system'] as const;
export const SEAT_STATE_NAMES = ['logged_out', 'ready', 'reserved', 'talking', 'wrap_up', 'not_ready'] as const;
const OFFER_FAIL_REASONS = ['no_answer', 'rejected', 'unreachable', 'failed'] as const;
export const ALARM_LEVELS = ['info', 'warning', 'critical'] as const;
/** Why a call overflowed: it waited the queue's `overflow.after_s`, or no seat of the queue was logged in. */
const OVERFLOW_REASONS = ['wait', 'no_seat'] as const;
const TRANSFER_TARGET_KINDS = ['seat', 'queue', 'centre', 'number'] as const;
const TRANSFER_FAIL_REASONS = ['refer_refused', 'busy', 'unreachable', 'no_answer', 'rejected', 'failed', 'token_expired', 'caller_hung_up'] as const;
const CALLBACK_OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'duplicate', 'not_needed', 'called_again'] as const;

export type CallEndedBy = (typeof CALL_ENDED_BY)[number];
export type SeatStateName = (typeof SEAT_STATE_NAMES)[number];
export type OfferFailReason = (typeof OFFER_FAIL_REASONS)[number];
export type AlarmLevel = (typeof ALARM_LEVELS)[number];
export type OverflowReason = (typeof OVERFLOW_REASONS)[number];
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const intOrNull = { type: ['integer', 'null'] } as const;

const bool = { type: 'boolean' } as const;

/** An object whose every property is required and no other is allowed. */
function obj<const P extends Record<string, JSONSchema>>(props: P) {
  return { type: 'object', additionalProperties: false, required: Object.keys(props) as (keyof P & string)[], properties: props } as const;
}

/**
 * JSON Schemas of each event's `data`, served over HTTP (GET /v1/events/schema), used by the OpenAPI document
 * and the contract tests; the TypeScript type of each event (EventData) is derived from them.
 */
export const eventDataSchemas = {
  'call.offered.v1': obj({ call_id: str, sip_call_id: str, caller_number: strOrNull, caller_name: strOrNull, called_number: strOrNull, trunk_id: strOrNull, source: strOrNull, arrived_at: str }),
  'call.queued.v1': obj({ call_id: str, queue_id: str, priority: int, requeued: bool, reason: strOrNull }),
  /** `seats`: every seat a ring_all offer rings at once (seat_id is the first of them); absent for a one-seat offer. */
  'call.offering.v1': { ...obj({ call_id: str, seat_id: str, attempt: int, queue_ms: int, seats: { type: 'array', items: str, minItems: 1 } }), required: ['call_id', 'seat_id', 'attempt', 'queue_ms'] as ['call_id', 'seat_id', 'attempt', 'queue_ms'] },
  'call.offer_failed.v1': obj({ call_id: str, seat_id: str, attempt: int, reason: { enum: OFFER_FAIL_REASONS }, sip_status: intOrNull }),
  'call.answered.v1': obj({ call_id: str, seat_id: str, attempt: int, queue_ms: int, ring_ms: int, answer_ms: int }),
  'call.ended.v1': obj({ call_id: str, ended_by: { enum: CALL_ENDED_BY }, reason: str, answered_seat_id: strOrNull, talk_ms: intOrNull }),
  'call.abandoned.v1': obj({ call_id: str, queue_id: strOrNull, caller_number: strOrNull, wait_ms: int, phase: { enum: ['queued', 'offering'] } }),
  'call.failed_open.v1': obj({ call_id: strOrNull, sip_call_id: str, reason: str, target: str }),
  'call.overflowed.v1': obj({
    call_id: str, seq: int, from_queue_id: str, to_queue_id: strOrNull, to_sip_uri: strOrNull, reason: { enum: OVERFLOW_REASONS }, waited_ms: int,
  }),
  'call.overflow_failed.v1': obj({ call_id: str, seq: int, to_sip_uri: str, sip_status: int, queue_id: str }),
  'call.overflow_answered.v1': obj({ call_id: str, seq: int, to_sip_uri: str, queue_ms: int, ring_ms: int, answer_ms: int }),
  'call.announcement_played.v1': obj({
    call_id: str, prompt: str, purpose: { enum: ['greeting', 'waiting', 'warning', 'warning_end', 'hold'] }, duration_ms: intOrNull,
  }),
  'call.held.v1': obj({ call_id: str, seat_id: strOrNull, user_id: str }),
  'call.resumed.v1': obj({ call_id: str, seat_id: strOrNull, user_id: str, held_ms: int }),
  'call.caller_hold_audio_changed.v1': obj({ call_id: str, playing: bool }),
  'seat.state_changed.v1': obj({ seat_id: str, from: { enum: SEAT_STATE_NAMES }, to: { enum: SEAT_STATE_NAMES }, reason: strOrNull, since: str }),
  'seat.registration_changed.v1': obj({ seat_id: str, registered: bool, contacts: int }),
  'recording.ready.v1': obj({ recording_id: str, call_id: strOrNull, sip_call_id: str, duration_ms: int, sm3: str, size_bytes: int }),
  'alarm.raised.v1': obj({ alarm_id: str, type: str, level: { enum: ALARM_LEVELS }, subject: strOrNull, details: { type: 'object' } }),
  'alarm.cleared.v1': obj({ alarm_id: str, type: str, subject: strOrNull }),
  'call.screened.v1': obj({
    call_id: strOrNull, sip_call_id: strOrNull, caller_number: str, list: { enum: ['block', 'watch', 'allow', null] }, entry_id: strOrNull,
    configured_policy: str, policy: str, priority: intOrNull, mark: strOrNull, override_once: bool, degraded: strOrNull,
  }),
  'screening.proposed.v1': obj({ proposal_id: str, number: str, list: { enum: ['block', 'watch'] }, reasons: { type: 'array', items: str }, strength: int, call_id: strOrNull }),
  'callback.claimed.v1': obj({ item_id: str, call_id: str, caller_number: strOrNull, claimed_by: str, seat_id: strOrNull, by: str, reassigned: bool }),
  'callback.released.v1': obj({ item_id: str, call_id: str, released_by: str, was_claimed_by: str }),
  'callback.closed.v1': obj({
    item_id: str, call_id: str, outcome: { enum: CALLBACK_OUTCOMES },
    closed_by: strOrNull, note: strOrNull, callback_call_id: strOrNull, called_again_call_id: strOrNull,
  }),
  'callback.dialled.v1': obj({ call_id: str, sip_call_id: str, item_id: strOrNull, seat_id: strOrNull, number: str, presented_number: strOrNull }),
  'callback.answered.v1': obj({ call_id: str, item_id: strOrNull, seat_id: strOrNull, ring_ms: int }),
  'callback.ended.v1': obj({
    call_id: str, item_id: strOrNull, answered_seat_id: strOrNull, ended_by: { enum: CALL_ENDED_BY }, reason: str,
    sip_status: intOrNull, talk_ms: intOrNull,
  }),
  /**
   * A party joined the call's conference room (calls/conference/, docs/mixer.md): `leg_id` its call_legs row,
   * `participant_id` its id in the room, `party` who (the SIP From user, or a seat), `muted` as it joined.
   */
  'call.party_joined.v1': obj({ call_id: str, incident_id: strOrNull, room_id: str, participant_id: str, leg_id: str, party: strOrNull, muted: bool }),
  /**
   * A party left the room: `reason` hung_up (its BYE), dropped (by the dispatcher), left (the dispatcher's own seat left
   * the three-way), mixer_lost, room_closed, failed (a party dialled in did not answer).
   */
  'call.party_left.v1': obj({
    call_id: str, incident_id: strOrNull, room_id: str, participant_id: str, leg_id: str, party: strOrNull,
    reason: { enum: ['hung_up', 'dropped', 'left', 'mixer_lost', 'room_closed', 'failed'] }, in_room_ms: int,
  }),
  /**
   * The answering seat's page was lost mid-call (its SIP WebSocket closed; calls/page-lost/): `state` grace (the
   * caller hears the hold audio while the page may come back), then recovered (the page came back), ended (the call
   * ended meanwhile), requeued (the caller back at its place in the queue), handed_over (a consultation's target or a
   * three-way's party keeps the caller) or stranded (the caller could not be moved: it hears the hold audio, alarm);
   * `lost_ms` since the page was lost.
   */
  'call.seat_connection_lost.v1': obj({
    call_id: str, seat_id: str, state: { enum: ['grace', 'recovered', 'ended', 'requeued', 'handed_over', 'stranded'] }, grace_ms: int, lost_ms: int,
  }),
  /**
   * A supervisor's whisper or barge-in on a connected call (calls/coach/, docs/mixer.md "Whisper and barge-in"):
   * `state` offered (the dispatcher's page is asked to take the talk-back leg), whisper (only the dispatcher hears
   * the supervisor), barge (the caller hears the supervisor too), ended; `leg_id` the supervisor's call_legs row.
   */
  'call.coached.v1': obj({
    call_id: str, coach_id: str, seat_id: strOrNull, leg_id: str, supervisor: str,
    state: { enum: ['offered', 'whisper', 'barge', 'ended'] }, reason: strOrNull,
  }),
  /** A trunk group's gateway stopped answering Kamailio's OPTIONS probes: out of service (docs/trunks.md). */
  'trunk.down.v1': obj({ trunk_id: str, group_id: str, gateway_uri: str }),
  /** The gateway answers the probes again: back in service. */
  'trunk.up.v1': obj({ trunk_id: str, group_id: str, gateway_uri: str }),
  /**
   * A control plane of a pair took the lead (docs/ha.md "Failovers, audited"), published once the floating address
   * arrived and a first call was answered (or 2 minutes passed): `last_seen_at` the old leader's last renewal seen
   * by the standby; `*_ms` from then (or from the lease taken, for a start) to each step.
   */
  'ha.failover.v1': obj({
    failover_id: str, epoch: int, kind: { enum: ['failover', 'switchover', 'start'] }, from_node: strOrNull, to_node: str, by: str, reason: str,
    last_seen_at: strOrNull, lease_taken_at: str, vip_moved_at: strOrNull, first_answered_at: strOrNull,
    lease_ms: intOrNull, vip_ms: intOrNull, answered_ms: intOrNull,
  }),
  // --- blind transfers (issue 14, calls/transfer/, docs/transfers.md) ---
  /** A dispatcher (or supervisor) moved the caller towards a directory destination; the REFER is about to leave. */
  'call.transfer_started.v1': obj({
    call_id: str, transfer_id: str, incident_id: strOrNull, mode: { enum: ['blind'] }, target_kind: { enum: TRANSFER_TARGET_KINDS },
    destination_id: strOrNull, target_name: str, from_seat_id: strOrNull, requested_by: str,
  }),
  /** The caller reached the target: the target seat or outside party answered, or the caller waits in the target queue. */
  'call.transferred.v1': obj({
    call_id: str, transfer_id: str, incident_id: strOrNull, target_kind: { enum: TRANSFER_TARGET_KINDS }, new_sip_call_id: str,
    to_seat_id: strOrNull, to_queue_id: strOrNull, elapsed_ms: int,
  }),
  /** The transfer did not happen: the caller is still (or again) with the dispatcher. */
  'call.transfer_failed.v1': obj({
    call_id: str, transfer_id: str, incident_id: strOrNull, reason: { enum: TRANSFER_FAIL_REASONS }, sip_status: intOrNull,
  }),
} as const satisfies Record<string, JSONSchema>;

export type EventType = keyof typeof eventDataSchemas;

type DataOf = { [K in EventType]: FromSchema<(typeof eventDataSchemas)[K]> };
/** The `data` of each event, as its schema says (an interface, so the derivation is resolved once). */
export interface EventData extends DataOf {}

export interface CtiEvent<T extends EventType = EventType> {
  /** Unique id of the event (uuid). The Redis stream id gives the order. */
  id: string;
  type: T;
  /** ISO 8601 time at which the fact happened. */
  at: string;
  centre_id: string;
  data: EventData[T];
}

export type AnyCtiEvent = { [K in EventType]: CtiEvent<K> }[EventType];

export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];

export const eventEnvelopeSchema = {
  type: 'object',
  required: ['id', 'type', 'at', 'centre_id', 'data'],
  properties: { id: str, type: { enum: EVENT_TYPES }, at: str, centre_id: str, data: { type: 'object' } },
} as const;
