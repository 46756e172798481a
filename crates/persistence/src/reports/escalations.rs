//! `/reports/escalations`: what became of the children whose referrals
//! closed in the period, as Local First Inclusion counts it, by the zone
//! that held the referral and the highest INDES level at intake, in one
//! statement. Each zone's closures come from `referrals (zone_id, closed_at)
//! WHERE status = 'closed'`; each
//! closure's intake levels, closure reassessment and escalation outcomes
//! from their own index ranges (`referral_indes_levels` by its key,
//! `indes_reassessments (referral_id, …)`, `escalation_outcomes
//! (referral_id, closed_at, months_after_closure)`).

use super::Period;
use crate::StoreResult;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// The closures of one zone at one intake level.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct EscalationReportRow {
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    /// Highest INDES level of any area at intake (NULL: no levels kept,
    /// e.g. after erasure).
    #[diesel(sql_type = Nullable<Integer>)]
    pub intake_level: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
    #[diesel(sql_type = BigInt)]
    pub reassessed_at_closure: i64,
    #[diesel(sql_type = BigInt)]
    pub level_down: i64,
    #[diesel(sql_type = BigInt)]
    pub level_same: i64,
    #[diesel(sql_type = BigInt)]
    pub level_up: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_level_change: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub outcome_recorded: i64,
    #[diesel(sql_type = BigInt)]
    pub followed_up_6_months: i64,
    #[diesel(sql_type = BigInt)]
    pub followed_up_12_months: i64,
    #[diesel(sql_type = BigInt)]
    pub ehc_requested_6_months: i64,
    #[diesel(sql_type = BigInt)]
    pub ehc_requested_12_months: i64,
    #[diesel(sql_type = BigInt)]
    pub specialist_placement_6_months: i64,
    #[diesel(sql_type = BigInt)]
    pub specialist_placement_12_months: i64,
    #[diesel(sql_type = BigInt)]
    pub alternative_provision_6_months: i64,
    #[diesel(sql_type = BigInt)]
    pub alternative_provision_12_months: i64,
    #[diesel(sql_type = BigInt)]
    pub permanent_exclusion_6_months: i64,
    #[diesel(sql_type = BigInt)]
    pub permanent_exclusion_12_months: i64,
}

/// The statement (`$1`/`$2` the period's instants, `$3` the zone or NULL),
/// public so that `tests/e2e/report_plans.rs` can EXPLAIN it.
///
/// An escalation counts "within N months of closure" when an outcome
/// recorded at the closure or at a follow-up at most N months after it
/// shows it (outcomes say what happened since the referral). A window is
/// "followed up" when an outcome was recorded at least N months after the
/// closure: without one, no escalation counted is not evidence of none.
pub const SQL: &str = "SELECT z.code AS zone_code, i.intake_level,
                count(*) AS closed,
                count(k.closure_level) AS reassessed_at_closure,
                count(*) FILTER (WHERE k.closure_level < i.intake_level) AS level_down,
                count(*) FILTER (WHERE k.closure_level = i.intake_level) AS level_same,
                count(*) FILTER (WHERE k.closure_level > i.intake_level) AS level_up,
                avg(k.closure_level - i.intake_level)::float8 AS mean_level_change,
                count(*) FILTER (WHERE e.recorded) AS outcome_recorded,
                count(*) FILTER (WHERE e.observed_6) AS followed_up_6_months,
                count(*) FILTER (WHERE e.observed_12) AS followed_up_12_months,
                count(*) FILTER (WHERE e.ehc_6) AS ehc_requested_6_months,
                count(*) FILTER (WHERE e.ehc_12) AS ehc_requested_12_months,
                count(*) FILTER (WHERE e.specialist_6) AS specialist_placement_6_months,
                count(*) FILTER (WHERE e.specialist_12) AS specialist_placement_12_months,
                count(*) FILTER (WHERE e.ap_6) AS alternative_provision_6_months,
                count(*) FILTER (WHERE e.ap_12) AS alternative_provision_12_months,
                count(*) FILTER (WHERE e.excluded_6) AS permanent_exclusion_6_months,
                count(*) FILTER (WHERE e.excluded_12) AS permanent_exclusion_12_months
         FROM zones z
         CROSS JOIN LATERAL (
             SELECT x.id, x.closed_at
             FROM referrals x
             WHERE x.zone_id = z.id AND x.status = 'closed' AND x.closed_at >= $1 AND x.closed_at < $2
         ) r
         CROSS JOIN LATERAL (
             SELECT max(l.level)::int AS intake_level
             FROM referral_indes_levels l
             WHERE l.referral_id = r.id
         ) i
         CROSS JOIN LATERAL (
             SELECT max(rl.level)::int AS closure_level
             FROM (SELECT a.id FROM indes_reassessments a
                   WHERE a.referral_id = r.id AND a.occasion = 'closure'
                   ORDER BY a.recorded_at DESC, a.id DESC LIMIT 1) a
             JOIN indes_reassessment_levels rl ON rl.reassessment_id = a.id
         ) k
         CROSS JOIN LATERAL (
             SELECT count(*) > 0 AS recorded,
                    coalesce(bool_or(o.months_after_closure >= 6), false) AS observed_6,
                    coalesce(bool_or(o.months_after_closure >= 12), false) AS observed_12,
                    coalesce(bool_or(o.ehc_requested_on IS NOT NULL AND o.months_after_closure <= 6), false) AS ehc_6,
                    coalesce(bool_or(o.ehc_requested_on IS NOT NULL), false) AS ehc_12,
                    coalesce(bool_or(o.placement IN ('state_special_school', 'specialist_resource_base',
                        'independent_non_maintained') AND o.months_after_closure <= 6), false) AS specialist_6,
                    coalesce(bool_or(o.placement IN ('state_special_school', 'specialist_resource_base',
                        'independent_non_maintained')), false) AS specialist_12,
                    coalesce(bool_or(o.placement = 'alternative_provision' AND o.months_after_closure <= 6), false) AS ap_6,
                    coalesce(bool_or(o.placement = 'alternative_provision'), false) AS ap_12,
                    coalesce(bool_or(o.permanent_exclusions > 0 AND o.months_after_closure <= 6), false) AS excluded_6,
                    coalesce(bool_or(o.permanent_exclusions > 0), false) AS excluded_12
             FROM escalation_outcomes o
             WHERE o.referral_id = r.id AND o.closed_at = r.closed_at AND o.months_after_closure <= 12
         ) e
         WHERE ($3::uuid IS NULL OR z.id = $3)
         GROUP BY z.code, i.intake_level
         ORDER BY z.code, i.intake_level NULLS LAST";

/// The referrals closed in the period (still closed now), of `zone` or
/// every zone, grouped by the zone that held them and their highest INDES
/// level at intake: how many, their level movement from intake to the
/// closure's reassessment (highest level of any area), and how many had an
/// EHC needs assessment request, a specialist or independent placement, a
/// move to alternative provision or a permanent exclusion within 6 and 12
/// months of closure, with how many were followed up that long.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn escalations(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
) -> StoreResult<Vec<EscalationReportRow>> {
    super::in_period(conn, SQL, period, zone).await
}
