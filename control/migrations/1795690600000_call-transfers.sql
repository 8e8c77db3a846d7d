-- Up Migration
-- Blind transfers (issue 14, item 2; docs/transfers.md): one row per transfer of a call, with its target (resolved
-- through the linkage directory), who asked, its state and outcome. A transferred call stays ONE call record: the
-- gateway's new INVITE is a new leg of it (call_legs.sip_call_id, .transfer_id).
CREATE TABLE call_transfers (
  id               uuid PRIMARY KEY,
  call_id          uuid NOT NULL REFERENCES calls(id),
  mode             text NOT NULL CHECK (mode IN ('blind')),
  state            text NOT NULL CHECK (state IN ('requested', 'referred', 'ringing', 'succeeded', 'failed')),
  destination_id   text,
  target_kind      text NOT NULL CHECK (target_kind IN ('seat', 'queue', 'centre', 'number')),
  target           jsonb NOT NULL,
  from_seat_id     text,
  requested_by     text NOT NULL,
  new_sip_call_id  text,
  refer_status     integer,
  final_status     integer,
  fail_reason      text,
  requested_at     timestamptz NOT NULL DEFAULT now(),
  referred_at      timestamptz,
  ringing_at       timestamptz,
  ended_at         timestamptz
);
CREATE INDEX call_transfers_call ON call_transfers (call_id);
-- at most one transfer in flight per call
CREATE UNIQUE INDEX call_transfers_live ON call_transfers (call_id) WHERE state IN ('requested', 'referred', 'ringing');

ALTER TABLE call_legs ADD COLUMN sip_call_id text;
ALTER TABLE call_legs ADD COLUMN transfer_id uuid REFERENCES call_transfers(id);

-- Down Migration
ALTER TABLE call_legs DROP COLUMN transfer_id;
ALTER TABLE call_legs DROP COLUMN sip_call_id;
DROP TABLE call_transfers;
