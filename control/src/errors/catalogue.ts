/**
 * The one catalogue of coded errors (fastify's lib/errors.js is the model).
 * Each code maps once to an HTTP status and, where a SIP peer sees it, to a SIP status.
 * Messages tell the user what to do. Add codes here; never throw bare Errors across a module boundary.
 */
export interface ErrorSpec {
  readonly http: number;
  readonly sip?: number;
  readonly message: string;
}

export const ERRORS = {
  // request / validation
  CTI_BAD_REQUEST: { http: 400, message: 'The request is not valid; check the fields named in details.' },
  CTI_NOT_FOUND: { http: 404, message: 'No such resource; check the id.' },
  CTI_CONFLICT: { http: 409, message: 'The resource already exists or was changed meanwhile; reload and retry.' },
  CTI_PAYLOAD_TOO_LARGE: { http: 413, message: 'The request body is too large; send less data.' },
  CTI_UNSUPPORTED_MEDIA_TYPE: { http: 415, message: 'Send the body as JSON with "Content-Type: application/json".' },
  CTI_HEADERS_TOO_LARGE: { http: 431, message: 'The request headers are too large (over 16 KiB together); send fewer or shorter headers.' },
  CTI_URI_TOO_LONG: { http: 414, message: 'A path parameter of the URL is too long; check the id.' },
  CTI_REQUEST_TIMEOUT: { http: 408, message: 'The request was not received in time; send it again.' },
  // auth
  CTI_AUTH_REQUIRED: { http: 401, message: 'Log in first: send "Authorization: Bearer <token>".' },
  CTI_AUTH_INVALID: { http: 401, message: 'User name or password is wrong.' },
  CTI_TOKEN_EXPIRED: { http: 401, message: 'Your session has expired; log in again.' },
  CTI_FORBIDDEN: { http: 403, message: 'Your role does not allow this action.' },
  CTI_CENTRE_NOT_FOUND: { http: 404, message: 'No such centre; check the centre id (GET /v1/centres lists them).' },
  CTI_CENTRE_OUT_OF_SCOPE: { http: 403, message: 'That centre is not yours: county staff see only their own centre (the city centre\'s supervisors and QA see all).' },
  CTI_METRICS_DISABLED: { http: 404, message: 'Metrics are off on this control plane: set CTI_METRICS_TOKEN (at least 32 characters) and scrape with "Authorization: Bearer <token>".' },
  CTI_METRICS_TOKEN_INVALID: { http: 401, message: 'Scrape /metrics with "Authorization: Bearer <CTI_METRICS_TOKEN>".' },
  CTI_LOGIN_THROTTLED: { http: 429, message: 'Too many failed logins; wait a few minutes, then try again or ask an administrator.' },
  // people
  CTI_USER_NOT_FOUND: { http: 404, message: 'No such user; check the user id.' },
  CTI_LAST_ADMIN: { http: 409, message: 'This is the last enabled administrator; make another user admin first.' },
  // seats
  CTI_SEAT_NOT_FOUND: { http: 404, message: 'No such seat; check the seat id.' },
  CTI_SEAT_ILLEGAL_TRANSITION: { http: 409, message: 'The seat cannot change to that state from its current state.' },
  CTI_SEAT_NOT_REGISTERED: { http: 409, message: 'The seat phone is not registered; register the softphone or desk phone first.' },
  CTI_SEAT_NOT_READY: { http: 409, message: 'The seat is not ready.' },
  CTI_SEAT_BUSY: { http: 409, message: 'The seat is in a call; finish the call first.' },
  // calls
  CTI_CALL_NOT_FOUND: { http: 404, message: 'No such call; check the call id.' },
  CTI_CALL_ILLEGAL_TRANSITION: { http: 409, sip: 500, message: 'The call cannot change to that state from its current state.' },
  // callbacks of abandoned calls
  CTI_CALLBACK_NOT_FOUND: { http: 404, message: 'No such item on the abandoned-call work list; check the id (GET /v1/callbacks lists them).' },
  CTI_CALLBACK_ALREADY_CLAIMED: { http: 409, message: 'Another dispatcher has claimed this callback; pick another item, or ask a supervisor to reassign it.' },
  CTI_CALLBACK_NOT_CLAIMED: { http: 409, message: 'This callback is not claimed; claim it first.' },
  CTI_CALLBACK_NOT_YOURS: { http: 403, message: 'This callback is claimed by another dispatcher; only they or a supervisor may change it.' },
  CTI_CALLBACK_CLOSED: { http: 409, message: 'This callback is already closed; its outcome is in details.' },
  CTI_CALLBACK_NO_SEAT: { http: 409, message: 'You are not logged in at a seat; log in at your seat (or name one with seat_id) so its phone may dial the number.' },
  CTI_CALLBACK_ASSIGNEE_INVALID: { http: 400, message: 'A callback can only be given to an enabled dispatcher of the same centre; check the user id.' },
  CTI_CALLBACK_SETTINGS_INVALID: { http: 400, message: 'The callback settings are not valid (see details): the number is 3-20 digits, the gateway sip:host[:port] on a trunk of this centre.' },
  CTI_CALL_NOT_TALKING: { http: 409, message: 'The call is not connected to a seat (not talking); hold and listen-in work only on a connected call.' },
  CTI_CALL_MEDIA_NOT_FOUND: { http: 409, message: 'The media engine holds no session for this call (it ended, or its media is not anchored); the call is not changed.' },
  CTI_CALL_NOT_YOURS: { http: 403, message: 'Only the dispatcher at the seat that answered the call (or a supervisor) may do this.' },
  CTI_HOLD_AUDIO_MISSING: { http: 503, message: 'The hold audio file is missing or unreadable; the call continues without hold. Check CTI_HOLD_AUDIO (default media/hold/hold-zh.wav).' },
  CTI_LISTEN_NOT_FOUND: { http: 404, message: 'No such listen-in session on this call; start one with POST /v1/calls/{id}/listen.' },
  // supervisor's whisper and barge-in (calls/coach/, docs/mixer.md "Whisper and barge-in")
  CTI_COACH_NOT_FOUND: { http: 404, message: 'No such whisper or barge-in session on this call; start one with POST /v1/calls/{id}/coach.' },
  CTI_CALL_ALREADY_COACHED: { http: 409, message: 'A supervisor is already whispering to or barged into this call; end that session first.' },
  CTI_COACH_ILLEGAL_TRANSITION: { http: 409, message: 'The whisper/barge-in session cannot change to that mode from its current state.' },
  CTI_COACH_SEAT_NO_ANSWER: { http: 504, message: 'The dispatcher\'s console did not take the supervisor\'s audio (page closed, or a desk phone seat); the call goes on unchanged and listen-in still works.' },
  // trunks
  CTI_TRUNK_NOT_FOUND: { http: 404, message: 'No such trunk; check the trunk id.' },
  CTI_TRUNK_GROUP_NOT_FOUND: { http: 404, message: 'No such trunk group; check the group id.' },
  CTI_TRUNK_GROUP_MEMBERS_INVALID: { http: 409, message: 'These trunks cannot be the group\'s members (see details): each must exist, belong to the group\'s centre and not be in another group.' },
  CTI_LINKAGE_DESTINATION_NOT_FOUND: { http: 404, message: 'No such destination in this centre\'s linkage directory; check the id.' },
  CTI_LINKAGE_DESTINATION_INVALID: { http: 400, message: 'The linkage destination is not valid (see details): each kind has its own target (seat_id, queue_id, sip_uri, or number/pattern with exactly one of trunk_group_id or trunk_id), of this centre.' },
  CTI_LINKAGE_FORBIDDEN: { http: 403, message: 'This destination or number may not be dialled from your role: only the linkage directory\'s entries (and the number patterns it allows your role) can be dialled; ask an administrator to add it.' },
  // blind transfers (calls/transfer/, docs/transfers.md)
  CTI_TRANSFER_IN_PROGRESS: { http: 409, message: 'A transfer of this call is already in progress; wait for its outcome (shown on the page) before transferring again.' },
  CTI_TRANSFER_NOT_FOUND: { http: 404, message: 'No such transfer of this call; check the transfer id.' },
  CTI_TRANSFER_ILLEGAL_TRANSITION: { http: 409, message: 'The transfer cannot change to that state from its current state.' },
  CTI_TRANSFER_NO_WAY_OUT: { http: 409, message: 'The destination\'s trunk or trunk group has no gateway to go out on (disabled or without members); ask an administrator to fix its linkage directory entry, or choose another destination.' },
  CTI_TRANSFER_TARGET_IS_CALLER_SEAT: { http: 409, message: 'The call is already at that seat; choose another destination.' },
  // queues and service level
  CTI_QUEUE_NOT_FOUND: { http: 404, message: 'No such queue; check the queue id (GET /v1/queues lists them).' },
  CTI_QUEUE_SETTINGS_INVALID: { http: 400, message: 'The queue alarm thresholds are not consistent (see details): a warning must come before its critical level.' },
  CTI_QUEUE_OVERFLOW_INVALID: { http: 400, message: 'The queue overflow settings are not valid (see details): give after_s and/or when_no_seat, and a target with exactly one of queue_id (another existing queue) or sip_uri (sip:user@host[:port]).' },
  CTI_INBOUND_ROUTE_NOT_FOUND: { http: 404, message: 'No such inbound route; check the route id (GET /v1/inbound-routes lists them).' },
  CTI_STATS_PERIOD_INVALID: { http: 400, message: 'The period is not valid (see details): "from" must be before "to" and span at most 366 days.' },
  // recordings
  CTI_RECORDING_NOT_FOUND: { http: 404, message: 'No recording for that call (yet); it appears a few seconds after the call ends.' },
  CTI_RANGE_NOT_SATISFIABLE: { http: 416, message: 'The requested byte range is outside the recording.' },
  CTI_RECORDING_MALFORMED: { http: 500, message: 'A recording spool file (pcap or metadata) is damaged and could not be converted; it is kept in the spool\'s failed/ folder for inspection.' },
  CTI_RECORDING_UNAVAILABLE: { http: 404, message: 'This call has no playable recording (its status is in details: missing or failed); an alarm was raised, see GET /v1/alarms.' },
  CTI_RECORDING_FILE_MISSING: { http: 500, message: 'The recording is indexed but its WAV file is not on the recordings disk; check the disk or restore the file from backup.' },
  CTI_RECORDING_NO_MEDIA: { http: 500, message: 'The call\'s recording holds no G.711 audio; check that rtpengine anchored the media and that the codec is PCMA or PCMU.' },
  // recording integrity and storage
  CTI_RECORDING_NOT_CHAINED: { http: 409, message: 'The recording has no integrity chain yet; it is made within a minute of indexing, try again shortly.' },
  CTI_MANIFEST_NOT_FOUND: { http: 404, message: 'No signed manifest for that centre and day yet; manifests are signed after the day ends (Asia/Shanghai).' },
  CTI_SIGNING_KEY_UNAVAILABLE: { http: 500, message: 'The SM2 manifest signing key is missing or not an SM2 key; run `tsx scripts/recordings/keygen.ts` (openssl genpkey -algorithm SM2).' },
  CTI_ENCRYPTION_KEY_INVALID: { http: 500, message: 'Recording encryption needs CTI_RECORDING_SM4_KEY as 32 hex digits (a 128-bit SM4 key), the same key that encrypted the file.' },
  CTI_LISTENING_COPY_FAILED: { http: 500, message: 'ffmpeg could not make the compressed listening copy; the WAV master is intact, see details and check that ffmpeg is installed.' },
  CTI_LISTENING_COPY_UNAVAILABLE: { http: 404, message: 'This recording has no listening copy (yet, or it was purged); play the WAV instead.' },
  // QA
  CTI_QA_FORM_NOT_FOUND: { http: 404, message: 'No such scoring form; check the form id.' },
  CTI_QA_FORM_INVALID: { http: 400, message: 'The scoring form is not consistent (see details): item keys unique, weights positive, min below max, grade thresholds excellent >= good >= fair.' },
  CTI_QA_FORM_IN_USE: { http: 409, message: 'Reviews already use this form, so its items cannot change; deactivate it and create a new form.' },
  CTI_QA_FORM_INACTIVE: { http: 409, message: 'The scoring form is deactivated; choose an active form.' },
  CTI_QA_REVIEW_NOT_FOUND: { http: 404, message: 'No such review; check the review id.' },
  CTI_QA_REVIEW_FINAL: { http: 409, message: 'The review is final and cannot be changed; an administrator may reopen it.' },
  CTI_QA_ANSWER_INVALID: { http: 400, message: 'A score is missing, unknown or outside its item\'s scale (see details); objective items are filled automatically.' },
  CTI_QA_CALL_NOT_SCORABLE: { http: 409, message: 'Only an answered call can be scored (it needs a seat and its timings).' },
  CTI_QA_NOT_YOURS: { http: 403, message: 'Dispatchers may read and comment only on their own reviews.' },
  // screening
  CTI_SCREENING_ENTRY_NOT_FOUND: { http: 404, message: 'No such screening list entry; check the entry id.' },
  CTI_SCREENING_NUMBER_INVALID: { http: 400, message: 'The number is not usable for screening: give digits (a whole number, or a prefix with match "prefix"), optionally with +86.' },
  CTI_SCREENING_POLICY_INVALID: { http: 400, message: 'The always-allow list can only have the policy "none" or "mark".' },
  CTI_SCREENING_PROPOSAL_NOT_FOUND: { http: 404, message: 'No such screening proposal; check the proposal id.' },
  CTI_SCREENING_PROPOSAL_CLOSED: { http: 409, message: 'The proposal was already approved or rejected; reload the list of pending proposals.' },
  CTI_SCREENING_CALLER_UNKNOWN: { http: 409, message: 'The call has no caller number (anonymous or withheld), so the number cannot be marked.' },
  // alarms
  CTI_ALARM_INVALID: { http: 500, message: 'An alarm was raised with invalid fields (type, level, subject or details); report the details to the engineers.' },
  // engine
  CTI_ENGINE_UNAVAILABLE: { http: 503, sip: 503, message: 'The telephony engine is not reachable; operations continue in fail-open mode.' },
  // conferences and the mixer (calls/conference/, engine/janus/; docs/mixer.md)
  CTI_MIXER_UNAVAILABLE: { http: 503, sip: 503, message: 'The conference mixer (Janus) is not reachable; the two-party call continues, try the conference again shortly (an alarm was raised).' },
  CTI_CONFERENCE_NOT_FOUND: { http: 404, sip: 404, message: 'No such conference room (it ended, or the id is wrong); create a new one.' },
  CTI_CONFERENCE_ILLEGAL_TRANSITION: { http: 409, sip: 409, message: 'The conference room or participant cannot do that in its current state (details name it); reload and retry.' },
  CTI_CALL_IN_THREE_WAY: { http: 409, message: 'The call is in a three-way call (docs/mixer.md); drop the other party or end the three-way first.' },
  CTI_CONFERENCE_TARGET_UNSUPPORTED: { http: 501, message: 'A three-way call dials an outside number or another centre of the linkage directory (110, 119, 122, a hospital); a seat or a queue is not dialled into a room yet.' },
  CTI_CONFERENCE_CALLER_ALONE: { http: 409, message: 'The caller would be left alone in the room: leave only once another party (110, the doctor, the centre) has joined, or drop that party and talk on.' },
  CTI_CONFERENCE_CALLER_NOT_DROPPABLE: { http: 409, message: 'The caller cannot be dropped from their own call; end the call instead, or leave the room yourself.' },
  CTI_CONSULT_NOT_FOUND: { http: 404, message: 'The call has no consultation (none was started, or it ended long ago); start one with POST /v1/calls/{id}/consultations.' },
  CTI_PAGE_LOST_ILLEGAL_TRANSITION: { http: 409, message: 'The lost-page watch of the call cannot change to that state (details: from, to, allowed); it has already ended.' },
  CTI_CONFIG_INVALID: { http: 500, message: 'A setting of the control plane is not valid (details name it and what it takes); correct the environment and restart.' },
  CTI_CONSULT_ILLEGAL_TRANSITION: { http: 409, message: 'The consultation cannot do that in its current phase (details: from, action, allowed_from); reload the call and retry.' },
  CTI_CONFERENCE_INVITATION_INVALID: { http: 403, sip: 403, message: 'The conference address carries no valid one-time token; ask the dispatcher for a new invitation.' },
  CTI_ENGINE_PROTOCOL: { http: 502, message: 'The telephony engine sent something we could not parse; see the log.' },
  CTI_RTPENGINE_ERROR: { http: 502, message: 'rtpengine refused the request; see details.' },
  CTI_KAMAILIO_RPC_ERROR: { http: 502, message: 'Kamailio refused the RPC; see details.' },
  // primary/backup pair (docs/ha.md)
  CTI_HA_NOT_A_PAIR: { http: 409, message: 'This control plane is not a node of a primary/backup pair; there is nothing to switch over to.' },
  CTI_HA_NOT_LEADER: { http: 409, message: 'This node does not lead; ask the leading node (details.leader) to switch over.' },
  CTI_HA_NO_STANDBY: { http: 409, message: 'The other node is not ready to take the lead (details.peer: not reporting, or not standby); bring it back first (docs/ha.md "Rejoining").' },
  CTI_HA_SWITCHOVER_RUNNING: { http: 409, message: 'A switchover is already under way; wait for it to finish.' },
  CTI_HA_SWITCHOVER_BUSY: { http: 409, message: 'Callers were still waiting on this node when the drain time ran out (details.waiting), so nothing was switched; retry at a quieter moment or with a longer drain_timeout_s.' },
  CTI_HA_ILLEGAL_LEAD_TRANSITION: { http: 500, message: 'The control plane\'s lead cannot change that way (details.from, details.event); a bug in the lead\'s state machine (control/src/ha/lease/machine.ts).' },
  // the call path's PostgreSQL outbox (control/src/ha/outbox, docs/ha.md "PostgreSQL away")
  CTI_FACT_ARGUMENT_UNSUPPORTED: { http: 500, message: 'A call-path write was given a value the outbox cannot keep (details.where, details.type); pass a plain value, a Date, or fact.json/set/rows.' },
  CTI_FACT_WRITE_TIMEOUT: { http: 503, message: 'PostgreSQL did not answer a call-path write in time; the fact is kept in the outbox and written when PostgreSQL takes writes again.' },
  CTI_FACT_OUTBOX_ENTRY_INVALID: { http: 500, message: 'An outbox entry in Redis could not be read (details.id); it was moved to the dead-letter stream for an operator.' },
  // takeover of a dead node's queued callers (ha/takeover, docs/ha.md)
  CTI_TAKEOVER_INVITE_TOO_LARGE: { http: 413, message: 'The caller\'s INVITE is too large to keep for a takeover; the call is queued as usual, but if this node dies the caller is listed for a callback instead of being taken over.' },
  CTI_TAKEOVER_INVITE_MALFORMED: { http: 400, message: 'The stored INVITE of a queued call is not a SIP INVITE request; the caller is listed for a callback instead of being taken over.' },
  // generic
  CTI_INTERNAL: { http: 500, message: 'Internal error; the call path fails open. Report the error id to the engineers.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class CtiError extends Error {
  readonly code: ErrorCode;
  readonly http: number;
  readonly sip: number | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, details?: unknown, message?: string) {
    const spec: ErrorSpec = ERRORS[code];
    super(message ?? spec.message);
    this.name = 'CtiError';
    this.code = code;
    this.http = spec.http;
    this.sip = spec.sip;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isCtiError(e: unknown, code?: ErrorCode): e is CtiError {
  return e instanceof CtiError && (code === undefined || e.code === code);
}
