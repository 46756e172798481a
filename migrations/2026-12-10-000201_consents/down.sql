DELETE FROM referral_history WHERE action IN ('record_consent', 'withdraw_consent');
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct', 'link_family', 'record_follow_up'));
DROP TABLE consents;
