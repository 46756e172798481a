-- Eligibility policy, test and learn (issue 14, item 6): a version is a
-- draft until it is published, and takes effect from its day. The version in
-- force is the published one with the latest effective_from on or before
-- today (UTC), of two on one day the one published last; it is computed,
-- no longer a flag, so a version published for a later day takes over on
-- that day without anything running.
ALTER TABLE eligibility_policies
    ADD COLUMN effective_from DATE,
    ADD COLUMN published_at   TIMESTAMPTZ,
    ADD COLUMN published_by   TEXT,
    ADD COLUMN updated_at     TIMESTAMPTZ,
    ADD COLUMN revision       INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1);

-- Every version stored so far was published when it was stored.
UPDATE eligibility_policies
   SET effective_from = (created_at AT TIME ZONE 'UTC')::date,
       published_at = created_at,
       published_by = created_by,
       updated_at = created_at;
-- The one in force keeps being in force (it was the last published).
UPDATE eligibility_policies p
   SET published_at = GREATEST(p.created_at, (SELECT max(created_at) FROM eligibility_policies))
 WHERE p.active;

ALTER TABLE eligibility_policies
    ALTER COLUMN effective_from SET NOT NULL,
    ALTER COLUMN updated_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now(),
    ADD CONSTRAINT eligibility_policies_published_check
        CHECK ((published_at IS NULL) = (published_by IS NULL));

DROP INDEX eligibility_policies_one_active;
ALTER TABLE eligibility_policies DROP COLUMN active;
CREATE INDEX eligibility_policies_in_force_idx
    ON eligibility_policies (effective_from DESC, published_at DESC)
    WHERE published_at IS NOT NULL;

-- The default's name and texts say what MI sheet 34/23 says (band 3-4) and
-- what is the council's to decide; the above_threshold pathway reads
-- "discuss with the SEND team". Words only: the rules of 2023.1 are unchanged
-- (crates/domain: Policy::default_v1 carries the same texts for new
-- databases).
UPDATE eligibility_policies
   SET document = document || jsonb_build_object(
        'name', 'Default: INDES levels 3 to 4 (MI sheet 34/23)',
        'description', 'The band of INDES levels 3 to 4 is what MI sheet 34/23 (28 February 2023) says the School & Community Teams serve; a later council page says "within level 3". The scale (1 to 5), how an EHC plan and complicating factors count, the priority weights and the reopen window are this service''s starting values, not published council policy: they, and the band, are the council''s to decide. Screening is advice; the team manager decides.',
        'pathways', jsonb_build_object(
            'eligible', 'Early help from the School & Community Team of the school''s zone.',
            'below_threshold', 'Ordinarily available provision and SEN Support in school.',
            'above_threshold', 'Discuss with the SEND team: the needs described are above the band of early help. This is not a request for an EHC needs assessment.',
            'insufficient_information', 'Complete the INDES assessment and refer again.'))
 WHERE version = '2023.1' AND NOT document ? 'name';
