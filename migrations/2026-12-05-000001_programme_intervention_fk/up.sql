-- Programmes (community branch) and the interventions catalogue (delivery
-- branch) were built side by side; now that both exist, a programme's
-- intervention must be one of the catalogue.
ALTER TABLE programmes
    ADD CONSTRAINT programmes_intervention_id_fkey
    FOREIGN KEY (intervention_id) REFERENCES interventions (id);
CREATE INDEX programmes_intervention_idx ON programmes (intervention_id) WHERE intervention_id IS NOT NULL;
