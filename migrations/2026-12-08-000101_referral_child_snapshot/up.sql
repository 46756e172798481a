-- The child as the referrer described them, kept on the referral: the LA's
-- child record (`children`) changes only by staff, and a school or MIS
-- client is shown this snapshot of its own referral, never the record that
-- another school's referral may have shaped.
ALTER TABLE referrals
    ADD COLUMN submitted_upn           TEXT,
    ADD COLUMN submitted_given_name    TEXT,
    ADD COLUMN submitted_family_name   TEXT,
    ADD COLUMN submitted_date_of_birth DATE;

-- Referrals stored before: the record as it is now, or, for a referral that
-- raised a UPN conflict, what it submitted (kept in the conflict).
UPDATE referrals r
SET submitted_upn = c.upn,
    submitted_given_name = c.given_name,
    submitted_family_name = c.family_name,
    submitted_date_of_birth = c.date_of_birth
FROM children c
WHERE c.id = r.child_id;

UPDATE referrals r
SET submitted_given_name = x.submitted_given_name,
    submitted_family_name = x.submitted_family_name,
    submitted_date_of_birth = x.submitted_date_of_birth
FROM child_conflicts x
WHERE x.referral_id = r.id;

ALTER TABLE referrals
    ALTER COLUMN submitted_upn SET NOT NULL,
    ALTER COLUMN submitted_given_name SET NOT NULL,
    ALTER COLUMN submitted_family_name SET NOT NULL,
    ALTER COLUMN submitted_date_of_birth SET NOT NULL;

-- A conflict is now also raised by other names with the same date of birth
-- (a submission never renames the recorded child).
ALTER TABLE child_conflicts DROP CONSTRAINT child_conflicts_check1;
