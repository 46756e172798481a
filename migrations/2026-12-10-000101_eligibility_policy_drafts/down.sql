ALTER TABLE eligibility_policies ADD COLUMN active BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE eligibility_policies SET active = TRUE
 WHERE version = (SELECT version FROM eligibility_policies
                   WHERE published_at IS NOT NULL AND effective_from <= (now() AT TIME ZONE 'UTC')::date
                   ORDER BY effective_from DESC, published_at DESC LIMIT 1);
DELETE FROM eligibility_policies WHERE published_at IS NULL;
CREATE UNIQUE INDEX eligibility_policies_one_active ON eligibility_policies (active) WHERE active;
DROP INDEX eligibility_policies_in_force_idx;
ALTER TABLE eligibility_policies
    DROP CONSTRAINT eligibility_policies_published_check,
    DROP COLUMN effective_from,
    DROP COLUMN published_at,
    DROP COLUMN published_by,
    DROP COLUMN updated_at,
    DROP COLUMN revision;
