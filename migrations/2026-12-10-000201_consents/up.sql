-- Consent as a record (issue 13, item 3): who gave it, for what, how it was
-- recorded, from when and until when, and its withdrawal. The consent a
-- referral's intake form states becomes the referral's first consent
-- (scopes: SCT involvement and sharing with the school).
CREATE TABLE consents (
    id                UUID PRIMARY KEY,
    referral_id       UUID NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    given_by          TEXT NOT NULL CHECK (given_by IN ('young_person', 'parent_carer')),
    -- The adult family member who gave it (a parent or carer with parental
    -- responsibility); absent for the young person and for intake consents.
    member_id         UUID REFERENCES family_members (id) ON DELETE SET NULL,
    scopes            TEXT[] NOT NULL CHECK (
        cardinality(scopes) BETWEEN 1 AND 4
        AND scopes <@ ARRAY['sct_involvement', 'share_with_school', 'share_with_partner',
                            'share_with_family_hub']::TEXT[]),
    partner_ids       UUID[] NOT NULL DEFAULT '{}' CHECK (cardinality(partner_ids) <= 50),
    recorded_how      TEXT NOT NULL CHECK (recorded_how IN ('written', 'verbal', 'electronic',
                                                            'referral_form')),
    given_on          DATE NOT NULL,
    until             DATE CHECK (until IS NULL OR until >= given_on),
    notes             TEXT CHECK (length(notes) <= 2000),
    recorded_by       TEXT NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    withdrawn_on      DATE,
    withdrawn_at      TIMESTAMPTZ,
    withdrawn_by      TEXT,
    withdrawal_reason TEXT CHECK (length(withdrawal_reason) <= 2000),
    version           INTEGER NOT NULL DEFAULT 1,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_on IS NULL)
           AND (withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX consents_referral_idx ON consents (referral_id, given_on, id);
CREATE INDEX consents_member_idx ON consents (member_id) WHERE member_id IS NOT NULL;

INSERT INTO consents (id, referral_id, given_by, scopes, recorded_how, given_on, recorded_by,
                      recorded_at)
SELECT gen_random_uuid(), r.id,
       CASE WHEN r.consent_given_by = 'young_person' THEN 'young_person' ELSE 'parent_carer' END,
       ARRAY['sct_involvement', 'share_with_school']::TEXT[], 'referral_form',
       r.consent_given_on, 'system:consents-migration', r.created_at
FROM referrals r;

-- Every action of referral_history: those of 2026-12-09-000601 and the two
-- consent changes.
ALTER TABLE referral_history DROP CONSTRAINT referral_history_action_check;
ALTER TABLE referral_history ADD CONSTRAINT referral_history_action_check CHECK (action IN (
    'submit', 'accept', 'decline', 'redirect', 'allocate', 'start', 'close', 'withdraw', 'reopen',
    'add_co_worker', 'remove_co_worker', 'correct', 'link_family', 'record_follow_up',
    'record_consent', 'withdraw_consent'));
