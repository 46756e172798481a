//! Management reports: aggregates computed by PostgreSQL over indexes (see
//! the `report_indexes` migration), never by loading referrals into memory.
//!
//! Every report takes a [`Period`] (a half-open range of instants) and an
//! optional zone. The SQL is fixed text with bind parameters; the only
//! dynamic part, the grouping of [`referral_counts`], is assembled from a
//! closed set of column expressions chosen by [`Dimension`].

pub mod capacity;
pub mod escalations;
pub mod practice;
pub mod schools;

use crate::{StoreResult, Wire};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{
    BigInt, Bool, Date, Double, Integer, Nullable, SmallInt, Text, Timestamptz,
};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};
use uuid::Uuid;

/// The instants `[from, until)` a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// Runs a report's fixed SQL over `$1` = the period's start, `$2` its end
/// and `$3` the zone (NULL: every zone).
pub(crate) async fn in_period<R>(
    conn: &mut AsyncPgConnection,
    sql: impl Into<String>,
    period: Period,
    zone: Option<Uuid>,
) -> StoreResult<Vec<R>>
where
    R: QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    Ok(diesel::sql_query(sql)
        .bind::<Timestamptz, _>(period.from)
        .bind::<Timestamptz, _>(period.until)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
        .load(conn)
        .await?)
}

/// A dimension the referral counts can be grouped by, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumString, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Dimension {
    Zone,
    Month,
    Status,
    Eligibility,
    IndesArea,
    IndesLevel,
    SchoolPhase,
}

impl Dimension {
    /// The wire name (`?by=`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The SQL expression of the column, and its NULL stand-in when the
    /// report is not grouped by it.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Self::Zone => ("z.code", "NULL::text"),
            Self::Month => (
                "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
                "NULL::text",
            ),
            Self::Status => ("r.status", "NULL::text"),
            Self::Eligibility => ("r.eligibility_outcome", "NULL::text"),
            Self::IndesArea => ("il.area", "NULL::text"),
            Self::IndesLevel => ("il.level", "NULL::smallint"),
            Self::SchoolPhase => ("s.phase", "NULL::text"),
        }
    }
}

/// One group of the referral counts. Columns the report is not grouped by
/// are NULL.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ReferralCountRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub zone_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub eligibility_outcome: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub indes_area: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub indes_level: Option<i16>,
    #[diesel(sql_type = Nullable<Text>)]
    pub school_phase: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
}

/// Referrals submitted in the period, counted by the given dimensions.
/// Grouped by an INDES dimension, a referral counts once in each of its
/// areas (or levels), so those groups add up to more than the referrals.
pub async fn referral_counts(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
    by: &[Dimension],
) -> StoreResult<Vec<ReferralCountRow>> {
    let indes = by
        .iter()
        .any(|d| matches!(d, Dimension::IndesArea | Dimension::IndesLevel));
    let columns: Vec<String> = Dimension::iter()
        .zip([
            "zone_code",
            "month",
            "status",
            "eligibility_outcome",
            "indes_area",
            "indes_level",
            "school_phase",
        ])
        .map(|(d, alias)| {
            let (expr, null) = d.sql();
            format!("{} AS {alias}", if by.contains(&d) { expr } else { null })
        })
        .collect();
    let count = if indes {
        "count(DISTINCT r.id)"
    } else {
        "count(*)"
    };
    let join_indes = if indes {
        "JOIN referral_indes_levels il ON il.referral_id = r.id"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {columns}, {count} AS referrals
         FROM referrals r
         LEFT JOIN zones z ON z.id = r.zone_id
         LEFT JOIN schools s ON s.urn = r.school_urn
         {join_indes}
         WHERE r.created_at >= $1 AND r.created_at < $2
           AND ($3::uuid IS NULL OR r.zone_id = $3)
         GROUP BY 1, 2, 3, 4, 5, 6, 7
         ORDER BY 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST, 4 NULLS LAST,
                  5 NULLS LAST, 6 NULLS LAST, 7 NULLS LAST",
        columns = columns.join(", "),
    );
    in_period(conn, sql, period, zone).await
}

