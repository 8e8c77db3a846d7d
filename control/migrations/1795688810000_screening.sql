-- Up Migration
-- Nuisance and malicious caller screening (docs/screening.md). Numbers are stored normalised (digits only,
-- no +86/0086, no trunk 0 before a mobile number); the call flow decides from a Redis mirror of these rows.

-- Lists: block, watch, always-allow; an entry is a whole number (exact) or a prefix.
CREATE TABLE screening_entries (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id    text NOT NULL REFERENCES centres(id),
  list         text NOT NULL CHECK (list IN ('block','watch','allow')),
  match        text NOT NULL CHECK (match IN ('exact','prefix')),
  number       text NOT NULL CHECK (number ~ '^[0-9]{1,32}$'),
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  source       text NOT NULL DEFAULT 'person' CHECK (source IN ('person','proposal','rule')),
  author_id    uuid,
  author_name  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  UNIQUE (centre_id, list, match, number)
);
CREATE INDEX screening_entries_number ON screening_entries (centre_id, number);

-- What each list does, per centre. override_period_s: a held-back number still reaches a seat once per period.
CREATE TABLE screening_policies (
  centre_id          text NOT NULL REFERENCES centres(id),
  list               text NOT NULL CHECK (list IN ('block','watch','allow')),
  policy             text NOT NULL CHECK (policy IN ('none','mark','lowest_priority','warn_then_lowest','warn_then_end')),
  override_period_s  integer NOT NULL DEFAULT 600 CHECK (override_period_s BETWEEN 0 AND 86400),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_id, list),
  CHECK (list <> 'allow' OR policy IN ('none','mark'))
);
INSERT INTO screening_policies (centre_id, list, policy, override_period_s) VALUES
  ('city', 'block', 'warn_then_lowest', 600), ('city', 'watch', 'mark', 600), ('city', 'allow', 'none', 0);

-- Detection rules, off until the centre turns them on; auto_apply lets a rule create entries without a person.
CREATE TABLE screening_rules (
  centre_id    text NOT NULL REFERENCES centres(id),
  kind         text NOT NULL CHECK (kind IN ('short_calls','silent_marks')),
  enabled      boolean NOT NULL DEFAULT false,
  auto_apply   boolean NOT NULL DEFAULT false,
  list         text NOT NULL DEFAULT 'block' CHECK (list IN ('block','watch')),
  entry_ttl_h  integer NOT NULL DEFAULT 24 CHECK (entry_ttl_h BETWEEN 1 AND 8760),
  params       jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (centre_id, kind)
);
INSERT INTO screening_rules (centre_id, kind, params) VALUES
  ('city', 'short_calls', '{"calls": 5, "window_min": 10, "max_s": 10}'),
  ('city', 'silent_marks', '{"marks": 3, "window_h": 24}');

-- A seat's one-action mark of a call (nuisance or silent).
CREATE TABLE screening_marks (
  id          bigserial PRIMARY KEY,
  centre_id   text NOT NULL REFERENCES centres(id),
  call_id     uuid NOT NULL REFERENCES calls(id),
  number      text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('nuisance','silent')),
  note        text,
  user_id     uuid,
  at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (call_id, kind)
);
CREATE INDEX screening_marks_number ON screening_marks (centre_id, number, at);

-- Proposals for a supervisor: at most one pending per number; marks and rules strengthen it.
CREATE TABLE screening_proposals (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  centre_id    text NOT NULL REFERENCES centres(id),
  number       text NOT NULL,
  list         text NOT NULL DEFAULT 'block' CHECK (list IN ('block','watch')),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
  reasons      text[] NOT NULL,
  call_ids     uuid[] NOT NULL DEFAULT '{}',
  strength     integer NOT NULL DEFAULT 1,
  notes        text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  reviewed_by  uuid,
  reviewer     text,
  reviewed_at  timestamptz,
  review_note  text,
  entry_id     uuid REFERENCES screening_entries(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX screening_proposals_pending ON screening_proposals (centre_id, number) WHERE status = 'pending';
CREATE INDEX screening_proposals_status ON screening_proposals (centre_id, status, updated_at);

-- Every screening decision (written after the call is queued, never on its way to a seat).
CREATE TABLE screening_decisions (
  id            bigserial PRIMARY KEY,
  centre_id     text NOT NULL REFERENCES centres(id),
  call_id       uuid,
  sip_call_id   text,
  number        text NOT NULL,
  list          text,
  entry_id      uuid,
  policy        text NOT NULL,
  priority      integer,
  override_once boolean NOT NULL DEFAULT false,
  decision      jsonb NOT NULL,
  at            timestamptz NOT NULL
);
CREATE INDEX screening_decisions_number ON screening_decisions (number, at);
CREATE INDEX screening_decisions_call ON screening_decisions (call_id);

-- Down Migration
DROP TABLE screening_decisions, screening_proposals, screening_marks, screening_rules, screening_policies, screening_entries;
