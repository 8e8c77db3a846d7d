/**
 * The one typed, versioned event schema of the 120 CTI core.
 * Producers, the WebSocket API, the consoles, the tests and external consumers (CAD, EMR, QA) share it.
 * A type name is `<entity>.<past-tense verb>.v<major>`; a breaking change adds a new major version beside the old.
 * docs/events.md documents every event; `eventJsonSchemas` serves the same definitions over HTTP.
 */
export type CallEndedBy = 'caller' | 'seat' | 'system';
export type SeatStateName = 'logged_out' | 'ready' | 'reserved' | 'talking' | 'wrap_up' | 'not_ready';
export type OfferFailReason = 'no_answer' | 'rejected' | 'unreachable' | 'failed';
export type AlarmLevel = 'info' | 'warning' | 'critical';
/** Why a call overflowed: it waited the queue's `overflow.after_s`, or no seat of the queue was logged in. */
export type OverflowReason = 'wait' | 'no_seat';
export type CallbackOutcome = 'reached' | 'no_answer' | 'busy' | 'wrong_number' | 'duplicate' | 'not_needed' | 'called_again';

export interface EventData {
  'call.offered.v1': {
    call_id: string; sip_call_id: string; caller_number: string | null; caller_name: string | null;
    called_number: string | null; trunk_id: string | null; source: string | null; arrived_at: string;
  };
  'call.queued.v1': { call_id: string; queue_id: string; priority: number; requeued: boolean; reason: string | null };
  /** `seats`: every seat a ring_all offer rings at once (seat_id is the first of them); absent for a one-seat offer. */
  'call.offering.v1': { call_id: string; seat_id: string; attempt: number; queue_ms: number; seats?: string[] };
  'call.offer_failed.v1': { call_id: string; seat_id: string; attempt: number; reason: OfferFailReason; sip_status: number | null };
  'call.answered.v1': { call_id: string; seat_id: string; attempt: number; queue_ms: number; ring_ms: number; answer_ms: number };
  'call.ended.v1': { call_id: string; ended_by: CallEndedBy; reason: string; answered_seat_id: string | null; talk_ms: number | null };
  'call.abandoned.v1': { call_id: string; queue_id: string | null; caller_number: string | null; wait_ms: number; phase: 'queued' | 'offering' };
  'call.failed_open.v1': { call_id: string | null; sip_call_id: string; reason: string; target: string };
  'call.overflowed.v1': {
    call_id: string; seq: number; from_queue_id: string; to_queue_id: string | null; to_sip_uri: string | null;
    reason: OverflowReason; waited_ms: number;
  };
  'call.overflow_failed.v1': { call_id: string; seq: number; to_sip_uri: string; sip_status: number; queue_id: string };
  'call.overflow_answered.v1': { call_id: string; seq: number; to_sip_uri: string; queue_ms: number; ring_ms: number; answer_ms: number };
  'call.announcement_played.v1': {
    call_id: string; prompt: string; purpose: 'greeting' | 'waiting' | 'warning' | 'warning_end' | 'hold'; duration_ms: number | null;
  };
  'call.held.v1': { call_id: string; seat_id: string | null; user_id: string };
  'call.resumed.v1': { call_id: string; seat_id: string | null; user_id: string; held_ms: number };
  'seat.state_changed.v1': { seat_id: string; from: SeatStateName; to: SeatStateName; reason: string | null; since: string };
  'seat.registration_changed.v1': { seat_id: string; registered: boolean; contacts: number };
  'recording.ready.v1': {
    recording_id: string; call_id: string | null; sip_call_id: string; duration_ms: number; sm3: string; size_bytes: number;
  };
  'alarm.raised.v1': { alarm_id: string; type: string; level: AlarmLevel; subject: string | null; details: Record<string, unknown> };
  'alarm.cleared.v1': { alarm_id: string; type: string; subject: string | null };
  'call.screened.v1': {
    call_id: string | null; sip_call_id: string | null; caller_number: string; list: 'block' | 'watch' | 'allow' | null; entry_id: string | null;
    configured_policy: string; policy: string; priority: number | null; mark: string | null; override_once: boolean; degraded: string | null;
  };
  'screening.proposed.v1': { proposal_id: string; number: string; list: 'block' | 'watch'; reasons: string[]; strength: number; call_id: string | null };
  'callback.claimed.v1': { item_id: string; call_id: string; caller_number: string | null; claimed_by: string; seat_id: string | null; by: string; reassigned: boolean };
  'callback.released.v1': { item_id: string; call_id: string; released_by: string; was_claimed_by: string };
  'callback.closed.v1': {
    item_id: string; call_id: string; outcome: CallbackOutcome; closed_by: string | null; note: string | null;
    callback_call_id: string | null; called_again_call_id: string | null;
  };
  'callback.dialled.v1': { call_id: string; sip_call_id: string; item_id: string | null; seat_id: string | null; number: string; presented_number: string | null };
  'callback.answered.v1': { call_id: string; item_id: string | null; seat_id: string | null; ring_ms: number };
  'callback.ended.v1': {
    call_id: string; item_id: string | null; answered_seat_id: string | null; ended_by: CallEndedBy; reason: string;
    sip_status: number | null; talk_ms: number | null;
  };
  /** A trunk group's gateway stopped answering Kamailio's OPTIONS probes: out of service (docs/trunks.md). */
  'trunk.down.v1': { trunk_id: string; group_id: string; gateway_uri: string };
  /** The gateway answers the probes again: back in service. */
  'trunk.up.v1': { trunk_id: string; group_id: string; gateway_uri: string };
}

export type EventType = keyof EventData;

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

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const intOrNull = { type: ['integer', 'null'] } as const;

