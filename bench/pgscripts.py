#!/usr/bin/env python3
"""bench/pgscripts.py: pgbench scripts that send the very statements each
endpoint sends, captured from the server's log (log_statement = all) and
copied here verbatim, in the same order, as prepared statements.

The statements that follow the first one in a read (children, INDES levels,
zones, teams, workers of the rows read) take arrays of ids that the server
computes from the first result. pgbench has no string operations, so for
each endpoint this script draws SAMPLES cases from the seeded database,
runs the first statement itself (psql) to learn the ids that follow, and
passes everything as pgbench variables (-D); the script picks one case per
transaction with \\if. Writes RUN/pg_<name>.sql and RUN/pg_<name>.args
(one -D argument per line).

Statements the server pipelines (sent together on one connection, see
`views` and `submit_in_tx` in crates/persistence/src/referrals.rs) are
between \\startpipeline and \\endpipeline here too. Every request also
writes its audit rows (one per subject type: a list page is one row naming every referral shown). bench/capture.sh prints
what each endpoint sends today, to check this file against the code.

Usage: pgscripts.py URL RUN SCHOOLS ZONES REFERRALS TARGETS
"""

import random
import subprocess
import sys

URL, RUN = sys.argv[1], sys.argv[2]
S, Z, R, TARGETS = (int(x) for x in sys.argv[3:7])
SAMPLES = 16
TEAM1 = "a2000000-0000-4000-8000-000000000001"
random.seed(20261128)

COLS = ", ".join(f'"referrals"."{c}"' for c in (
    "id reference school_urn external_reference child_id status zone_id team_id triage_reason "
    "worker_id eligibility_outcome eligibility policy_version priority_band priority_score "
    "priority_reasons complicating_factors existing_plans sen_provision primary_need year_group "
    "consent_given_by consent_given_on reason decline_reason signposting closure_outcome "
    "closure_note closed_at closed_from submitted_by submitted_by_role version created_at "
    "updated_at").split())
REF = f'SELECT {COLS} FROM "referrals"'
CHILDREN = ('SELECT "children"."id", "children"."upn", "children"."given_name", "children"."family_name", '
            '"children"."date_of_birth", "children"."year_group", "children"."sen_provision", '
            '"children"."primary_need", "children"."created_at", "children"."updated_at" FROM "children" '
            'WHERE ("children"."id" = ANY({}))')
INDES = ('SELECT "referral_indes_levels"."referral_id", "referral_indes_levels"."area", '
         '"referral_indes_levels"."level" FROM "referral_indes_levels" '
         'WHERE ("referral_indes_levels"."referral_id" = ANY({}))')
ZONES = ('SELECT "zones"."id", "zones"."code", "zones"."name", "zones"."created_at", "zones"."updated_at", '
         '"zones"."version" FROM "zones" WHERE ("zones"."id" = ANY({}))')
TEAMS = ('SELECT "teams"."id", "teams"."zone_id", "teams"."name", "teams"."operational_from", '
         '"teams"."created_at", "teams"."updated_at", "teams"."version" FROM "teams" '
         'WHERE ("teams"."id" = ANY({}))')
WORKERS = ('SELECT "workers"."id", "workers"."team_id", "workers"."subject", "workers"."name", '
           '"workers"."job_role", "workers"."caseload_cap", "workers"."active", "workers"."created_at", '
           '"workers"."updated_at", "workers"."version" FROM "workers" WHERE ("workers"."id" = ANY({}))')
AUDIT_COLS = ('INSERT INTO "audit_events" ("occurred_at", "request_id", "actor", "actor_role", "client_id", '
              '"action", "method", "route", "subject_type", "subject_id", "subject_ids", "outcome", "details") VALUES ')


def audit(actor, role, action, method, route, subjects, outcome=200):
    """The audit rows of one request: one per subject type (type, id literal
    SQL), naming a type's several ids in subject_ids (a list page)."""
    by_type = {}
    for t, i in subjects:
        by_type.setdefault(t, []).append(i)
    rows = []
    for t, ids in by_type.items():
        if len(ids) == 1:
            rows.append(f"(now(), 'pgbench', '{actor}', '{role}', DEFAULT, '{action}', '{method}', '{route}', "
                        f"'{t}', {ids[0]}, DEFAULT, {outcome}, '{{}}')")
        else:
            rows.append(f"(now(), 'pgbench', '{actor}', '{role}', DEFAULT, '{action}', '{method}', '{route}', "
                        f"'{t}', DEFAULT, ARRAY[{', '.join(ids)}], {outcome}, '{{}}')")
    if not rows:  # a request about no subject still has its row
        rows = [f"(now(), 'pgbench', '{actor}', '{role}', DEFAULT, '{action}', '{method}', '{route}', "
                f"DEFAULT, DEFAULT, DEFAULT, {outcome}, '{{}}')"]
    return AUDIT_COLS + ", ".join(rows) + ";"


