DROP INDEX children_dob_names_idx;
DROP TABLE child_lookups;
DROP TABLE case_notes;
DROP INDEX referrals_review_due_idx;
DROP INDEX referrals_council_priority_idx;
DROP INDEX referrals_team_priority_idx;
DROP INDEX referrals_team_status_priority_idx;
ALTER TABLE referrals DROP COLUMN review_due_on, DROP COLUMN priority_neg_score, DROP COLUMN priority_rank;
