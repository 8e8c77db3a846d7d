-- Up Migration
-- Queue administration: the strategies the ACD supports; one inbound route per called number without a trunk.
ALTER TABLE queues ADD CONSTRAINT queues_strategy_known
  CHECK (strategy IN ('longest_idle', 'fewest_calls', 'round_robin', 'ring_all', 'tiers'));
CREATE UNIQUE INDEX inbound_routes_called_any_trunk ON inbound_routes (called_number) WHERE trunk_id IS NULL;
-- Service level (stats/service-level.ts) uses calls_queue_arrived and calls_centre_arrived (1795688600000).

-- Down Migration
DROP INDEX IF EXISTS inbound_routes_called_any_trunk;
ALTER TABLE queues DROP CONSTRAINT IF EXISTS queues_strategy_known;
