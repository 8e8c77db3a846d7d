-- Up Migration
-- The `integration` role: machine clients of other modules (dispatch/CAD, medical records) read calls and events and
-- attach incident ids, without a person's rights (control/src/auth/roles.ts).
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check
  CHECK (roles <@ ARRAY['dispatcher','supervisor','qa','admin','integration']::text[] AND cardinality(roles) > 0);

-- Down Migration
DELETE FROM users WHERE roles = ARRAY['integration']::text[];
UPDATE users SET roles = array_remove(roles, 'integration');
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check
  CHECK (roles <@ ARRAY['dispatcher','supervisor','qa','admin']::text[] AND cardinality(roles) > 0);
