DROP INDEX IF EXISTS programmes_intervention_idx;
ALTER TABLE programmes DROP CONSTRAINT IF EXISTS programmes_intervention_id_fkey;
