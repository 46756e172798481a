-- Families (link_family) and follow-ups (record_follow_up) each widened the
-- check of referral_history.action from the same base; the later one dropped
-- the other's action. One check with both.
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct', 'link_family', 'record_follow_up'));
