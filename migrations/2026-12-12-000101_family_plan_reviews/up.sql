-- Reviews of a family plan (issue 13, item 2): a review rates every current
-- family goal on the 0-10 scale, as a referral's review rates the child's;
-- closing the family records the final ratings (kind 'final').
CREATE TABLE family_plan_reviews (
    id          UUID PRIMARY KEY,
    family_id   UUID NOT NULL REFERENCES family_plans (family_id),
    kind        TEXT NOT NULL CHECK (kind IN ('interim', 'final')),
    reviewed_on DATE NOT NULL,
    notes       TEXT CHECK (char_length(notes) BETWEEN 1 AND 4000),
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
-- A family's reviews, oldest first (ids are time-ordered: the list's keyset).
CREATE INDEX family_plan_reviews_family_idx ON family_plan_reviews (family_id, id);

CREATE TABLE family_review_ratings (
    review_id UUID NOT NULL REFERENCES family_plan_reviews (id) ON DELETE CASCADE,
    goal_id   UUID NOT NULL REFERENCES family_plan_goals (id),
    rating    SMALLINT NOT NULL CHECK (rating BETWEEN 0 AND 10),
    PRIMARY KEY (review_id, goal_id)
);
-- A goal's latest rating (the plan's read).
CREATE INDEX family_review_ratings_goal_idx ON family_review_ratings (goal_id);
