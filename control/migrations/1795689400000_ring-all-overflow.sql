-- Up Migration
-- ring_all: one offer (attempt) rings several seats at once, one call_offers row per seat.
ALTER TABLE call_offers DROP CONSTRAINT IF EXISTS call_offers_call_id_attempt_key;
ALTER TABLE call_offers ADD CONSTRAINT call_offers_call_attempt_seat UNIQUE (call_id, attempt, seat_id);

-- Overflow: a waiting call moved to another queue, or relayed to another centre's SIP address.
-- seq numbers a call's overflows (1, 2, ...); a SIP overflow that failed is followed by the call's return.
CREATE TABLE call_overflows (
  id             bigserial PRIMARY KEY,
  call_id        uuid NOT NULL REFERENCES calls(id),
  seq            integer NOT NULL,
  from_queue_id  text NOT NULL REFERENCES queues(id),
  to_queue_id    text REFERENCES queues(id),
  to_sip_uri     text,
  reason         text NOT NULL CHECK (reason IN ('wait', 'no_seat')),
  started_at     timestamptz NOT NULL,
  ringing_at     timestamptz,
  answered_at    timestamptz,
  ended_at       timestamptz,
  outcome        text CHECK (outcome IN ('moved', 'answered', 'failed', 'cancelled')),
  sip_status     integer,
  waited_ms      integer NOT NULL,
  CHECK ((to_queue_id IS NULL) <> (to_sip_uri IS NULL)),
  UNIQUE (call_id, seq)
);
CREATE INDEX call_overflows_started ON call_overflows (started_at);

-- Down Migration
DROP TABLE IF EXISTS call_overflows;
ALTER TABLE call_offers DROP CONSTRAINT IF EXISTS call_offers_call_attempt_seat;
ALTER TABLE call_offers ADD CONSTRAINT call_offers_call_id_attempt_key UNIQUE (call_id, attempt);