def psql(sql):
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", URL, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def arr(values):
    return "{" + ",".join(values) + "}"


def uid(prefix, n):
    return f"{prefix}-0000-4000-8000-{n:012x}"


def views_for(where_sql, args_sql):
    """Runs the first statement (as SQL with literals) and returns the
    arrays the follow-up statements bind, exactly as `views` builds them
    (duplicates kept, NULLs skipped, a query skipped when its list is empty)."""
    rows = psql(f"SELECT id, child_id, zone_id, team_id, worker_id FROM referrals {where_sql} {args_sql}")
    ids = [r[0] for r in rows]
    kids = [r[1] for r in rows]
    zones = [r[2] for r in rows if r[2]]
    teams = [r[3] for r in rows if r[3]]
    workers = [r[4] for r in rows if r[4]]
    return ids, kids, zones, teams, workers


def follow_ups(k, ids, kids, zones, teams, workers, defs):
    """Statements of `views` for case k; their arrays become -D variables."""
    if not ids:
        return []
    lines = ["\\startpipeline"]
    for name, values, stmt in (("c", kids, CHILDREN), ("i", ids, INDES), ("z", zones, ZONES),
                               ("t", teams, TEAMS), ("w", workers, WORKERS)):
        if name != "c" and name != "i" and not values:
            continue
        defs.append(f"{name}{k}={arr(values)}")
        lines.append(stmt.format(f":{name}{k}") + ";")
    lines.append("\\endpipeline")
    return lines


