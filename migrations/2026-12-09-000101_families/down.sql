DROP INDEX referrals_family_idx;
ALTER TABLE referrals DROP COLUMN source_organisation, DROP COLUMN source_type, DROP COLUMN family_id;
DROP TABLE member_relationships;
DROP TABLE family_members;
DROP TABLE families;
