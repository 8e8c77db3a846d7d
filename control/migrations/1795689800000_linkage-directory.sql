-- Up Migration
-- The linkage directory (issue 14): where a dispatcher may send or bring in a call. Each entry is one destination
-- of a centre: a seat, a queue, another centre (a SIP address), an outside number (110, 119, 122, a hospital, a
-- doctor) with the trunk group or trunk it leaves on and the number presented, or a number pattern that roles may
-- dial freely (e.g. mobile numbers for a supervisor). Dispatchers dial only what is here (control/src/linkage/).
CREATE TABLE linkage_destinations (
  id               text PRIMARY KEY,
  centre_id        text NOT NULL REFERENCES centres(id),
  name             text NOT NULL,
  category         text NOT NULL CHECK (category IN ('police', 'fire', 'traffic_police', 'county_centre', 'centre', 'hospital', 'doctor', 'seat', 'queue', 'other')),
  kind             text NOT NULL CHECK (kind IN ('seat', 'queue', 'centre', 'number', 'pattern')),
  seat_id          text REFERENCES seats(id) ON DELETE CASCADE,
  queue_id         text REFERENCES queues(id) ON DELETE CASCADE,
  sip_uri          text,
  number           text CHECK (number ~ '^[0-9]{3,20}$'),
  -- an anchored regular expression over digits, checked by the control plane before it is stored
  pattern          text,
  trunk_group_id   text REFERENCES trunk_groups(id) ON DELETE RESTRICT,
  trunk_id         text REFERENCES trunks(id) ON DELETE RESTRICT,
  presented_number text CHECK (presented_number ~ '^[0-9]{3,20}$'),
  -- the one-key label on the dispatcher's page ('110', '119', '122'), unique per centre
  speed_key        text CHECK (speed_key ~ '^[0-9A-Za-z]{1,8}$'),
  roles            text[] NOT NULL DEFAULT ARRAY['dispatcher', 'supervisor']::text[]
                   CHECK (roles <@ ARRAY['dispatcher', 'supervisor', 'admin']::text[] AND cardinality(roles) > 0),
  enabled          boolean NOT NULL DEFAULT true,
  sort_order       integer NOT NULL DEFAULT 0 CHECK (sort_order BETWEEN 0 AND 9999),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (centre_id, speed_key),
  -- each kind has exactly its own target columns
  CHECK (CASE kind
    WHEN 'seat'    THEN seat_id IS NOT NULL AND queue_id IS NULL AND sip_uri IS NULL AND number IS NULL AND pattern IS NULL AND trunk_group_id IS NULL AND trunk_id IS NULL
    WHEN 'queue'   THEN queue_id IS NOT NULL AND seat_id IS NULL AND sip_uri IS NULL AND number IS NULL AND pattern IS NULL AND trunk_group_id IS NULL AND trunk_id IS NULL
    WHEN 'centre'  THEN sip_uri IS NOT NULL AND seat_id IS NULL AND queue_id IS NULL AND number IS NULL AND pattern IS NULL
    WHEN 'number'  THEN number IS NOT NULL AND (trunk_group_id IS NULL) <> (trunk_id IS NULL) AND seat_id IS NULL AND queue_id IS NULL AND sip_uri IS NULL AND pattern IS NULL
    WHEN 'pattern' THEN pattern IS NOT NULL AND (trunk_group_id IS NULL) <> (trunk_id IS NULL) AND seat_id IS NULL AND queue_id IS NULL AND sip_uri IS NULL AND number IS NULL
  END)
);
CREATE INDEX linkage_destinations_centre ON linkage_destinations (centre_id, sort_order, id);

-- Down Migration
DROP TABLE IF EXISTS linkage_destinations;
