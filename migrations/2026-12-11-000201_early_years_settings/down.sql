DELETE FROM schools WHERE id_scheme <> 'urn' OR urn !~ '^[0-9]{6}$';
ALTER TABLE schools DROP CONSTRAINT schools_urn_check;
ALTER TABLE schools DROP COLUMN kind, DROP COLUMN id_scheme;
ALTER TABLE schools ADD CONSTRAINT schools_urn_check CHECK (urn ~ '^[0-9]{6}$');
