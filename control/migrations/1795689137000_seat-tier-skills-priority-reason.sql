-- Up Migration
-- Tier and skills of a seat, for the ACD's tiers strategy and required skills (acd/strategies). NULL means
-- "not set on the seat": a surge seat then takes its template's (surges.template snapshot), any other seat
-- tier 1 and no skills (seats/state/store.ts loadSeats resolves this into the live seat state).
ALTER TABLE seats ADD COLUMN tier integer CHECK (tier BETWEEN 1 AND 9);
ALTER TABLE seats ADD COLUMN skills text[];
-- Why a call queued at a priority other than its route's: 'repeat_caller' (raised, acd/repeat-caller.ts) or
-- 'screened' (lowered by a screening list's policy); NULL when the route's priority was kept.
ALTER TABLE calls ADD COLUMN priority_reason text CHECK (priority_reason IN ('repeat_caller', 'screened'));

-- Down Migration
ALTER TABLE calls DROP COLUMN IF EXISTS priority_reason;
ALTER TABLE seats DROP COLUMN IF EXISTS skills;
ALTER TABLE seats DROP COLUMN IF EXISTS tier;
