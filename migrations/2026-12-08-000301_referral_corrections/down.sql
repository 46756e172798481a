DROP TABLE indes_reassessment_levels;
DROP TABLE indes_reassessments;
DELETE FROM referral_history WHERE action = 'correct';
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker'));
ALTER TABLE referrals DROP COLUMN submitted_eligibility;