/// How fast referrals submitted in the period were accepted and allocated,
/// per zone and for all zones together.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ResponsivenessRow {
    /// The zone; `None` with `all_zones` false means referrals of schools
    /// without a zone.
    #[diesel(sql_type = Nullable<Text>)]
    pub zone_code: Option<String>,
    #[diesel(sql_type = Bool)]
    pub all_zones: bool,
    #[diesel(sql_type = BigInt)]
    pub submitted: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub allocated: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub acceptance_median_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub acceptance_p90_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub allocation_median_hours: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub allocation_p90_hours: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = BigInt)]
    pub waiting_beyond_threshold: i64,
}

/// Submission to first acceptance and to first allocation (median and 90th
/// percentile, in hours, from the referral history), and the referrals still
/// waiting (submitted or accepted) with those submitted before
/// `waiting_since` counted as waiting beyond the threshold.
pub async fn responsiveness(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
    waiting_since: DateTime<Utc>,
) -> StoreResult<Vec<ResponsivenessRow>> {
    Ok(diesel::sql_query(
        "WITH scoped AS (
             SELECT r.id, r.zone_id, r.status, r.created_at,
                    (SELECT min(h.at) FROM referral_history h
                      WHERE h.referral_id = r.id AND h.action = 'accept') AS accepted_at,
                    (SELECT min(h.at) FROM referral_history h
                      WHERE h.referral_id = r.id AND h.action = 'allocate') AS allocated_at
             FROM referrals r
             WHERE r.created_at >= $1 AND r.created_at < $2
               AND ($3::uuid IS NULL OR r.zone_id = $3)
         )
         SELECT z.code AS zone_code,
                grouping(z.code) = 1 AS all_zones,
                count(*) AS submitted,
                count(f.accepted_at) AS accepted,
                count(f.allocated_at) AS allocated,
                extract(epoch FROM percentile_cont(0.5) WITHIN GROUP
                    (ORDER BY f.accepted_at - f.created_at))::float8 / 3600 AS acceptance_median_hours,
                extract(epoch FROM percentile_cont(0.9) WITHIN GROUP
                    (ORDER BY f.accepted_at - f.created_at))::float8 / 3600 AS acceptance_p90_hours,
                extract(epoch FROM percentile_cont(0.5) WITHIN GROUP
                    (ORDER BY f.allocated_at - f.created_at))::float8 / 3600 AS allocation_median_hours,
                extract(epoch FROM percentile_cont(0.9) WITHIN GROUP
                    (ORDER BY f.allocated_at - f.created_at))::float8 / 3600 AS allocation_p90_hours,
                count(*) FILTER (WHERE f.status IN ('submitted', 'accepted')) AS waiting,
                count(*) FILTER (WHERE f.status IN ('submitted', 'accepted')
                                   AND f.created_at < $4) AS waiting_beyond_threshold
         FROM scoped f
         LEFT JOIN zones z ON z.id = f.zone_id
         GROUP BY GROUPING SETS ((z.code), ())
         ORDER BY grouping(z.code), z.code NULLS LAST",
    )
    .bind::<Timestamptz, _>(period.from)
    .bind::<Timestamptz, _>(period.until)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
    .bind::<Timestamptz, _>(waiting_since)
    .load(conn)
    .await?)
}

/// A practitioner's caseload against their cap, or (with `worker_id` None)
/// the team's totals.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct CaseloadRow {
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
    #[diesel(sql_type = Nullable<Bool>)]
    pub active: Option<bool>,
    #[diesel(sql_type = BigInt)]
    pub practitioners: i64,
    #[diesel(sql_type = BigInt)]
    pub caseload: i64,
    #[diesel(sql_type = BigInt)]
    pub cap: i64,
    #[diesel(sql_type = BigInt)]
    pub at_or_over_cap: i64,
    #[diesel(sql_type = BigInt)]
    pub closed_in_period: i64,
}

