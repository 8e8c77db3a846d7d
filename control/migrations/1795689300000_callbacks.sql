-- Up Migration
-- Callbacks of abandoned calls (issue 3): the work list's claim/close facts, outbound calls in `calls`,
-- the trunk gateway that takes outbound calls and the number the centre presents (docs/callbacks.md).
-- Item states keep the foundation's names: open -> claimed -> done ("closed"); see callbacks/machine.ts.

ALTER TABLE abandoned_calls
  ADD COLUMN claimed_at         timestamptz,
  ADD COLUMN claimed_seat_id    text REFERENCES seats(id),
  ADD COLUMN closed_by          uuid REFERENCES users(id),
  ADD COLUMN note               text CHECK (char_length(note) <= 500),
  ADD COLUMN called_again_call_id uuid REFERENCES calls(id),
  ADD COLUMN callback_call_id   uuid REFERENCES calls(id),
  ADD COLUMN callback_attempts  integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT abandoned_calls_outcome_known
    CHECK (outcome IS NULL OR outcome IN ('reached','no_answer','busy','wrong_number','duplicate','not_needed','called_again'));
CREATE INDEX abandoned_calls_number_open ON abandoned_calls (caller_number) WHERE status <> 'done';

-- Outbound calls (callbacks) are calls too: the recording pipeline maps rtpengine's recording to them by Call-ID.
ALTER TABLE calls
  ADD COLUMN direction    text NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound','outbound')),
  ADD COLUMN callback_of  uuid REFERENCES calls(id),
  ADD COLUMN seat_id      text REFERENCES seats(id);
CREATE INDEX calls_callback_of ON calls (callback_of) WHERE callback_of IS NOT NULL;

-- Where outbound calls go: the gateway's SIP address (sip:host[:port]); the centre's presented number.
ALTER TABLE trunks ADD COLUMN gateway_uri text CHECK (gateway_uri ~ '^sip:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$');
ALTER TABLE centres ADD COLUMN callback_number text CHECK (callback_number ~ '^\+?[0-9]{3,20}$');

-- Down Migration
ALTER TABLE centres DROP COLUMN IF EXISTS callback_number;
ALTER TABLE trunks DROP COLUMN IF EXISTS gateway_uri;
DROP INDEX IF EXISTS calls_callback_of;
ALTER TABLE calls DROP COLUMN IF EXISTS seat_id, DROP COLUMN IF EXISTS callback_of, DROP COLUMN IF EXISTS direction;
DROP INDEX IF EXISTS abandoned_calls_number_open;
ALTER TABLE abandoned_calls DROP CONSTRAINT IF EXISTS abandoned_calls_outcome_known,
  DROP COLUMN IF EXISTS callback_attempts, DROP COLUMN IF EXISTS callback_call_id, DROP COLUMN IF EXISTS called_again_call_id,
  DROP COLUMN IF EXISTS note, DROP COLUMN IF EXISTS closed_by, DROP COLUMN IF EXISTS claimed_seat_id, DROP COLUMN IF EXISTS claimed_at;
