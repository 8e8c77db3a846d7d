/**
 * Live queue and seat figures folded from the event stream (control/src/events/schema.ts), shared by
 * the dispatcher's queue strip and the supervisor's wallboard. Pure: no DOM, no clock of its own
 * (callers pass `now`), so it runs in Node's test runner as well (test/unit/consoles).
 *
 * Feed it a seat snapshot (GET /v1/seat-states) and then every event since local midnight (replayed by
 * the event WebSocket with ?since=<midnight>-0, then live). A call is waiting from call.queued.v1 until
 * call.answered.v1, call.abandoned.v1, call.ended.v1 or call.failed_open.v1; its wait counts from its
 * arrival (call.offered.v1), which a requeue does not reset.
 */

export const ANSWER_TARGET_MS = 10_000;
const UNKNOWN_QUEUE = '';

export function createLiveState() {
  return {
    /** @type {Map<string, {id: string, sipCallId: string|null, callerNumber: string|null, arrivedMs: number|null, queueId: string|null, waiting: boolean, seatId: string|null, answeredMs: number|null}>} */
    calls: new Map(),
    /** @type {Map<string, {id: string, offered: number, answered: number, answeredInTarget: number, abandoned: number}>} */
    queues: new Map(),
    /** @type {Map<string, {id: string, state: string, reason: string|null, sinceMs: number, callId: string|null, registered: boolean|null}>} */
    seats: new Map(),
  };
}

function queueOf(s, id) {
  const key = id ?? UNKNOWN_QUEUE;
  let q = s.queues.get(key);
  if (!q) {
    q = { id: key, offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0 };
    s.queues.set(key, q);
  }
  return q;
}

function callOf(s, id) {
  let c = s.calls.get(id);
  if (!c) {
    c = { id, sipCallId: null, callerNumber: null, arrivedMs: null, queueId: null, waiting: false, seatId: null, answeredMs: null };
    s.calls.set(id, c);
  }
  return c;
}

function seatOf(s, id) {
  let seat = s.seats.get(id);
  if (!seat) {
    seat = { id, state: 'logged_out', reason: null, sinceMs: 0, callId: null, registered: null };
    s.seats.set(id, seat);
  }
  return seat;
}

/** Seeds seats from GET /v1/seat-states rows (`{seat_id, state, reason, since, registered, call}`). */
export function applySeatSnapshot(s, rows) {
  for (const r of rows) {
    const seat = seatOf(s, r.seat_id);
    const sinceMs = Date.parse(r.since);
    if (sinceMs >= seat.sinceMs) {
      Object.assign(seat, { state: r.state, reason: r.reason ?? null, sinceMs, callId: r.call ?? null });
    }
    seat.registered = r.registered;
  }
}

function endCall(s, c) {
  c.waiting = false;
  if (c.seatId) {
    const seat = s.seats.get(c.seatId);
    if (seat && seat.callId === c.id) seat.callId = null;
  }
  s.calls.delete(c.id);
}

/** Folds one `{stream_id, event}` (or a bare event) into the state. Unknown types are ignored. */
export function applyEvent(s, msg) {
  const e = msg.event ?? msg;
  const d = e.data ?? {};
  const atMs = Date.parse(e.at);
  switch (e.type) {
    case 'call.offered.v1': {
      const c = callOf(s, d.call_id);
      c.sipCallId = d.sip_call_id;
      c.callerNumber = d.caller_number;
      c.arrivedMs = Date.parse(d.arrived_at) || atMs;
      break;
    }
    case 'call.queued.v1': {
      const c = callOf(s, d.call_id);
      if (c.queueId === null) queueOf(s, d.queue_id).offered += 1;
      c.queueId = d.queue_id;
      c.waiting = true;
      c.seatId = null;
      if (c.arrivedMs === null) c.arrivedMs = atMs;
      break;
    }
    case 'call.offering.v1': {
      const c = callOf(s, d.call_id);
      c.seatId = d.seat_id;
      const seat = seatOf(s, d.seat_id);
      seat.callId = d.call_id;
      break;
    }
    case 'call.offer_failed.v1': {
      const seat = s.seats.get(d.seat_id);
      if (seat && seat.callId === d.call_id) seat.callId = null;
      break;
    }
    case 'call.answered.v1': {
      const c = callOf(s, d.call_id);
      c.waiting = false;
      c.seatId = d.seat_id;
      c.answeredMs = atMs;
      const q = queueOf(s, c.queueId);
      q.answered += 1;
      if (d.answer_ms <= ANSWER_TARGET_MS) q.answeredInTarget += 1;
      seatOf(s, d.seat_id).callId = d.call_id;
      break;
    }
    case 'call.abandoned.v1': {
      const c = callOf(s, d.call_id);
      queueOf(s, d.queue_id ?? c.queueId).abandoned += 1;
      endCall(s, c);
      break;
    }
    case 'call.ended.v1':
    case 'call.failed_open.v1': {
      if (d.call_id) endCall(s, callOf(s, d.call_id));
      break;
    }
    case 'seat.state_changed.v1': {
      const seat = seatOf(s, d.seat_id);
      const sinceMs = Date.parse(d.since) || atMs;
      if (sinceMs >= seat.sinceMs) Object.assign(seat, { state: d.to, reason: d.reason ?? null, sinceMs });
      if (d.to === 'ready' || d.to === 'logged_out' || d.to === 'not_ready') seat.callId = null;
      break;
    }
    case 'seat.registration_changed.v1':
      seatOf(s, d.seat_id).registered = d.registered;
      break;
    default:
      break;
  }
}

/** Per queue: waiting now, longest wait, today's offered / answered / answered within 10 s / abandoned. */
export function queueRows(s, nowMs) {
  const rows = new Map([...s.queues.values()].map((q) => [q.id, { ...q, waiting: 0, longestWaitMs: 0, serviceLevel: null }]));
  for (const c of s.calls.values()) {
    if (!c.waiting) continue;
    const key = c.queueId ?? UNKNOWN_QUEUE;
    if (!rows.has(key)) rows.set(key, { id: key, offered: 0, answered: 0, answeredInTarget: 0, abandoned: 0, waiting: 0, longestWaitMs: 0, serviceLevel: null });
    const r = rows.get(key);
    r.waiting += 1;
    r.longestWaitMs = Math.max(r.longestWaitMs, nowMs - (c.arrivedMs ?? nowMs));
  }
  for (const r of rows.values()) {
    const done = r.answered + r.abandoned;
    r.serviceLevel = done > 0 ? r.answeredInTarget / done : null;
  }
  return [...rows.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Per seat: state, reason, time in state, the current call (caller, talk time). */
export function seatRows(s, nowMs) {
  return [...s.seats.values()].sort((a, b) => a.id.localeCompare(b.id)).map((seat) => {
    const c = seat.callId ? s.calls.get(seat.callId) : undefined;
    return {
      id: seat.id, state: seat.state, reason: seat.reason, registered: seat.registered,
      inStateMs: seat.sinceMs ? Math.max(0, nowMs - seat.sinceMs) : null,
      callId: seat.callId, callerNumber: c?.callerNumber ?? null,
      talkMs: c?.answeredMs ? Math.max(0, nowMs - c.answeredMs) : null,
    };
  });
}

/** The call a SIP INVITE belongs to (Kamailio proxies the caller's Call-ID to the seat unchanged). */
export function callBySipCallId(s, sipCallId) {
  for (const c of s.calls.values()) if (c.sipCallId === sipCallId) return c;
  return undefined;
}