/// Current caseloads (allocated and active referrals) of every practitioner
/// against their cap, with team totals, and the referrals each closed in
/// the period. The cap of a team counts active practitioners only.
pub async fn caseloads(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
) -> StoreResult<Vec<CaseloadRow>> {
    in_period(
        conn,
        "WITH per_worker AS (
             SELECT w.id, w.team_id, w.name, w.active, w.caseload_cap,
                    (SELECT count(*) FROM referrals r
                      WHERE r.worker_id = w.id AND r.status IN ('allocated', 'active')) AS caseload,
                    (SELECT count(*) FROM referrals r
                      WHERE r.worker_id = w.id AND r.status = 'closed'
                        AND r.closed_at >= $1 AND r.closed_at < $2) AS closed_in_period
             FROM workers w
             WHERE w.job_role = 'practitioner'
         )
         SELECT z.code AS zone_code, t.id AS team_id, t.name AS team_name,
                p.id AS worker_id, p.name AS worker_name, p.active AS active,
                count(*) AS practitioners,
                coalesce(sum(p.caseload), 0)::bigint AS caseload,
                coalesce(sum(p.caseload_cap) FILTER (WHERE p.active), 0)::bigint AS cap,
                count(*) FILTER (WHERE p.caseload >= p.caseload_cap) AS at_or_over_cap,
                coalesce(sum(p.closed_in_period), 0)::bigint AS closed_in_period
         FROM per_worker p
         JOIN teams t ON t.id = p.team_id
         JOIN zones z ON z.id = t.zone_id
         WHERE ($3::uuid IS NULL OR t.zone_id = $3)
         GROUP BY GROUPING SETS ((z.code, t.id, t.name),
                                 (z.code, t.id, t.name, p.id, p.name, p.active))
         ORDER BY z.code, t.id, grouping(p.id) DESC, p.name, p.id",
        period,
        zone,
    )
    .await
}

/// Closures in the period by zone and outcome, and for all zones together.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub zone_code: Option<String>,
    #[diesel(sql_type = Bool)]
    pub all_zones: bool,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_days_open: Option<f64>,
}

/// Referrals closed in the period, by outcome, with the median time from
/// submission to closure.
pub async fn outcomes(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
) -> StoreResult<Vec<OutcomeRow>> {
    in_period(
        conn,
        "SELECT z.code AS zone_code,
                grouping(z.code) = 1 AS all_zones,
                r.closure_outcome AS outcome,
                count(*) AS closed,
                extract(epoch FROM percentile_cont(0.5) WITHIN GROUP
                    (ORDER BY r.closed_at - r.created_at))::float8 / 86400 AS median_days_open
         FROM referrals r
         LEFT JOIN zones z ON z.id = r.zone_id
         WHERE r.closed_at >= $1 AND r.closed_at < $2
           AND r.closure_outcome IS NOT NULL
           AND ($3::uuid IS NULL OR r.zone_id = $3)
         GROUP BY GROUPING SETS ((z.code, r.closure_outcome), (r.closure_outcome))
         ORDER BY grouping(z.code), z.code NULLS LAST, r.closure_outcome",
        period,
        zone,
    )
    .await
}

/// Stepped down (towards universal or targeted provision) against stepped
/// up (towards specialist provision) among closures in the period.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct StepChangeRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub zone_code: Option<String>,
    #[diesel(sql_type = Bool)]
    pub all_zones: bool,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
    #[diesel(sql_type = BigInt)]
    pub needs_met: i64,
    #[diesel(sql_type = BigInt)]
    pub stepped_down: i64,
    #[diesel(sql_type = BigInt)]
    pub stepped_up: i64,
}

