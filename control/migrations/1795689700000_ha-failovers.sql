-- Up Migration
-- Failovers of a two-node pair (issue 13, docs/ha.md "Failovers, audited"): one row each time a control plane takes
-- the leader lease from another node (kind failover) or is handed it (kind switchover), with its timings, written by
-- the node that takes the lead. `epoch` counts the takeovers; Redis keeps the same counter (cti:ha:epoch), and a
-- control plane whose Redis or database is behind the other refuses to lead (an old copy: docs/ha.md "Rejoining").
CREATE TABLE ha_failovers (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  epoch              bigint NOT NULL UNIQUE,
  kind               text NOT NULL CHECK (kind IN ('failover', 'switchover', 'start')),
  from_node          text,
  to_node            text NOT NULL,
  by                 text NOT NULL,
  reason             text NOT NULL,
  -- the old leader's last renewal seen by the standby (its last sign of life), then each step of the takeover
  last_seen_at       timestamptz,
  lease_taken_at     timestamptz NOT NULL,
  vip_moved_at       timestamptz,
  first_answered_at  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ha_failovers_taken ON ha_failovers (lease_taken_at DESC);

-- Down Migration
DROP TABLE ha_failovers;
