DROP INDEX programme_enrolments_member_idx;
UPDATE programme_enrolments SET parent_carer_name = '[unnamed]' WHERE parent_carer_name IS NULL;
ALTER TABLE programme_enrolments DROP COLUMN family_member_id,
    ALTER COLUMN parent_carer_name SET NOT NULL;
ALTER TABLE support_plans DROP COLUMN family_plan_id;
DROP TABLE family_plan_versions;
DROP TABLE family_plan_actions;
DROP TABLE family_plan_goals;
DROP TABLE family_plans;
DROP TABLE family_assessment_areas;
DROP TABLE family_assessments;