/// Closures stepped down against stepped up, per zone and for all zones.
pub async fn step_changes(
    conn: &mut AsyncPgConnection,
    period: Period,
    zone: Option<Uuid>,
) -> StoreResult<Vec<StepChangeRow>> {
    in_period(
        conn,
        "SELECT z.code AS zone_code,
                grouping(z.code) = 1 AS all_zones,
                count(*) AS closed,
                count(*) FILTER (WHERE r.closure_outcome = 'needs_met') AS needs_met,
                count(*) FILTER (WHERE r.closure_outcome = 'stepped_down') AS stepped_down,
                count(*) FILTER (WHERE r.closure_outcome = 'stepped_up') AS stepped_up
         FROM referrals r
         LEFT JOIN zones z ON z.id = r.zone_id
         WHERE r.closed_at >= $1 AND r.closed_at < $2
           AND r.closure_outcome IS NOT NULL
           AND ($3::uuid IS NULL OR r.zone_id = $3)
         GROUP BY GROUPING SETS ((z.code), ())
         ORDER BY grouping(z.code), z.code NULLS LAST",
        period,
        zone,
    )
    .await
}

/// One programme's delivery: enrolment now, sessions and attendance in the
/// period.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ProgrammeRow {
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub programme_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub programme_type: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub capacity: i32,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions_held: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub attendance_marks: i64,
}

