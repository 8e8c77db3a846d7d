-- Up Migration
-- Queue administration: the strategies the ACD supports; one inbound route per called number without a trunk.
ALTER TABLE queues ADD CONSTRAINT queues_strategy_known
  CHECK (strategy IN ('longest_idle', 'fewest_calls', 'round_robin', 'ring_all', 'tiers'));
CREATE UNIQUE INDEX inbound_routes_called_any_trunk ON inbound_routes (called_number) WHERE trunk_id IS NULL;

-- Service level per queue and per centre over a period (stats/service-level.ts).
CREATE INDEX calls_queue_arrived ON calls (queue_id, arrived_at);
CREATE INDEX calls_centre_arrived ON calls (centre_id, arrived_at);

-- Down Migration
DROP INDEX IF EXISTS calls_centre_arrived;
DROP INDEX IF EXISTS calls_queue_arrived;
DROP INDEX IF EXISTS inbound_routes_called_any_trunk;
ALTER TABLE queues DROP CONSTRAINT IF EXISTS queues_strategy_known;
