-- Settings beyond GIAS (issue 15, item 1): early-years settings,
-- childminders and other providers live in `schools` beside the GIAS
-- schools, keyed by the same text column. `urn` now holds a setting
-- identifier of one of three schemes (`sct_domain::IdScheme`):
--   urn     the DfE's 6-digit URN (GIAS), every row before this migration;
--   ofsted  an Ofsted registration number: EY and 6 digits, or 6 digits;
--   local   the council's own id: LA- and 1 to 20 capital letters or digits.
-- `kind` says what the setting is. The API checks the same rules first
-- (`SettingId::parse_in`); these checks are the last line.

ALTER TABLE schools DROP CONSTRAINT schools_urn_check;

ALTER TABLE schools
    ADD COLUMN id_scheme TEXT NOT NULL DEFAULT 'urn'
        CHECK (id_scheme IN ('urn', 'ofsted', 'local')),
    ADD COLUMN kind      TEXT NOT NULL DEFAULT 'school'
        CHECK (kind IN ('school', 'early_years_setting', 'childminder', 'other')),
    ADD CONSTRAINT schools_urn_check CHECK (
        (id_scheme = 'urn' AND urn ~ '^[0-9]{6}$')
        OR (id_scheme = 'ofsted' AND urn ~ '^(EY)?[0-9]{6}$')
        OR (id_scheme = 'local' AND urn ~ '^LA-[A-Z0-9]{1,20}$')
    );
