-- Up Migration
-- Recording search by dispatcher: a person's log-ins at seats, without scanning every seat state change.
CREATE INDEX seat_state_log_logins ON seat_state_log (user_id, at) WHERE from_state = 'logged_out';

-- Down Migration
DROP INDEX IF EXISTS seat_state_log_logins;
