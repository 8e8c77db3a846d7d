-- Up Migration
-- The foundation data model. Every seat, queue, route, trunk, call and recording belongs to a centre.
-- A call has legs and offers (never "exactly caller + seat"); an incident id can be attached by dispatch (CAD).

CREATE TABLE centres (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  sip_domain  text,
  backup_uri  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO centres (id, name) VALUES ('city', '市120急救指挥中心');

-- People who log in to the consoles and the API.
CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  roles         text[] NOT NULL CHECK (roles <@ ARRAY['dispatcher','supervisor','qa','admin']::text[] AND cardinality(roles) > 0),
  centre_id     text NOT NULL REFERENCES centres(id),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE queues (
  id               text PRIMARY KEY,
  centre_id        text NOT NULL REFERENCES centres(id),
  name             text NOT NULL,
  strategy         text NOT NULL DEFAULT 'longest_idle',
  ring_timeout_s   integer NOT NULL DEFAULT 10 CHECK (ring_timeout_s BETWEEN 3 AND 120),
  wrapup_s         integer NOT NULL DEFAULT 5 CHECK (wrapup_s BETWEEN 0 AND 600),
  base_priority    integer NOT NULL DEFAULT 5 CHECK (base_priority BETWEEN 0 AND 9),
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO queues (id, centre_id, name) VALUES ('city-main', 'city', '120主线');

-- Inbound routes: a called number (optionally per trunk) goes to a queue.
CREATE TABLE inbound_routes (
  id             serial PRIMARY KEY,
  centre_id      text NOT NULL REFERENCES centres(id),
  called_number  text NOT NULL,
  trunk_id       text,
  queue_id       text NOT NULL REFERENCES queues(id),
  priority       integer,
  UNIQUE (called_number, trunk_id)
);
INSERT INTO inbound_routes (centre_id, called_number, queue_id) VALUES ('city', '120', 'city-main');

-- Dispatcher positions. A seat has SIP credentials (digest HA1 only, never the password) and a live state.
CREATE TABLE seats (
  id             text PRIMARY KEY,
  centre_id      text NOT NULL REFERENCES centres(id),
  display_name   text NOT NULL,
  sip_username   text NOT NULL UNIQUE,
  sip_domain     text NOT NULL,
  ha1            text NOT NULL,
  ha1b           text NOT NULL,
  kind           text NOT NULL DEFAULT 'permanent' CHECK (kind IN ('permanent','surge')),
  queues         text[] NOT NULL DEFAULT ARRAY['city-main'],
  enabled        boolean NOT NULL DEFAULT true,
  expires_at     timestamptz,
  state          text NOT NULL DEFAULT 'logged_out',
  state_reason   text,
  state_since    timestamptz NOT NULL DEFAULT now(),
  user_id        uuid REFERENCES users(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seat_state_log (
  id         bigserial PRIMARY KEY,
  seat_id    text NOT NULL REFERENCES seats(id),
  from_state text NOT NULL,
  to_state   text NOT NULL,
  reason     text,
  user_id    uuid,
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX seat_state_log_seat_at ON seat_state_log (seat_id, at);

-- Trunk gateways (E1-to-SIP gateways, carriers' SIP trunks), recognised by source address.
CREATE TABLE trunks (
  id          text PRIMARY KEY,
  centre_id   text NOT NULL REFERENCES centres(id),
  name        text NOT NULL,
  ip_addr     inet NOT NULL,
  mask        integer NOT NULL DEFAULT 32 CHECK (mask BETWEEN 0 AND 32),
  port        integer NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Kamailio's tables, as views over ours: one source of truth, a disabled seat or trunk disappears at once.
CREATE TABLE version (table_name varchar(32) NOT NULL PRIMARY KEY, table_version integer NOT NULL DEFAULT 0);
INSERT INTO version VALUES ('subscriber', 7), ('address', 6);

CREATE VIEW subscriber AS
  SELECT row_number() OVER (ORDER BY s.id)::integer AS id, s.sip_username::varchar(64) AS username,
         s.sip_domain::varchar(64) AS domain, ''::varchar(64) AS password, s.ha1::varchar(128) AS ha1,
         s.ha1b::varchar(128) AS ha1b
    FROM seats s
   WHERE s.enabled AND (s.expires_at IS NULL OR s.expires_at > now());

CREATE VIEW address AS
  SELECT row_number() OVER (ORDER BY t.id)::integer AS id, 1 AS grp, host(t.ip_addr)::varchar(50) AS ip_addr,
         t.mask, t.port AS port, t.id::varchar(64) AS tag
    FROM trunks t
   WHERE t.enabled;

-- Calls. States: offered, screened, queued, offering, talking, ended, abandoned, overflowed, blocked.
CREATE TABLE calls (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id         text NOT NULL REFERENCES centres(id),
  sip_call_id       text NOT NULL UNIQUE,
  caller_number     text,
  caller_name       text,
  caller_uri        text,
  called_number     text,
  trunk_id          text,
  source            text,
  queue_id          text REFERENCES queues(id),
  priority          integer NOT NULL DEFAULT 5,
  state             text NOT NULL,
  arrived_at        timestamptz NOT NULL,
  queued_at         timestamptz,
  first_offered_at  timestamptz,
  answered_at       timestamptz,
  ended_at          timestamptz,
  answered_seat_id  text REFERENCES seats(id),
  ended_by          text CHECK (ended_by IN ('caller','seat','system')),
  end_reason        text,
  failed_open       boolean NOT NULL DEFAULT false,
  queue_ms          integer GENERATED ALWAYS AS ((extract(epoch FROM (coalesce(answered_at, ended_at) - queued_at)) * 1000)::integer) STORED,
  answer_ms         integer GENERATED ALWAYS AS ((extract(epoch FROM (answered_at - arrived_at)) * 1000)::integer) STORED,
  talk_ms           integer GENERATED ALWAYS AS ((extract(epoch FROM (ended_at - answered_at)) * 1000)::integer) STORED,
  incident_id       text,
  sip_headers       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_arrived_at ON calls (arrived_at);
CREATE INDEX calls_caller_number ON calls (caller_number, arrived_at);
CREATE INDEX calls_state ON calls (state) WHERE state NOT IN ('ended','abandoned');

-- One row per offer of a call to a seat (ring attempts).
CREATE TABLE call_offers (
  id           bigserial PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls(id),
  attempt      integer NOT NULL,
  seat_id      text NOT NULL REFERENCES seats(id),
  offered_at   timestamptz NOT NULL,
  ringing_at   timestamptz,
  answered_at  timestamptz,
  ended_at     timestamptz,
  outcome      text CHECK (outcome IN ('answered','no_answer','rejected','unreachable','cancelled','failed')),
  sip_status   integer,
  ring_ms      integer GENERATED ALWAYS AS ((extract(epoch FROM (coalesce(answered_at, ended_at) - offered_at)) * 1000)::integer) STORED,
  UNIQUE (call_id, attempt)
);
CREATE INDEX call_offers_seat ON call_offers (seat_id, offered_at);

-- Legs of a call: caller, seats, external parties (three-way, transfer, listen-in).
CREATE TABLE call_legs (
  id           bigserial PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls(id),
  kind         text NOT NULL CHECK (kind IN ('caller','seat','external','monitor')),
  party        text,
  from_tag     text,
  to_tag       text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz
);
CREATE INDEX call_legs_call ON call_legs (call_id);

-- The call's own event log (the same typed events that go to the stream).
CREATE TABLE call_events (
  id        bigserial PRIMARY KEY,
  call_id   uuid NOT NULL REFERENCES calls(id),
  type      text NOT NULL,
  at        timestamptz NOT NULL,
  data      jsonb NOT NULL
);
CREATE INDEX call_events_call ON call_events (call_id, id);

-- Abandoned-call work list (for callback).
CREATE TABLE abandoned_calls (
  id             bigserial PRIMARY KEY,
  call_id        uuid NOT NULL UNIQUE REFERENCES calls(id),
  centre_id      text NOT NULL REFERENCES centres(id),
  queue_id       text REFERENCES queues(id),
  caller_number  text,
  wait_ms        integer NOT NULL,
  abandoned_at   timestamptz NOT NULL,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open','claimed','done')),
  claimed_by     uuid REFERENCES users(id),
  outcome        text,
  closed_at      timestamptz
);
CREATE INDEX abandoned_calls_open ON abandoned_calls (centre_id, abandoned_at) WHERE status <> 'done';

CREATE TABLE recordings (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  call_id       uuid REFERENCES calls(id),
  sip_call_id   text NOT NULL,
  centre_id     text NOT NULL REFERENCES centres(id),
  status        text NOT NULL CHECK (status IN ('ready','missing','failed')),
  path          text,
  started_at    timestamptz,
  duration_ms   integer,
  size_bytes    bigint,
  sm3           text,
  channels      jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX recordings_sip_call_id ON recordings (sip_call_id);
CREATE INDEX recordings_call ON recordings (call_id);

CREATE TABLE alarms (
  id          bigserial PRIMARY KEY,
  type        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('info','warning','critical')),
  subject     text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  raised_at   timestamptz NOT NULL DEFAULT now(),
  cleared_at  timestamptz
);
CREATE INDEX alarms_open ON alarms (raised_at) WHERE cleared_at IS NULL;

-- Every change made by a person.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_id     uuid,
  actor_name   text NOT NULL,
  actor_ip     text,
  action       text NOT NULL,
  target_type  text NOT NULL,
  target_id    text,
  before       jsonb,
  after        jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, at);

-- Down Migration
DROP TABLE audit_log, alarms, recordings, abandoned_calls, call_events, call_legs, call_offers, calls CASCADE;
DROP VIEW address, subscriber;
DROP TABLE version, trunks, seat_state_log, seats, inbound_routes, queues, users, centres CASCADE;
