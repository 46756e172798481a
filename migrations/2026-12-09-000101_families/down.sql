DELETE FROM referral_history WHERE action = 'link_family';
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct'));
DROP INDEX referrals_family_idx;
ALTER TABLE referrals DROP COLUMN source_organisation, DROP COLUMN source_type, DROP COLUMN family_id;
DROP TABLE member_relationships;
DROP TABLE family_members;
DROP TABLE families;
