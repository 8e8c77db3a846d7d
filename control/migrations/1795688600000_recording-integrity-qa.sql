-- Up Migration
-- Recordings you can trust (SM3 hash chains, SM2-signed daily manifests, listening copies, retention)
-- and QA review and scoring of dispatchers. docs/recordings.md explains the scheme.

-- Retention deletes the audio but keeps the index row, marked purged.
ALTER TABLE recordings DROP CONSTRAINT recordings_status_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN ('ready','missing','failed','purged'));
ALTER TABLE recordings ADD COLUMN purged_at timestamptz;

-- One SM3 hash chain per recording over its (plaintext) WAV in fixed chunks:
--   h_i = SM3(h_{i-1} || chunk_i || uint64be(i)),  h_{-1} = SM3("cti120-recording-chain/v1:" || recording id || ":" || chunk size)
-- `chain` holds every h_i, `leaves` every SM3(chunk_i) (32 octets each), so a verifier can locate a change.
CREATE TABLE recording_chains (
  recording_id  uuid PRIMARY KEY REFERENCES recordings(id),
  centre_id     text NOT NULL REFERENCES centres(id),
  day           date NOT NULL,
  algorithm     text NOT NULL DEFAULT 'sm3-chain-v1',
  chunk_size    integer NOT NULL CHECK (chunk_size > 0),
  chunk_count   integer NOT NULL CHECK (chunk_count >= 0),
  size_bytes    bigint NOT NULL,
  file_sm3      text NOT NULL,
  head          text NOT NULL,
  chain         bytea NOT NULL,
  leaves        bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_chains_day ON recording_chains (centre_id, day);

-- The signed list of one centre's recordings of one day (Asia/Shanghai). A recording chained after its
-- day was signed makes a new version; every version is kept.
CREATE TABLE recording_manifests (
  id               bigserial PRIMARY KEY,
  centre_id        text NOT NULL REFERENCES centres(id),
  day              date NOT NULL,
  version          integer NOT NULL CHECK (version > 0),
  entries          integer NOT NULL,
  body             text NOT NULL,
  signature        bytea NOT NULL,
  key_fingerprint  text NOT NULL,
  public_key       text NOT NULL,
  signed_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (centre_id, day, version)
);

-- Derived copies and at-rest state of a recording's audio.
CREATE TABLE recording_storage (
  recording_id      uuid PRIMARY KEY REFERENCES recordings(id),
  listening_path    text,
  listening_format  text CHECK (listening_format IN ('opus','mp3')),
  listening_bytes   bigint,
  encryption        text CHECK (encryption IN ('sm4-ctr')),
  key_id            text,
  error             text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- QA: scoring forms defined by a centre. `items` is an array of
--   {key, label, kind: 'subjective'|'objective', weight, min, max, metric?, bands?, otherwise?}
-- `grades` the thresholds of 优/良/中 (percent of the full score; below `fair` is 差).
CREATE TABLE qa_forms (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id    text NOT NULL REFERENCES centres(id),
  name         text NOT NULL,
  description  text,
  items        jsonb NOT NULL,
  grades       jsonb NOT NULL,
  active       boolean NOT NULL DEFAULT true,
  created_by   uuid REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (centre_id, name)
);

-- A reviewer's scoring of one call with one form. `answers`: [{key, value, points, auto, note}].
CREATE TABLE qa_reviews (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id                text NOT NULL REFERENCES centres(id),
  call_id                  uuid NOT NULL REFERENCES calls(id),
  recording_id             uuid REFERENCES recordings(id),
  form_id                  uuid NOT NULL REFERENCES qa_forms(id),
  reviewer_id              uuid NOT NULL REFERENCES users(id),
  dispatcher_id            uuid REFERENCES users(id),
  seat_id                  text REFERENCES seats(id),
  call_arrived_at          timestamptz NOT NULL,
  status                   text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','final')),
  answers                  jsonb NOT NULL,
  score                    numeric(6,2) NOT NULL,
  grade                    text NOT NULL CHECK (grade IN ('优','良','中','差')),
  comment                  text,
  dispatcher_comment       text,
  dispatcher_commented_at  timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  finalised_at             timestamptz,
  UNIQUE (call_id, form_id)
);
CREATE INDEX qa_reviews_call ON qa_reviews (call_id, status, score);
CREATE INDEX qa_reviews_dispatcher ON qa_reviews (dispatcher_id, call_arrived_at) WHERE status = 'final';
CREATE INDEX qa_reviews_centre ON qa_reviews (centre_id, call_arrived_at) WHERE status = 'final';

CREATE TABLE recording_tags (
  recording_id  uuid NOT NULL REFERENCES recordings(id),
  tag           text NOT NULL CHECK (length(tag) BETWEEN 1 AND 32),
  created_by    uuid REFERENCES users(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (recording_id, tag)
);
CREATE INDEX recording_tags_tag ON recording_tags (tag, recording_id);

-- Recording search over a year of calls (GET /v1/recordings; bench/recording-search.ts measures these).
CREATE INDEX calls_arrived_at_id ON calls (arrived_at, id);
CREATE INDEX calls_seat_arrived ON calls (answered_seat_id, arrived_at);
CREATE INDEX calls_queue_arrived ON calls (queue_id, arrived_at);
CREATE INDEX calls_centre_arrived ON calls (centre_id, arrived_at);
CREATE INDEX calls_incident ON calls (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX calls_seat_answered ON calls (answered_seat_id, answered_at);
-- Who was logged in at a seat: the log-in and log-out rows only.
CREATE INDEX seat_state_log_sessions ON seat_state_log (seat_id, at) WHERE from_state = 'logged_out' OR to_state = 'logged_out';

-- Down Migration
DROP INDEX IF EXISTS seat_state_log_sessions, calls_seat_answered, calls_incident, calls_centre_arrived, calls_queue_arrived,
  calls_seat_arrived, calls_arrived_at_id;
DROP TABLE recording_tags, qa_reviews, qa_forms, recording_storage, recording_manifests, recording_chains;
UPDATE recordings SET status = 'missing' WHERE status = 'purged';
ALTER TABLE recordings DROP COLUMN purged_at;
ALTER TABLE recordings DROP CONSTRAINT recordings_status_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_status_check CHECK (status IN ('ready','missing','failed'));
