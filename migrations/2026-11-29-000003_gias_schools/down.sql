DROP INDEX schools_la_idx;

ALTER TABLE schools
    DROP COLUMN missing_from_extract_at,
    DROP COLUMN close_date,
    DROP COLUMN open_date,
    DROP COLUMN pupil_count,
    DROP COLUMN district_name,
    DROP COLUMN district_code,
    DROP COLUMN type_name,
    DROP COLUMN la_name;