/// Programmes running at some point of `[from, to]` (days): enrolments by
/// status now, sessions dated in the period up to `today`, and the
/// attendance marked at them.
pub async fn programmes(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<ProgrammeRow>> {
    Ok(diesel::sql_query(
        "SELECT z.code AS zone_code, p.id AS programme_id, p.title, p.programme_type, p.status,
                p.starts_on, p.ends_on, p.capacity,
                coalesce(e.enrolled, 0) AS enrolled, coalesce(e.waiting, 0) AS waiting,
                coalesce(e.completed, 0) AS completed, coalesce(e.cancelled, 0) AS cancelled,
                coalesce(s.held, 0) AS sessions_held,
                coalesce(a.attended, 0) AS attended, coalesce(a.marks, 0) AS attendance_marks
         FROM programmes p
         JOIN zones z ON z.id = p.zone_id
         LEFT JOIN LATERAL (
             SELECT count(*) FILTER (WHERE status = 'enrolled') AS enrolled,
                    count(*) FILTER (WHERE status = 'waiting') AS waiting,
                    count(*) FILTER (WHERE status = 'completed') AS completed,
                    count(*) FILTER (WHERE status = 'cancelled') AS cancelled
             FROM programme_enrolments WHERE programme_id = p.id) e ON true
         LEFT JOIN LATERAL (
             SELECT count(*) AS held FROM programme_sessions
             WHERE programme_id = p.id AND session_date >= $1 AND session_date <= LEAST($2, $3)) s ON true
         LEFT JOIN LATERAL (
             SELECT count(*) FILTER (WHERE pa.status = 'attended') AS attended, count(*) AS marks
             FROM programme_attendance pa JOIN programme_sessions ps ON ps.id = pa.session_id
             WHERE ps.programme_id = p.id AND ps.session_date >= $1 AND ps.session_date <= $2) a ON true
         WHERE p.starts_on <= $2 AND p.ends_on >= $1
           AND ($4::uuid IS NULL OR p.zone_id = $4)
         ORDER BY z.code, p.starts_on, p.id",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Date, _>(today)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
    .load(conn)
    .await?)
}

/// One intervention's delivery and outcomes.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct InterventionRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub intervention_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub mode: String,
    #[diesel(sql_type = Bool)]
    pub active: bool,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub did_not_attend: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    #[diesel(sql_type = BigInt)]
    pub goals_reviewed: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_baseline: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_latest_rating: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_distance_travelled: Option<f64>,
}

/// Per catalogue intervention: referrals (of the zone) whose current plan
/// chooses it; sessions delivered with it in `[from, to]` and their
/// attendance per referral; and, over the current goals of those plans
/// rated in a review dated in the period, the mean baseline, the mean
/// latest rating and the mean distance travelled.
pub async fn interventions(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<InterventionRow>> {
    Ok(diesel::sql_query(
        "WITH plans AS (
             SELECT pi.intervention_id, pi.referral_id
             FROM plan_interventions pi JOIN referrals r ON r.id = pi.referral_id
             WHERE ($3::uuid IS NULL OR r.zone_id = $3)
         ),
         delivered AS (
             SELECT s.intervention_id,
                    count(DISTINCT s.id) AS sessions,
                    count(*) FILTER (WHERE a.status = 'attended') AS attended,
                    count(*) FILTER (WHERE a.status = 'did_not_attend') AS did_not_attend,
                    count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled
             FROM delivery_sessions s
             JOIN session_attendance a ON a.session_id = s.id
             JOIN teams t ON t.id = s.team_id
             WHERE s.intervention_id IS NOT NULL AND s.held_on >= $1 AND s.held_on <= $2
               AND ($3::uuid IS NULL OR t.zone_id = $3)
             GROUP BY s.intervention_id
         ),
         latest AS (
             SELECT DISTINCT ON (g.id) g.id AS goal_id, g.referral_id, g.baseline, rr.rating
             FROM plan_goals g
             JOIN review_ratings rr ON rr.goal_id = g.id
             JOIN plan_reviews pr ON pr.id = rr.review_id
             WHERE g.current AND pr.reviewed_on >= $1 AND pr.reviewed_on <= $2
               AND g.referral_id IN (SELECT referral_id FROM plans)
             ORDER BY g.id, pr.created_at DESC, pr.id DESC
         ),
         outcomes AS (
             SELECT p.intervention_id, count(*) AS goals_reviewed,
                    avg(l.baseline)::float8 AS mean_baseline,
                    avg(l.rating)::float8 AS mean_latest_rating,
                    avg(l.rating - l.baseline)::float8 AS mean_distance_travelled
             FROM plans p JOIN latest l ON l.referral_id = p.referral_id
             GROUP BY p.intervention_id
         ),
         chosen AS (
             SELECT intervention_id, count(*) AS referrals FROM plans GROUP BY intervention_id
         )
         SELECT i.id AS intervention_id, i.name, i.mode, i.active,
                coalesce(c.referrals, 0) AS referrals,
                coalesce(d.sessions, 0) AS sessions,
                coalesce(d.attended, 0) AS attended,
                coalesce(d.did_not_attend, 0) AS did_not_attend,
                coalesce(d.cancelled, 0) AS cancelled,
                coalesce(o.goals_reviewed, 0) AS goals_reviewed,
                o.mean_baseline, o.mean_latest_rating, o.mean_distance_travelled
         FROM interventions i
         LEFT JOIN chosen c ON c.intervention_id = i.id
         LEFT JOIN delivered d ON d.intervention_id = i.id
         LEFT JOIN outcomes o ON o.intervention_id = i.id
         ORDER BY i.name, i.id",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
    .load(conn)
    .await?)
}

/// Referrals by status, for the metrics gauge.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct StatusCount {
    #[diesel(sql_type = Text)]
    pub status: Wire<sct_domain::Status>,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
}

/// Every referral counted by status (an index-only scan of the status index).
pub async fn referrals_by_status(conn: &mut AsyncPgConnection) -> StoreResult<Vec<StatusCount>> {
    Ok(diesel::sql_query(
        "SELECT status, count(*) AS referrals FROM referrals GROUP BY status ORDER BY status",
    )
    .load(conn)
    .await?)
}

/// The id of a zone by its code.
pub async fn zone_id_by_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> StoreResult<Option<Uuid>> {
    use crate::schema::zones;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
    Ok(zones::table
        .filter(zones::code.eq(code))
        .select(zones::id)
        .first(conn)
        .await
        .optional()?)
}
