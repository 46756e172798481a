-- bench/functions.sql: helpers of the seed and of bench/targets.sql,
-- created in pg_temp so that they vanish with the session.

CREATE FUNCTION pg_temp.bid(prefix text, n bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (prefix || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;

-- A cheap, well-spread hash of n into [0, m).
CREATE FUNCTION pg_temp.h(n bigint, salt bigint, m bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (((n * 2654435761 + salt * 40503) % 4294967291) + 4294967291) % 4294967291 % m $$;

-- A UPN from a 12-digit tail given as a number, with its DfE check letter:
-- character i (2..13) weighs i, the sum mod 23 picks the letter.
CREATE FUNCTION pg_temp.upn(t bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT substr('ABCDEFGHJKLMNPQRTUVWXYZ', 1 + ((
               t / 100000000000 % 10 * 2 + t / 10000000000 % 10 * 3 + t / 1000000000 % 10 * 4
             + t / 100000000 % 10 * 5 + t / 10000000 % 10 * 6 + t / 1000000 % 10 * 7
             + t / 100000 % 10 * 8 + t / 10000 % 10 * 9 + t / 1000 % 10 * 10
             + t / 100 % 10 * 11 + t / 10 % 10 * 12 + t % 10 * 13) % 23)::int, 1)
           || lpad(t::text, 12, '0')
    $$;
