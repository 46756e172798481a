//! `/reports/schools`: every school of the council's zones (or of one zone)
//! with what the period held for it, in one statement. Each school's figures
//! come from its own index range (`referrals (school_urn, created_at, id)`,
//! `consultations (school_urn, id)`, `termly_conversations (school_urn, id)`,
//! `school_feedback (school_urn, about, item_id)`, and each referral's
//! escalation outcomes by `escalation_outcomes (referral_id, …)`), so one zone's schools
//! cost one small lookup each.

use super::Period;
use crate::StoreResult;
use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// One school's figures for the period.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SchoolReportRow {
    #[diesel(sql_type = Text)]
    pub urn: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub phase: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub pupils: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
    #[diesel(sql_type = BigInt)]
    pub eligible: i64,
    #[diesel(sql_type = BigInt)]
    pub below_threshold: i64,
    #[diesel(sql_type = BigInt)]
    pub above_threshold: i64,
    #[diesel(sql_type = BigInt)]
    pub insufficient_information: i64,
    #[diesel(sql_type = BigInt)]
    pub escalated: i64,
    #[diesel(sql_type = BigInt)]
    pub termly_conversations_held: i64,
    #[diesel(sql_type = BigInt)]
    pub termly_conversations_declined: i64,
    #[diesel(sql_type = BigInt)]
    pub consultations: i64,
    #[diesel(sql_type = BigInt)]
    pub feedback_responses: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_feedback_rating: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_feedback_confidence: Option<f64>,
}

/// The statement (its `$n` binds are documented on the function), public
/// so that `tests/e2e/report_plans.rs` can EXPLAIN it.
pub const SQL: &str = "SELECT s.urn, s.name, z.code AS zone_code, s.phase, s.status, s.pupil_count AS pupils,
                r.referrals, r.eligible, r.below_threshold, r.above_threshold,
                r.insufficient_information, r.escalated,
                t.held AS termly_conversations_held, t.declined AS termly_conversations_declined,
                c.consultations,
                f.responses AS feedback_responses, f.rating AS mean_feedback_rating,
                f.confidence AS mean_feedback_confidence
         FROM schools s
         JOIN zones z ON z.id = s.zone_id
         CROSS JOIN LATERAL (
             SELECT count(*) AS referrals,
                    count(*) FILTER (WHERE x.eligibility_outcome = 'eligible') AS eligible,
                    count(*) FILTER (WHERE x.eligibility_outcome = 'below_threshold') AS below_threshold,
                    count(*) FILTER (WHERE x.eligibility_outcome = 'above_threshold') AS above_threshold,
                    count(*) FILTER (WHERE x.eligibility_outcome = 'insufficient_information')
                        AS insufficient_information,
                    count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM escalation_outcomes o
                        WHERE o.referral_id = x.id
                          AND (o.ehc_requested_on IS NOT NULL OR o.placement <> 'mainstream_kept'
                               OR o.permanent_exclusions > 0))) AS escalated
             FROM referrals x
             WHERE x.school_urn = s.urn AND x.created_at >= $1 AND x.created_at < $2
         ) r
         CROSS JOIN LATERAL (
             SELECT count(*) FILTER (WHERE x.status = 'held' AND x.held_on BETWEEN $3 AND $4) AS held,
                    count(*) FILTER (WHERE x.status = 'declined'
                                       AND x.updated_at >= $1 AND x.updated_at < $2) AS declined
             FROM termly_conversations x
             WHERE x.school_urn = s.urn
         ) t
         CROSS JOIN LATERAL (
             SELECT count(*) AS consultations
             FROM consultations x
             WHERE x.school_urn = s.urn AND x.held_on BETWEEN $3 AND $4
         ) c
         CROSS JOIN LATERAL (
             SELECT count(*) AS responses, avg(x.rating)::float8 AS rating,
                    avg(x.confidence)::float8 AS confidence
             FROM school_feedback x
             WHERE x.school_urn = s.urn AND x.created_at >= $1 AND x.created_at < $2
         ) f
         WHERE ($5::uuid IS NULL OR s.zone_id = $5)
           AND (s.status = 'open' OR r.referrals > 0)
         ORDER BY z.code, s.urn";

/// Every school with a zone (or of `zone`), open ones and any other that
/// referred in the period, by zone then URN: referrals submitted in the
/// period by screening outcome, and how many of those escalated since (an
/// outcome recorded at a closure or follow-up with an EHC needs assessment
/// request, a placement outside mainstream or a permanent exclusion); termly conversations held (dated in the
/// period) or declined (declined during it); consultations dated in the
/// period; feedback given in it, with its mean rating and confidence.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn schools(
    conn: &mut AsyncPgConnection,
    period: Period,
    from: NaiveDate,
    to: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<SchoolReportRow>> {
    Ok(diesel::sql_query(SQL)
        .bind::<Timestamptz, _>(period.from)
        .bind::<Timestamptz, _>(period.until)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
        .load(conn)
        .await?)
}
