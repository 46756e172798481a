-- Corrections and reassessment (issue 14, items 1 and 2).
--
-- A correction (PUT /referrals/{id}) re-screens the referral against the
-- policy in force: the screening it had at submission is kept beside the
-- current one, set by the first correction that re-screens it. NULL: never
-- corrected, the current screening is the one it was submitted with.
ALTER TABLE referrals ADD COLUMN submitted_eligibility JSONB;

-- A correction is a change in the referral's history.
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct'));

-- INDES levels per area as they stand at a review of the plan or at
-- closure: one reassessment per review (or closure), one row per area
-- assessed. The referral's own levels (referral_indes_levels) stay those of
-- intake (as submitted or corrected).
CREATE TABLE indes_reassessments (
    id          UUID PRIMARY KEY,
    referral_id UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    occasion    TEXT NOT NULL CHECK (occasion IN ('review', 'closure')),
    review_id   UUID REFERENCES plan_reviews (id) ON DELETE CASCADE,
    assessed_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    CHECK (occasion = 'closure' OR review_id IS NOT NULL)
);
-- A referral's reassessments in order (its read takes the latest per area).
CREATE INDEX indes_reassessments_referral_idx
    ON indes_reassessments (referral_id, recorded_at, id);
-- At most one reassessment per review.
CREATE UNIQUE INDEX indes_reassessments_review_idx
    ON indes_reassessments (review_id) WHERE review_id IS NOT NULL;

CREATE TABLE indes_reassessment_levels (
    reassessment_id UUID NOT NULL REFERENCES indes_reassessments (id) ON DELETE CASCADE,
    area            TEXT NOT NULL,
    level           SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 20),
    PRIMARY KEY (reassessment_id, area)
);
