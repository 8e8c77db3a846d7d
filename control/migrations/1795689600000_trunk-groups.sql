-- Up Migration
-- Trunk groups (issue 13): gateways that back each other up (two E1 gateways of one centre). Calls arrive from
-- any member (each member is a trunk, recognised by source address as before); callbacks leave through a live
-- member. Kamailio's dispatcher module reads the `dispatcher` view below and probes every member with OPTIONS.
-- A trunk is in at most one group (trunks.group_id); group_rank orders the members (0 = the preferred one).
CREATE TABLE trunk_groups (
  id          text PRIMARY KEY,
  centre_id   text NOT NULL REFERENCES centres(id),
  name        text NOT NULL,
  -- dispatcher's set id (an integer), stable for the group's life
  setid       integer GENERATED ALWAYS AS IDENTITY UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE trunks
  ADD COLUMN group_id   text REFERENCES trunk_groups(id) ON DELETE SET NULL,
  ADD COLUMN group_rank integer NOT NULL DEFAULT 0 CHECK (group_rank BETWEEN 0 AND 99);

-- Kamailio's dispatcher table (version 4), a view over ours like `address`: an enabled member of a group, its
-- SIP address (the trunk's gateway_uri, else its source address and port), priority from its rank (higher first).
INSERT INTO version VALUES ('dispatcher', 4);
CREATE VIEW dispatcher AS
  SELECT row_number() OVER (ORDER BY g.setid, t.group_rank, t.id)::integer AS id, g.setid,
         coalesce(t.gateway_uri, 'sip:' || host(t.ip_addr) || CASE WHEN t.port > 0 THEN ':' || t.port ELSE '' END)::varchar(192) AS destination,
         0 AS flags, (100 - t.group_rank) AS priority, ('duid=' || t.id)::varchar(128) AS attrs,
         t.name::varchar(64) AS description, t.id AS trunk_id, g.id AS group_id
    FROM trunks t JOIN trunk_groups g ON g.id = t.group_id
   WHERE t.enabled;

-- Down Migration
DROP VIEW IF EXISTS dispatcher;
DELETE FROM version WHERE table_name = 'dispatcher';
ALTER TABLE trunks DROP COLUMN IF EXISTS group_rank, DROP COLUMN IF EXISTS group_id;
DROP TABLE IF EXISTS trunk_groups;
