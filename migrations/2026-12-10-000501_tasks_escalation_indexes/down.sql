DROP INDEX practice_actions_owner_idx;
DROP INDEX referrals_zone_closed_idx;
