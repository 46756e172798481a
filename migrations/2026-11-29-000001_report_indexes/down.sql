DROP INDEX IF EXISTS referrals_closed_idx;
DROP INDEX IF EXISTS referrals_zone_created_idx;
DROP INDEX IF EXISTS referral_history_action_idx;
