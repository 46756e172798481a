DELETE FROM child_conflicts WHERE recorded_date_of_birth = submitted_date_of_birth;
ALTER TABLE child_conflicts
    ADD CONSTRAINT child_conflicts_check1 CHECK (recorded_date_of_birth <> submitted_date_of_birth);
ALTER TABLE referrals
    DROP COLUMN submitted_upn,
    DROP COLUMN submitted_given_name,
    DROP COLUMN submitted_family_name,
    DROP COLUMN submitted_date_of_birth;
