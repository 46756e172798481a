-- Family Hubs and schools (issue 15): which schools a hub is connected with,
-- since when, who introduced them, the named contact at each end and what
-- they do together. One connection per hub and school.
CREATE TABLE hub_school_connections (
    id                      UUID PRIMARY KEY,
    hub_id                  UUID NOT NULL REFERENCES family_hubs (id),
    school_urn              TEXT NOT NULL REFERENCES schools (urn),
    introduced_on           DATE NOT NULL,
    introduced_by_worker_id UUID REFERENCES workers (id),
    hub_contact_name        TEXT CHECK (char_length(hub_contact_name) BETWEEN 1 AND 200),
    hub_contact_role        TEXT CHECK (char_length(hub_contact_role) BETWEEN 1 AND 200),
    school_contact_name     TEXT CHECK (char_length(school_contact_name) BETWEEN 1 AND 200),
    school_contact_role     TEXT CHECK (char_length(school_contact_role) BETWEEN 1 AND 200),
    joint_activities        TEXT[] NOT NULL DEFAULT '{}' CHECK (cardinality(joint_activities) <= 20),
    recorded_by             TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    CONSTRAINT hub_school_connections_once UNIQUE (hub_id, school_urn)
);
-- A school's connections (its view, the coverage report's join).
CREATE INDEX hub_school_connections_school_idx ON hub_school_connections (school_urn, hub_id);
