//! `/reports/capacity`: each team's and each worker's period of work by
//! function, beside their caseload and its cap, in one statement.
//!
//! Minutes are those the records carry: delivery sessions (individual and
//! group) record a duration; programme sessions a start and end time (when
//! set); school-support sessions a duration (a team's: of its zone's
//! records; a worker's: those they led). Consultations, termly conversations
//! and supervision sessions record no duration and are counted. A worker's sessions and consultations are
//! those they recorded; a team's are all of its own (sessions) or of its
//! zone (consultations, termly conversations, programmes, supervision).
//! Households: a team's row counts its zone's families with a referral open
//! (accepted, allocated or active) or closed in the period, and the distinct
//! adult family members enrolled (or completed) on its zone's programmes
//! with a session in the period; no names.

use super::Period;
use crate::StoreResult;
use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A team's (worker fields `None`) or one worker's period of work.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct CapacityRow {
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub team_id: Uuid,
    #[diesel(sql_type = Text)]
    pub team_name: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub worker_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub job_role: Option<String>,
    #[diesel(sql_type = Nullable<Bool>)]
    pub active: Option<bool>,
    #[diesel(sql_type = BigInt)]
    pub caseload: i64,
    #[diesel(sql_type = BigInt)]
    pub cap: i64,
    #[diesel(sql_type = BigInt)]
    pub individual_sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub individual_minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub group_sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub group_minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub consultations: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub termly_conversations_held: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub programme_sessions: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub programme_minutes: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub supervision_sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub school_support_sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub school_support_minutes: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub families_supported: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub adults_attending_programmes: Option<i64>,
}

