-- Schools' feedback (issue 14, item 7): after a referral's closure, a
-- consultation or a held termly conversation, the school rates the work and
-- its confidence to meet the needs in mainstream, each 1-5, with an optional
-- comment. One answer per school per item.
CREATE TABLE school_feedback (
    id          UUID PRIMARY KEY,
    school_urn  TEXT NOT NULL REFERENCES schools (urn),
    zone_id     UUID NOT NULL REFERENCES zones (id),
    about       TEXT NOT NULL CHECK (about IN ('referral', 'consultation', 'termly_conversation')),
    item_id     UUID NOT NULL,
    rating      SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    confidence  SMALLINT NOT NULL CHECK (confidence BETWEEN 1 AND 5),
    comment     TEXT CHECK (char_length(comment) BETWEEN 1 AND 2000),
    given_by    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT school_feedback_once UNIQUE (school_urn, about, item_id)
);
-- A zone's feedback, newest first (the team's list, the schools report).
CREATE INDEX school_feedback_zone_idx ON school_feedback (zone_id, id);
