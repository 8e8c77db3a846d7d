-- Up Migration
-- The call path's PostgreSQL outbox (control/src/ha/outbox, docs/ha.md "PostgreSQL away"): every call-path write
-- records its idempotency key here in the same transaction, whether it ran at once or was replayed from the Redis
-- outbox later. A write whose outcome was unknown (the connection died around its COMMIT, a promotion) is replayed;
-- its key tells whether it had committed, so no fact is written twice. Keys older than a day are pruned.
CREATE TABLE fact_outbox_applied (
  id          uuid PRIMARY KEY,
  key         text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fact_outbox_applied_at ON fact_outbox_applied (applied_at);

-- Down Migration
DROP TABLE fact_outbox_applied;
