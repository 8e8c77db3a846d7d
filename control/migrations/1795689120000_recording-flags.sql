-- Up Migration
-- QA marks on a recording found by the conversion: `gap` = a side of the answered call sent no audio for
-- 3 s or more (control/src/recordings/gaps.ts); `gaps` lists them [{channel, start_ms, end_ms}].
ALTER TABLE recordings ADD COLUMN flags text[] NOT NULL DEFAULT '{}';
ALTER TABLE recordings ADD COLUMN gaps jsonb;
-- Flagged recordings are few: search by flag starts from them.
CREATE INDEX recordings_flags ON recordings USING gin (flags) WHERE flags <> '{}';

-- Down Migration
DROP INDEX IF EXISTS recordings_flags;
ALTER TABLE recordings DROP COLUMN gaps;
ALTER TABLE recordings DROP COLUMN flags;
