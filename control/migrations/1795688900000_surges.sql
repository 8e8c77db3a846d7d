-- Up Migration
-- Surges: a supervisor creates N temporary seats from a seat template in one action (重大事件, mass casualty).
-- The seats themselves are ordinary rows of `seats` (kind 'surge'), so their calls, recordings and audit rows
-- keep pointing at them after the surge ends; ending only disables them (the subscriber view drops them at once).

CREATE TABLE seat_templates (
  id               text PRIMARY KEY,
  centre_id        text NOT NULL REFERENCES centres(id),
  name             text NOT NULL,
  queues           text[] NOT NULL CHECK (cardinality(queues) > 0),
  tier             integer NOT NULL DEFAULT 1 CHECK (tier BETWEEN 1 AND 9),
  skills           text[] NOT NULL DEFAULT ARRAY[]::text[],
  wrapup_s         integer CHECK (wrapup_s BETWEEN 0 AND 600),
  role             text NOT NULL DEFAULT 'dispatcher' CHECK (role IN ('dispatcher','supervisor')),
  created_by       uuid REFERENCES users(id),
  created_by_name  text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE surges (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id        text NOT NULL REFERENCES centres(id),
  template_id      text NOT NULL REFERENCES seat_templates(id),
  template         jsonb NOT NULL,
  prefix           text NOT NULL,
  seat_count       integer NOT NULL CHECK (seat_count BETWEEN 1 AND 200),
  reason           text NOT NULL,
  created_by       uuid REFERENCES users(id),
  created_by_name  text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  ended_at         timestamptz,
  ended_by         uuid REFERENCES users(id),
  ended_by_name    text,
  end_reason       text CHECK (end_reason IN ('ended','expired')),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX surges_open ON surges (expires_at) WHERE ended_at IS NULL;

-- The seats of a surge. status: active -> ending (in a call when the surge ended) -> ended (disabled).
CREATE TABLE surge_seats (
  seat_id     text PRIMARY KEY REFERENCES seats(id),
  surge_id    uuid NOT NULL REFERENCES surges(id),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','ending','ended')),
  queues      text[] NOT NULL,
  ended_at    timestamptz
);
CREATE INDEX surge_seats_surge ON surge_seats (surge_id);
CREATE INDEX surge_seats_ending ON surge_seats (status) WHERE status = 'ending';

-- Down Migration
DROP TABLE surge_seats, surges, seat_templates;