def write(name, body_cases, defs, prefix_lines=(), suffix_lines=()):
    lines = [f"-- {name}: generated by bench/pgscripts.py; the statements the endpoint sends"]
    lines += prefix_lines
    if len(body_cases) == 1:
        lines += body_cases[0]
    else:
        lines.append(f"\\set k random(1, {len(body_cases)})")
        for k, case in enumerate(body_cases, 1):
            lines.append(("\\if" if k == 1 else "\\elif") + f" :k = {k}")
            lines += case
        lines.append("\\endif")
    lines += suffix_lines
    with open(f"{RUN}/pg_{name}.sql", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(f"{RUN}/pg_{name}.args", "w", encoding="utf-8") as f:
        for d in ["one=1", "yes=t"] + defs:
            f.write(d + "\n")


# GET /referrals/{id} as school 1 and as zone 1's manager (as bench/get_referral.lua picks)
for who in ("school", "manager"):
    cases, defs = [], []
    for k in range(1, SAMPLES + 1):
        if who == "school":
            n = 1 + random.randint(0, (R - 1) // S) * S
            # a scope of one school binds school_urn = $1 (see referrals::scoped)
            scope_sql, first = "school_urn = '100001'", f'{REF} WHERE (("referrals"."school_urn" = :scope) AND ("referrals"."id" = :id{k})) LIMIT :one;'
            defs.append("scope=100001")
        else:
            n = 1 + random.randint(0, (S - 1) // Z) * Z + random.randint(0, (R - S) // S) * S
            scope_sql, first = f"team_id = '{TEAM1}'", f'{REF} WHERE (("referrals"."team_id" = :scope) AND ("referrals"."id" = :id{k})) LIMIT :one;'
            defs.append(f"scope={TEAM1}")
        rid = uid("00000000", n)
        defs.append(f"id{k}={rid}")
        v = views_for(f"WHERE {scope_sql} AND id = '{rid}'", "LIMIT 1")
        actor, role = ("school-100001", "school") if who == "school" else ("z001-manager", "team_manager")
        cases.append([first] + follow_ups(k, *v, defs)
                     + [audit(actor, role, "get_referral", "GET", "/api/v1/referrals/{id}",
                              [("referral", f"'{rid}'")])])
    write(f"get_referral_{who}", cases, sorted(set(defs)))

# GET /referrals?team_id=T&status=submitted&limit=50 (a page is 51 rows: one more tells if there is a next)
defs = [f"team={TEAM1}", "status=submitted", "limit=51"]
v = views_for(f"WHERE team_id = '{TEAM1}' AND status = 'submitted' AND team_id = '{TEAM1}'",
              "ORDER BY created_at, id LIMIT 51")
first = (f'{REF} WHERE ((("referrals"."team_id" = :team) AND ("referrals"."status" = :status)) '
         'AND ("referrals"."team_id" = :team)) ORDER BY "referrals"."created_at" ASC, "referrals"."id" ASC LIMIT :limit;')
write("list_team_submitted", [[first] + follow_ups(1, *v, defs)
                               + [audit("z001-manager", "team_manager", "list_referrals", "GET", "/api/v1/referrals",
                                        [("referral", f"'{i}'") for i in v[0][:50]])]], defs)

# GET /referrals?updated_since=T&limit=50 as school 1 (bench/delta.lua draws T over the period)
cases, defs = [], ["scope=100001", "limit=51"]
for k in range(1, SAMPLES + 1):
    t = psql(f"SELECT to_char(timestamptz '2023-09-04 08:00Z' + {random.randint(0, 1180 * 86400)} * interval '1 second', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")[0][0]
    defs.append(f"since{k}={t}")
    v = views_for(f"WHERE school_urn = '100001' AND updated_at >= '{t}'", "ORDER BY updated_at, id LIMIT 51")
    first = (f'{REF} WHERE (("referrals"."school_urn" = :scope) AND ("referrals"."updated_at" >= :since{k})) '
             'ORDER BY "referrals"."updated_at" ASC, "referrals"."id" ASC LIMIT :limit;')
    cases.append([first] + follow_ups(k, *v, defs)
                 + [audit("school-100001", "school", "list_referrals", "GET", "/api/v1/referrals",
                          [("referral", f"'{i}'") for i in v[0][:50]])])
write("delta_sync", cases, defs)

# POST /referrals: a new child each time. Ids the server makes client-side
# (uuid v7) come from pgbench's random u. The policy in force is cached by
# the server (routes::ActivePolicy), so it is not read here either.
ZONE1, CHILD = uid("a1000000", 1), "('c00000ee-0000-4000-8000-' || lpad(to_hex(:u::bigint), 12, '0'))::uuid"
RID = "('0000000c-0000-4000-8000-' || lpad(to_hex(:u::bigint), 12, '0'))::uuid"
ELIG = ('{"outcome": "eligible", "pathway": "school_and_community_team", "reasons": [{"code": "in_band", '
        '"areas": ["social_emotional_mental_health"], "detail": "highest level 4 is inside the band 3-4"}], '
        '"policy_version": "2023.1"}')
PRIO = '["highest INDES level 4: +30", "attendance: +8", "risk_of_exclusion: +12"]'
EVENT = ('{"referral_id": "x", "reference": "SCT-2026-000001", "school_urn": "100001", "external_reference": "x", '
         '"status": "submitted", "previous_status": null, "team_id": "x", "worker_id": null, '
         '"closure_outcome": null, "version": 1, "updated_at": "2026-11-28T00:00:00Z"}')
SCHOOL_COLS = ", ".join(f'"schools"."{c}"' for c in (
    "urn name la_code establishment_number phase status postcode zone_id created_at updated_at version "
    "la_name type_name district_code district_name pupil_count open_date close_date "
    "missing_from_extract_at").split())
TEAM_COLS = ('"teams"."id", "teams"."zone_id", "teams"."name", "teams"."operational_from", "teams"."created_at", '
             '"teams"."updated_at", "teams"."version"')
ZONE_COLS = '"zones"."id", "zones"."code", "zones"."name", "zones"."created_at", "zones"."updated_at", "zones"."version"'
# pgbench takes ":name" as a variable even inside quotes: values with colons go in -D
defs = [f"zone={ZONE1}", f"team={TEAM1}", "urn=100001", f"elig={ELIG}", f"prio={PRIO}", f"event={EVENT}",
        "idem_scope=integration:mis-vendor"]
submit = [
    "\\set u random(1, 100000000000)",
    'INSERT INTO "idempotency_keys" ("scope", "key", "fingerprint", "state", "created_at", "expires_at") '
    "VALUES (:idem_scope, 'pgbench-' || :u::text, 'f411eda06837c62f599cfda887092d033271d9a337ca27470eac58d67925ef0f', "
    "'in_progress', now(), now() + interval '24 hours') ON CONFLICT DO NOTHING;",
    "BEGIN;",
    f'SELECT {SCHOOL_COLS} FROM "schools" WHERE ("schools"."urn" = :urn) LIMIT :one;',
    "\\startpipeline",
    'SELECT "referrals"."id", "referrals"."reference" FROM "referrals" WHERE (("referrals"."school_urn" = :urn) '
    'AND ("referrals"."external_reference" = \'PGBENCH-\' || :u::text)) LIMIT :one;',
    f'SELECT {TEAM_COLS} FROM "teams" WHERE ("teams"."zone_id" = :zone) LIMIT :one;',
    f'SELECT {ZONE_COLS} FROM "zones" WHERE ("zones"."id" = :zone) LIMIT :one;',
    "\\endpipeline",
    "\\startpipeline",
    'INSERT INTO "children" ("id", "upn", "given_name", "family_name", "date_of_birth", "year_group", '
    '"sen_provision", "primary_need", "created_at", "updated_at") VALUES '
    f"({CHILD}, 'A' || lpad(:u::text, 12, '0'), 'Sam', 'Example', '2016-03-14', '5', 'K', 'SEMH', now(), now()) "
    'ON CONFLICT ("upn") DO NOTHING RETURNING "children"."id", "children"."upn", "children"."given_name", '
    '"children"."family_name", "children"."date_of_birth", "children"."year_group", "children"."sen_provision", '
    '"children"."primary_need", "children"."created_at", "children"."updated_at";',
    "SELECT nextval('referral_reference_seq');",
    "\\endpipeline",
    'INSERT INTO "referrals" ("id", "reference", "school_urn", "external_reference", "child_id", "status", '
    '"zone_id", "team_id", "triage_reason", "worker_id", "eligibility_outcome", "eligibility", "policy_version", '
    '"priority_band", "priority_score", "priority_reasons", "complicating_factors", "existing_plans", '
    '"sen_provision", "primary_need", "year_group", "consent_given_by", "consent_given_on", "reason", '
    '"decline_reason", "signposting", "closure_outcome", "closure_note", "closed_at", "closed_from", '
    '"submitted_by", "submitted_by_role", "version", "created_at", "updated_at", "submitted_upn", '
    '"submitted_given_name", "submitted_family_name", "submitted_date_of_birth") VALUES '
    f"({RID}, 'SCT-2026-' || currval('referral_reference_seq')::text, :urn, 'PGBENCH-' || :u::text, {CHILD}, "
    "'submitted', :zone, :team, DEFAULT, DEFAULT, "
    "'eligible', :elig, '2023.1', 'high', 50, :prio, '{attendance,risk_of_exclusion}', '{sen_support_plan}', "
    "'K', 'SEMH', '5', 'parent_carer', '2026-11-20', 'Escalating anxiety, attendance falling', DEFAULT, DEFAULT, "
    "DEFAULT, DEFAULT, DEFAULT, DEFAULT, 'mis-vendor', 'integration', 1, now(), now(), "
    "'A' || lpad(:u::text, 12, '0'), 'Sam', 'Example', '2016-03-14');",
    "\\startpipeline",
    f'INSERT INTO "referral_indes_levels" ("referral_id", "area", "level") VALUES ({RID}, \'speech_and_language\', 2), '
    f"({RID}, 'social_emotional_mental_health', 4);",
    'INSERT INTO "referral_history" ("referral_id", "at", "actor", "actor_role", "action", "from_status", '
    '"to_status", "reason", "details", "request_id") VALUES '
    f"({RID}, now(), 'mis-vendor', 'integration', 'submit', DEFAULT, 'submitted', "
    "'Escalating anxiety, attendance falling', '{\"routed_to_team\": \"" + TEAM1 + "\"}', 'pgbench');",
    audit("mis-vendor", "integration", "submit_referral", "POST", "/api/v1/referrals",
          [("referral", RID), ("child", CHILD)], 201),
    'INSERT INTO "outbox_events" ("id", "event_type", "school_urn", "subject_id", "data", "occurred_at") '
    f"VALUES (gen_random_uuid(), 'referral.submitted', :urn, {RID}, :event, now());",
    "\\endpipeline",
    "COMMIT;",
    'UPDATE "idempotency_keys" SET "state" = \'completed\', "response_status" = 201, '
    "\"response_headers\" = '[[\"location\", \"/api/v1/referrals/x\"], [\"etag\", \"\\\"v1\\\"\"]]', "
    "\"response_body\" = convert_to(:elig, 'UTF8') "
    "WHERE ((\"idempotency_keys\".\"scope\" = :idem_scope) AND (\"idempotency_keys\".\"key\" = 'pgbench-' || :u::text));",
]
write("submit_referral", [submit], defs)

# POST /referrals/{id}/accept: targets 0000000b-...-n (bench/targets.sql), If-Match v1.
# Only a reopen reads the policy; the view is built from the locked row.
TID = "('0000000b-0000-4000-8000-' || lpad(to_hex(:n::bigint), 12, '0'))::uuid"
TCHILD = "('c0000000-0000-4000-8000-' || lpad(to_hex(1 + (:n::bigint - 1) % 9000), 12, '0'))::uuid"  # bench/targets.sql
accept = [
    f"\\set n random(1, {TARGETS})",
    "BEGIN;",
    f'{REF} WHERE ("referrals"."id" = {TID}) LIMIT :one FOR UPDATE;',
    'UPDATE "referrals" SET "reference" = \'SCT-BENCH-0000000b-\' || :n::text, "school_urn" = :turn, '
    '"external_reference" = NULL, "child_id" = ' + TCHILD
    + ', "status" = \'accepted\', "zone_id" = :zone, "team_id" = :team, "triage_reason" = NULL, "worker_id" = NULL, '
    '"eligibility_outcome" = \'eligible\', "eligibility" = :elig, "policy_version" = \'2023.1\', '
    '"priority_band" = \'high\', "priority_score" = 48, "priority_reasons" = :prio, '
    '"complicating_factors" = \'{attendance,risk_of_exclusion}\', "existing_plans" = \'{sen_support_plan}\', '
    '"sen_provision" = \'K\', "primary_need" = \'SEMH\', "year_group" = \'5\', "consent_given_by" = \'parent_carer\', '
    '"consent_given_on" = \'2026-11-20\', "reason" = \'Escalating anxiety, attendance falling\', '
    '"decline_reason" = NULL, "signposting" = NULL, "closure_outcome" = NULL, "closure_note" = NULL, '
    '"closed_at" = NULL, "closed_from" = NULL, "submitted_by" = \'mis-1\', "submitted_by_role" = \'integration\', '
    '"version" = 2, "created_at" = now(), "updated_at" = now() WHERE ("referrals"."id" = ' + TID + ");",
    "\\startpipeline",
    'INSERT INTO "referral_history" ("referral_id", "at", "actor", "actor_role", "action", "from_status", '
    f'"to_status", "reason", "details", "request_id") VALUES ({TID}, now(), \'z001-manager\', \'team_manager\', '
    "'accept', 'submitted', 'accepted', DEFAULT, '{}', 'pgbench');",
    audit("z001-manager", "team_manager", "accept_referral", "POST", "/api/v1/referrals/{id}/accept",
          [("referral", TID)]),
    'INSERT INTO "outbox_events" ("id", "event_type", "school_urn", "subject_id", "data", "occurred_at") '
    f"VALUES (gen_random_uuid(), 'referral.status_changed', :turn, {TID}, :event, now());",
    "\\endpipeline",
    "\\startpipeline",
    CHILDREN.format(f"ARRAY[{TCHILD}]") + ";",
    INDES.format(f"ARRAY[{TID}]") + ";",
    ZONES.format(":zones") + ";",
    TEAMS.format(":teams") + ";",
    "\\endpipeline",
    "COMMIT;",
]
defs += [f"zones={{{ZONE1}}}", f"teams={{{TEAM1}}}", "turn=100151"]  # the targets' school
write("accept_referral", [accept], defs)

# GET /reports/referrals?by=status as zone 2's manager (zone 1 holds every
# accept target, all created today): the caller's team and zone, the
# report's aggregate over the last 365 days, the audit row.
report = [
    f'SELECT {TEAM_COLS} FROM "teams" WHERE ("teams"."id" = :team) LIMIT :one;',
    f'SELECT {ZONE_COLS} FROM "zones" WHERE ("zones"."id" = :zone) LIMIT :one;',
    "SELECT NULL::text AS zone_code, NULL::text AS month, r.status AS status, NULL::text AS eligibility_outcome, "
    "NULL::text AS indes_area, NULL::smallint AS indes_level, NULL::text AS school_phase, count(*) AS referrals "
    "FROM referrals r LEFT JOIN zones z ON z.id = r.zone_id LEFT JOIN schools s ON s.urn = r.school_urn "
    "WHERE r.created_at >= :rfrom AND r.created_at < :runtil AND (:zone::uuid IS NULL OR r.zone_id = :zone) "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST, 4 NULLS LAST, "
    "5 NULLS LAST, 6 NULLS LAST, 7 NULLS LAST;",
    AUDIT_COLS + "(now(), 'pgbench', 'z002-manager', 'team_manager', DEFAULT, 'referral_report', 'GET', "
    "'/api/v1/reports/referrals', DEFAULT, DEFAULT, DEFAULT, 200, '{}');",
]
until = psql("SELECT to_char(current_date + 1, 'YYYY-MM-DD')")[0][0]
since = psql("SELECT to_char(current_date - 364, 'YYYY-MM-DD')")[0][0]
write("report_referrals", [report], [f"zone={uid('a1000000', 2)}", f"team={uid('a2000000', 2)}", f"rfrom={since}T00:00:00Z",
                                     f"runtil={until}T00:00:00Z"])