/// The statement (its `$n` binds are documented on the function), public
/// so that `tests/e2e/report_plans.rs` can EXPLAIN it.
pub const SQL: &str = "WITH teams_in AS (
             SELECT t.id, t.name, t.zone_id, z.code
             FROM teams t JOIN zones z ON z.id = t.zone_id
             WHERE ($4::uuid IS NULL OR t.zone_id = $4)
         ),
         rows AS (
             SELECT ti.code AS zone_code, ti.id AS team_id, ti.name AS team_name,
                    NULL::uuid AS worker_id, NULL::text AS worker_name, NULL::text AS job_role,
                    NULL::bool AS active, 0 AS ord,
                    (SELECT count(*) FROM referrals r
                      WHERE r.team_id = ti.id AND r.status IN ('allocated', 'active')) AS caseload,
                    (SELECT coalesce(sum(w.caseload_cap), 0) FROM workers w
                      WHERE w.team_id = ti.id AND w.active)::bigint AS cap,
                    d.individual_sessions, d.individual_minutes, d.group_sessions, d.group_minutes,
                    (SELECT count(*) FROM consultations c
                      WHERE c.zone_id = ti.zone_id AND c.held_on BETWEEN $1 AND $2) AS consultations,
                    (SELECT count(*) FROM termly_conversations tc
                      WHERE tc.zone_id = ti.zone_id AND tc.status = 'held'
                        AND tc.held_on BETWEEN $1 AND $2) AS termly_conversations_held,
                    pr.programme_sessions, pr.programme_minutes,
                    (SELECT count(*) FROM practice_sessions p
                      WHERE p.zone_id = ti.zone_id AND p.held_on BETWEEN $1 AND $2) AS supervision_sessions,
                    ss.school_support_sessions, ss.school_support_minutes,
                    (SELECT count(*) FROM families f
                      WHERE f.zone_id = ti.zone_id
                        AND EXISTS (SELECT 1 FROM referrals r
                                     WHERE r.family_id = f.id
                                       AND (r.status IN ('accepted', 'allocated', 'active')
                                            OR (r.status = 'closed' AND r.closed_at >= $1::date
                                                AND r.closed_at < $2::date + 1)))) AS families_supported,
                    (SELECT count(DISTINCT e.family_member_id) FROM programmes p
                      JOIN programme_enrolments e ON e.programme_id = p.id
                      WHERE p.zone_id = ti.zone_id AND p.status <> 'cancelled'
                        AND e.family_member_id IS NOT NULL AND e.status IN ('enrolled', 'completed')
                        AND EXISTS (SELECT 1 FROM programme_sessions s
                                     WHERE s.programme_id = p.id
                                       AND s.session_date BETWEEN $1 AND $2)) AS adults_attending_programmes
             FROM teams_in ti
             CROSS JOIN LATERAL (
                 SELECT count(*) FILTER (WHERE x.format = 'individual') AS individual_sessions,
                        coalesce(sum(x.duration_minutes) FILTER (WHERE x.format = 'individual'), 0)::bigint
                            AS individual_minutes,
                        count(*) FILTER (WHERE x.format = 'group') AS group_sessions,
                        coalesce(sum(x.duration_minutes) FILTER (WHERE x.format = 'group'), 0)::bigint
                            AS group_minutes
                 FROM delivery_sessions x
                 WHERE x.team_id = ti.id AND x.held_on BETWEEN $1 AND $2
             ) d
             CROSS JOIN LATERAL (
                 SELECT count(*) AS programme_sessions,
                        coalesce(sum(extract(epoch FROM (s.ends_at - s.starts_at)) / 60)
                                 FILTER (WHERE s.ends_at > s.starts_at), 0)::bigint AS programme_minutes
                 FROM programmes p
                 JOIN programme_sessions s ON s.programme_id = p.id
                 WHERE p.zone_id = ti.zone_id AND p.status <> 'cancelled'
                   AND s.session_date BETWEEN $1 AND $3
             ) pr
             CROSS JOIN LATERAL (
                 SELECT count(*) AS school_support_sessions,
                        coalesce(sum(x.duration_minutes), 0)::bigint AS school_support_minutes
                 FROM school_support_sessions x
                 JOIN school_support s ON s.id = x.support_id
                 WHERE s.zone_id = ti.zone_id AND x.held_on BETWEEN $1 AND $2
             ) ss
             UNION ALL
             SELECT ti.code, ti.id, ti.name, w.id, w.name, w.job_role, w.active, 1,
                    (SELECT count(*) FROM referrals r
                      WHERE r.worker_id = w.id AND r.status IN ('allocated', 'active')),
                    w.caseload_cap::bigint,
                    d.individual_sessions, d.individual_minutes, d.group_sessions, d.group_minutes,
                    (SELECT count(*) FROM consultations c
                      WHERE c.zone_id = ti.zone_id AND c.held_on BETWEEN $1 AND $2
                        AND c.recorded_by = w.subject),
                    NULL::bigint, NULL::bigint, NULL::bigint,
                    (SELECT count(*) FROM practice_sessions p
                      WHERE p.held_on BETWEEN $1 AND $2
                        AND (p.facilitator_id = w.id
                             OR EXISTS (SELECT 1 FROM practice_attendees a
                                         WHERE a.practice_session_id = p.id AND a.worker_id = w.id))),
                    ss.school_support_sessions, ss.school_support_minutes,
                    NULL::bigint, NULL::bigint
             FROM teams_in ti
             JOIN workers w ON w.team_id = ti.id
             CROSS JOIN LATERAL (
                 SELECT count(*) FILTER (WHERE x.format = 'individual') AS individual_sessions,
                        coalesce(sum(x.duration_minutes) FILTER (WHERE x.format = 'individual'), 0)::bigint
                            AS individual_minutes,
                        count(*) FILTER (WHERE x.format = 'group') AS group_sessions,
                        coalesce(sum(x.duration_minutes) FILTER (WHERE x.format = 'group'), 0)::bigint
                            AS group_minutes
                 FROM delivery_sessions x
                 WHERE x.team_id = ti.id AND x.held_on BETWEEN $1 AND $2 AND x.recorded_by = w.subject
             ) d
             CROSS JOIN LATERAL (
                 SELECT count(*) AS school_support_sessions,
                        coalesce(sum(x.duration_minutes), 0)::bigint AS school_support_minutes
                 FROM school_support_sessions x
                 WHERE x.practitioner_id = w.id AND x.held_on BETWEEN $1 AND $2
             ) ss
         )
         SELECT zone_code, team_id, team_name, worker_id, worker_name, job_role, active,
                caseload, cap, individual_sessions, individual_minutes, group_sessions,
                group_minutes, consultations, termly_conversations_held, programme_sessions,
                programme_minutes, supervision_sessions, school_support_sessions,
                school_support_minutes, families_supported, adults_attending_programmes
         FROM rows
         ORDER BY zone_code, team_name, team_id, ord, worker_name, worker_id";

/// Every team of the zones (or of `zone`), each followed by its workers by
/// name. `[from, to]` are the period's days; `today` bounds programme
/// sessions to those already held.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn capacity(
    conn: &mut AsyncPgConnection,
    period: Period,
    to: NaiveDate,
    today: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<CapacityRow>> {
    let from = period.from.date_naive();
    let held_to = to.min(today);
    Ok(diesel::sql_query(SQL)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Date, _>(held_to)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
        .load(conn)
        .await?)
}
