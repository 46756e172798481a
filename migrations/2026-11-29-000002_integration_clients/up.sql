-- Integration clients: MIS vendors' machine credentials for the OAuth 2.0
-- client credentials grant. The secret is kept only as an Argon2id PHC
-- string; after a rotation the previous hash keeps working until its expiry.
-- `token_version` is carried in every token issued to the client and
-- checked on each request, so that revoking bumps it and stops every
-- token at once.

CREATE TABLE integration_clients (
    id                          UUID PRIMARY KEY,
    name                        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    schools                     TEXT[] NOT NULL CHECK (cardinality(schools) BETWEEN 1 AND 500),
    secret_hash                 TEXT NOT NULL,
    previous_secret_hash        TEXT,
    previous_secret_expires_at  TIMESTAMPTZ,
    token_version               INTEGER NOT NULL DEFAULT 1,
    revoked_at                  TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    version                     INTEGER NOT NULL DEFAULT 1,
    CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL))
);