function obj(props: Record<string, unknown>): object {
  return { type: 'object', additionalProperties: false, required: Object.keys(props), properties: props };
}

/** JSON Schemas of each event's `data`, used by the OpenAPI document and the contract tests. */
export const eventDataSchemas: { [K in EventType]: object } = {
  'call.offered.v1': obj({ call_id: str, sip_call_id: str, caller_number: strOrNull, caller_name: strOrNull, called_number: strOrNull, trunk_id: strOrNull, source: strOrNull, arrived_at: str }),
  'call.queued.v1': obj({ call_id: str, queue_id: str, priority: int, requeued: { type: 'boolean' }, reason: strOrNull }),
  'call.offering.v1': { ...obj({ call_id: str, seat_id: str, attempt: int, queue_ms: int, seats: { type: 'array', items: str, minItems: 1 } }), required: ['call_id', 'seat_id', 'attempt', 'queue_ms'] },
  'call.offer_failed.v1': obj({ call_id: str, seat_id: str, attempt: int, reason: { enum: ['no_answer', 'rejected', 'unreachable', 'failed'] }, sip_status: intOrNull }),
  'call.answered.v1': obj({ call_id: str, seat_id: str, attempt: int, queue_ms: int, ring_ms: int, answer_ms: int }),
  'call.ended.v1': obj({ call_id: str, ended_by: { enum: ['caller', 'seat', 'system'] }, reason: str, answered_seat_id: strOrNull, talk_ms: intOrNull }),
  'call.abandoned.v1': obj({ call_id: str, queue_id: strOrNull, caller_number: strOrNull, wait_ms: int, phase: { enum: ['queued', 'offering'] } }),
  'call.failed_open.v1': obj({ call_id: strOrNull, sip_call_id: str, reason: str, target: str }),
  'call.overflowed.v1': obj({
    call_id: str, seq: int, from_queue_id: str, to_queue_id: strOrNull, to_sip_uri: strOrNull, reason: { enum: ['wait', 'no_seat'] }, waited_ms: int,
  }),
  'call.overflow_failed.v1': obj({ call_id: str, seq: int, to_sip_uri: str, sip_status: int, queue_id: str }),
  'call.overflow_answered.v1': obj({ call_id: str, seq: int, to_sip_uri: str, queue_ms: int, ring_ms: int, answer_ms: int }),
  'call.announcement_played.v1': obj({
    call_id: str, prompt: str, purpose: { enum: ['greeting', 'waiting', 'warning', 'warning_end', 'hold'] }, duration_ms: intOrNull,
  }),
  'call.held.v1': obj({ call_id: str, seat_id: strOrNull, user_id: str }),
  'call.resumed.v1': obj({ call_id: str, seat_id: strOrNull, user_id: str, held_ms: int }),
  'seat.state_changed.v1': obj({ seat_id: str, from: str, to: str, reason: strOrNull, since: str }),
  'seat.registration_changed.v1': obj({ seat_id: str, registered: { type: 'boolean' }, contacts: int }),
  'recording.ready.v1': obj({ recording_id: str, call_id: strOrNull, sip_call_id: str, duration_ms: int, sm3: str, size_bytes: int }),
  'alarm.raised.v1': obj({ alarm_id: str, type: str, level: { enum: ['info', 'warning', 'critical'] }, subject: strOrNull, details: { type: 'object' } }),
  'alarm.cleared.v1': obj({ alarm_id: str, type: str, subject: strOrNull }),
  'call.screened.v1': obj({
    call_id: strOrNull, sip_call_id: strOrNull, caller_number: str, list: { enum: ['block', 'watch', 'allow', null] }, entry_id: strOrNull,
    configured_policy: str, policy: str, priority: intOrNull, mark: strOrNull, override_once: { type: 'boolean' }, degraded: strOrNull,
  }),
  'screening.proposed.v1': obj({ proposal_id: str, number: str, list: { enum: ['block', 'watch'] }, reasons: { type: 'array', items: str }, strength: int, call_id: strOrNull }),
  'callback.claimed.v1': obj({ item_id: str, call_id: str, caller_number: strOrNull, claimed_by: str, seat_id: strOrNull, by: str, reassigned: { type: 'boolean' } }),
  'callback.released.v1': obj({ item_id: str, call_id: str, released_by: str, was_claimed_by: str }),
  'callback.closed.v1': obj({
    item_id: str, call_id: str, outcome: { enum: ['reached', 'no_answer', 'busy', 'wrong_number', 'duplicate', 'not_needed', 'called_again'] },
    closed_by: strOrNull, note: strOrNull, callback_call_id: strOrNull, called_again_call_id: strOrNull,
  }),
  'callback.dialled.v1': obj({ call_id: str, sip_call_id: str, item_id: strOrNull, seat_id: strOrNull, number: str, presented_number: strOrNull }),
  'callback.answered.v1': obj({ call_id: str, item_id: strOrNull, seat_id: strOrNull, ring_ms: int }),
  'callback.ended.v1': obj({
    call_id: str, item_id: strOrNull, answered_seat_id: strOrNull, ended_by: { enum: ['caller', 'seat', 'system'] }, reason: str,
    sip_status: intOrNull, talk_ms: intOrNull,
  }),
  'trunk.down.v1': obj({ trunk_id: str, group_id: str, gateway_uri: str }),
  'trunk.up.v1': obj({ trunk_id: str, group_id: str, gateway_uri: str }),
};

export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];

export const eventEnvelopeSchema = {
  type: 'object',
  required: ['id', 'type', 'at', 'centre_id', 'data'],
  properties: { id: str, type: { enum: EVENT_TYPES }, at: str, centre_id: str, data: { type: 'object' } },
} as const;
