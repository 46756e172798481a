//! What every report shares: the period and zone parameters, the caller's
//! reach, and the JSON or CSV answer.

use crate::features::community::programmes::ProgrammeStatus;
use crate::features::community::programmes::ProgrammeType;
use crate::features::delivery::dto::InterventionMode;
use crate::features::referrals::dto::ClosureOutcome;
use crate::features::referrals::dto::EligibilityOutcome;
use crate::features::referrals::dto::IndesArea;
use crate::features::referrals::dto::ReferralStatus;
use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::respond::with_age;
use crate::http::state::AppState;
use actix_web::http::header;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::Days;
use chrono::NaiveDate;
use chrono::NaiveTime;
use chrono::Utc;
use sct_domain::Role;
use sct_persistence::organisation;
use sct_persistence::reports as repo;
use sct_persistence::reports::Dimension;
use sct_persistence::reports::Period;
use sct_persistence::StoreError;
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa::ToSchema;
use uuid::Uuid;

const READERS: &[Role] = &[Role::LaAdmin, Role::TeamManager];
/// The longest period a report may cover.
const MAX_PERIOD_DAYS: i64 = 3660;

/// Period and zone, shared by every report.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day of the period, inclusive (UTC); not after `to` (400 `invalid_parameter`). Default: 364 days before `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (UTC). Default: today.
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
    /// Limit the report to one zone, by code. A team manager may name only the zone of their team (another answers 404) and is limited to it by default.
    #[param(pattern = "^[A-Z0-9][A-Z0-9-]{0,31}$", example = "Z01")]
    pub zone: Option<String>,
}

/// Parameters of the referrals report.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReferralReportParams {
    /// First day of the period, inclusive (UTC); not after `to` (400 `invalid_parameter`). Default: 364 days before `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (UTC). Default: today.
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
    /// Limit the report to one zone, by code (team managers: their own zone only).
    #[param(pattern = "^[A-Z0-9][A-Z0-9-]{0,31}$", example = "Z01")]
    pub zone: Option<String>,
    /// Comma-separated dimensions to count by, at most four of `zone`, `month`, `status`, `eligibility`, `indes_area`, `indes_level`, `school_phase`. Default `zone`.
    #[param(example = "zone,status")]
    pub by: Option<String>,
}

/// Parameters of the responsiveness report.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponsivenessParams {
    /// First day of the period of submission, inclusive (UTC); not after `to` (400 `invalid_parameter`). Default: 364 days before `to`.
    #[param(example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    /// Last day of the period of submission, inclusive (UTC). Default: today.
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
    /// Limit the report to one zone, by code (team managers: their own zone only).
    #[param(pattern = "^[A-Z0-9][A-Z0-9-]{0,31}$", example = "Z01")]
    pub zone: Option<String>,
    /// Days after submission beyond which a referral still waiting is counted in `waiting_beyond_threshold`. Default: `SCT_REPORT_WAITING_DAYS` (10).
    #[param(minimum = 1, maximum = 365, example = 10)]
    pub waiting_days: Option<u32>,
}

/// The period and zone a report covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportScope {
    /// First day of the period, inclusive (UTC); not after `to` (400 `invalid_parameter`).
    #[schema(example = "2026-01-01")]
    pub from: NaiveDate,
    /// Last day of the period, inclusive (UTC).
    #[schema(example = "2026-12-31")]
    pub to: NaiveDate,
    /// The zone the report is limited to; absent when it covers every zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Z01")]
    #[schema(nullable = false)]
    pub zone: Option<String>,
    /// When the report was computed.
    pub generated_at: DateTime<Utc>,
}

/// A dimension the referrals report counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportDimension {
    /// The zone the referral is routed to.
    Zone,
    /// Month of submission, `YYYY-MM` (UTC).
    Month,
    /// Current status.
    Status,
    /// Screening outcome.
    Eligibility,
    /// INDES area of need (a referral counts once per area it scores).
    IndesArea,
    /// INDES level (a referral counts once per level among its areas).
    IndesLevel,
    /// Phase of education of the referring school.
    SchoolPhase,
}

impl From<Dimension> for ReportDimension {
    fn from(d: Dimension) -> Self {
        match d {
            Dimension::Zone => Self::Zone,
            Dimension::Month => Self::Month,
            Dimension::Status => Self::Status,
            Dimension::Eligibility => Self::Eligibility,
            Dimension::IndesArea => Self::IndesArea,
            Dimension::IndesLevel => Self::IndesLevel,
            Dimension::SchoolPhase => Self::SchoolPhase,
        }
    }
}

/// One group of referrals. Only the fields of the dimensions the report is
/// grouped by are present (absent also when the value is unknown, e.g. a school
/// without a zone or a phase), followed by the count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralCount {
    /// Zone code (grouped by `zone`).
    #[schema(example = "Z01")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_code: Option<String>,
    /// Month of submission, `YYYY-MM` (grouped by `month`).
    #[schema(example = "2026-11")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub month: Option<String>,
    /// Current status (grouped by `status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<ReferralStatus>,
    /// Screening outcome (grouped by `eligibility`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub eligibility_outcome: Option<EligibilityOutcome>,
    /// INDES area of need (grouped by `indes_area`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub indes_area: Option<IndesArea>,
    /// INDES level (grouped by `indes_level`).
    #[schema(example = 4)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub indes_level: Option<i16>,
    /// Phase of education of the school, as GIAS names it (grouped by `school_phase`).
    #[schema(example = "Primary")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub school_phase: Option<String>,
    /// Referrals submitted in the period in this group.
    #[schema(example = 12)]
    pub referrals: i64,
}

/// Referrals submitted in the period, counted by the requested dimensions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// The dimensions the rows are grouped by, in column order.
    pub by: Vec<ReportDimension>,
    /// One row per group, ordered by the grouping columns.
    pub rows: Vec<ReferralCount>,
}

/// How fast a zone's referrals were accepted and allocated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponsivenessRow {
    /// Zone code; absent with `all_zones` false for schools without a zone, and with `all_zones` true on the total row.
    #[schema(example = "Z01")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_code: Option<String>,
    /// Whether this row totals every zone in scope.
    pub all_zones: bool,
    /// Referrals submitted in the period.
    pub submitted: i64,
    /// Of those, accepted at least once.
    pub accepted: i64,
    /// Of those, allocated to a practitioner at least once.
    pub allocated: i64,
    /// Median hours from submission to first acceptance.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub acceptance_median_hours: Option<f64>,
    /// 90th percentile of hours from submission to first acceptance.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub acceptance_p90_hours: Option<f64>,
    /// Median hours from submission to first allocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub allocation_median_hours: Option<f64>,
    /// 90th percentile of hours from submission to first allocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub allocation_p90_hours: Option<f64>,
    /// Referrals still waiting for acceptance or allocation (status submitted or accepted).
    pub waiting: i64,
    /// Of those, submitted more than `waiting_days` days ago.
    pub waiting_beyond_threshold: i64,
}

/// Submission to acceptance and to allocation, and referrals waiting too long.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponsivenessReport {
    /// The period of submission and zone covered.
    pub scope: ReportScope,
    /// The threshold, in days since submission, of `waiting_beyond_threshold`.
    pub waiting_days: u32,
    /// One row per zone, then the total over all zones in scope.
    pub rows: Vec<ResponsivenessRow>,
}

/// A practitioner's caseload against their cap, or a team's totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseloadRow {
    /// Zone code of the team.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// The team.
    pub team_id: Uuid,
    /// The team's name.
    pub team_name: String,
    /// Whether this row totals the team (worker fields are then absent).
    pub team_total: bool,
    /// The practitioner (absent on a team total).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_id: Option<Uuid>,
    /// The practitioner's name (absent on a team total).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_name: Option<String>,
    /// Whether the practitioner takes new work (absent on a team total).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// Practitioners counted (1 on a worker row).
    pub practitioners: i64,
    /// Referrals allocated or active now.
    pub caseload: i64,
    /// Caseload cap (a team's cap sums its active practitioners' caps).
    pub cap: i64,
    /// Caseload as a share of the cap (absent when the cap is 0).
    #[schema(example = 0.8)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub utilisation: Option<f64>,
    /// Practitioners at or over their cap.
    pub at_or_over_cap: i64,
    /// Referrals the practitioner (or team) closed in the period.
    pub closed_in_period: i64,
}

/// Caseloads against caps now, per team and practitioner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseloadReport {
    /// The period (for `closed_in_period`) and zone covered.
    pub scope: ReportScope,
    /// Per team: the team's total, then its practitioners by name.
    pub rows: Vec<CaseloadRow>,
}

/// Closures with one outcome in a zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeRow {
    /// Zone code; absent with `all_zones` true on the totals.
    #[schema(example = "Z01")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_code: Option<String>,
    /// Whether this row totals every zone in scope.
    pub all_zones: bool,
    /// How the referrals ended.
    pub outcome: ClosureOutcome,
    /// Referrals closed in the period with this outcome.
    pub closed: i64,
    /// Median days from submission to closure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub median_days_open: Option<f64>,
}

/// Outcomes at closure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeReport {
    /// The period of closure and zone covered.
    pub scope: ReportScope,
    /// Per zone and outcome, then per outcome over all zones.
    pub rows: Vec<OutcomeRow>,
}

/// Stepped down against stepped up in a zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepChangeRow {
    /// Zone code; absent with `all_zones` true on the total row.
    #[schema(example = "Z01")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub zone_code: Option<String>,
    /// Whether this row totals every zone in scope.
    pub all_zones: bool,
    /// Referrals closed in the period.
    pub closed: i64,
    /// Closed with needs met.
    pub needs_met: i64,
    /// Closed stepping down to universal or SEN Support provision.
    pub stepped_down: i64,
    /// Closed stepping up towards specialist provision (escalation).
    pub stepped_up: i64,
    /// `stepped_down - stepped_up` among these closures: a count of
    /// closure outcomes, not a measure of spend or of demand avoided.
    pub net_stepped_down: i64,
    /// Share of closures that stepped down (absent with no closures).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub stepped_down_share: Option<f64>,
    /// Share of closures that stepped up (absent with no closures).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub stepped_up_share: Option<f64>,
}

/// Closures that stepped down against closures that stepped up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepChangeReport {
    /// The period of closure and zone covered.
    pub scope: ReportScope,
    /// One row per zone, then the total over all zones in scope.
    pub rows: Vec<StepChangeRow>,
}

/// One community programme's delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeReportRow {
    /// Zone code of the programme.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// The programme.
    pub programme_id: Uuid,
    /// Its title.
    pub title: String,
    /// Kind of programme.
    pub programme_type: ProgrammeType,
    /// Its status now.
    pub status: ProgrammeStatus,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Places.
    pub capacity: i32,
    /// Families enrolled now.
    pub enrolled: i64,
    /// Families on the waiting list now.
    pub waiting: i64,
    /// Families who completed it.
    pub completed: i64,
    /// Enrolments cancelled.
    pub cancelled: i64,
    /// Sessions dated in the period, up to today.
    pub sessions_held: i64,
    /// Attendance marks `attended` at sessions in the period.
    pub attended: i64,
    /// Attendance marks of any kind at sessions in the period.
    pub attendance_marks: i64,
    /// `attended` / `attendance_marks`; absent without marks.
    #[schema(example = 0.75)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attendance_rate: Option<f64>,
}

/// What community programmes delivered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// One row per programme running at some point of the period, by zone, start and id.
    pub rows: Vec<ProgrammeReportRow>,
}

/// One catalogue intervention's delivery and outcomes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterventionReportRow {
    /// The intervention.
    pub intervention_id: Uuid,
    /// Its name.
    pub name: String,
    /// How it is delivered.
    pub mode: InterventionMode,
    /// Whether it is offered now.
    pub active: bool,
    /// Referrals (of the zone) whose support plan chooses it now.
    pub referrals: i64,
    /// Sessions delivered with it in the period (a group session counts once).
    pub sessions: i64,
    /// Attendance per referral at those sessions: attended.
    pub attended: i64,
    /// Did not attend.
    pub did_not_attend: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Current goals of those plans rated in a review dated in the period.
    pub goals_reviewed: i64,
    /// Mean baseline of those goals (0-10).
    #[schema(example = 2.5)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mean_baseline: Option<f64>,
    /// Mean of their latest rating in the period (0-10).
    #[schema(example = 6.0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mean_latest_rating: Option<f64>,
    /// Mean of latest rating minus baseline.
    #[schema(example = 3.5)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mean_distance_travelled: Option<f64>,
}

/// What interventions delivered and whether it helped.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterventionReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// One row per catalogue intervention, by name.
    pub rows: Vec<InterventionReportRow>,
}

pub(crate) fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParameter, detail)
}

/// The period `[from, to]` as dates and as instants.
pub(crate) fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate, Period), ApiError> {
    let to = to.unwrap_or_else(|| Utc::now().date_naive());
    let from = match from {
        Some(f) => f,
        None => to
            .checked_sub_days(Days::new(364))
            .ok_or_else(|| bad("to is out of range"))?,
    };
    if from > to {
        return Err(bad("from must not be after to"));
    }
    if (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(bad("the period may cover at most ten years"));
    }
    let until = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| bad("to is out of range"))?;
    Ok((
        from,
        to,
        Period {
            from: from.and_time(NaiveTime::MIN).and_utc(),
            until: until.and_time(NaiveTime::MIN).and_utc(),
        },
    ))
}

/// The zone a caller's report covers: `None` for every zone.
pub(crate) async fn report_zone(
    state: &AppState,
    caller: &Caller,
    zone: Option<&str>,
) -> Result<Option<(Uuid, String)>, ApiError> {
    only(caller, READERS)?;
    let mut conn = state.db.conn().await?;
    let named = match zone {
        Some(code) => match repo::zone_id_by_code(&mut conn, code).await? {
            Some(id) => Some((id, code.to_owned())),
            None => return Err(ApiError::not_found()),
        },
        None => None,
    };
    if caller.role == Role::LaAdmin {
        return Ok(named);
    }
    // A team manager: the zone of their team, and nothing else.
    let team = match caller.team_id {
        Some(t) => organisation::get_team(&mut conn, t)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ApiError::not_found(),
                other => other.into(),
            })?,
        None => return Err(ApiError::not_found()),
    };
    match named {
        Some((id, code)) if id == team.zone_id => Ok(Some((id, code))),
        Some(_) => Err(ApiError::not_found()),
        None => {
            let z = organisation::get_zone(&mut conn, team.zone_id).await?;
            Ok(Some((z.id, z.code)))
        }
    }
}

pub(crate) fn scope(from: NaiveDate, to: NaiveDate, zone: Option<&(Uuid, String)>) -> ReportScope {
    ReportScope {
        from,
        to,
        zone: zone.map(|z| z.1.clone()),
        generated_at: sct_persistence::now(),
    }
}

/// What every report starts from: the period asked for (a year to `to` by
/// default, at most ten years), and the zone the caller may read
/// (`la_admin` any or all, a team manager their team's only).
pub(crate) struct ReportRun {
    /// The period and zone as the answer states them.
    pub(crate) scope: ReportScope,
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
    pub(crate) period: Period,
    /// The zone to report on; `None` for every zone (la_admin only).
    pub(crate) zone: Option<Uuid>,
}

impl ReportRun {
    /// Checks the caller, the period and the zone of a report.
    ///
    /// # Errors
    /// 403 for a role that reads no report, 400 for a bad period, 404 for a
    /// zone that does not exist or is not the caller's.
    pub(crate) async fn open(
        state: &AppState,
        caller: &Caller,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        zone: Option<&str>,
    ) -> Result<Self, ApiError> {
        let (from, to, period) = period(from, to)?;
        let zone = report_zone(state, caller, zone).await?;
        Ok(Self {
            scope: scope(from, to, zone.as_ref()),
            from,
            to,
            period,
            zone: zone.map(|z| z.0),
        })
    }

    /// The report of `rows` over this run's scope, as JSON or CSV
    /// ([`answer`]), with `Age` when it was read from a standby of that age.
    pub(crate) fn answer<R: ScopedRows>(
        self,
        req: &HttpRequest,
        rows: Vec<R::Row>,
        age: Option<u32>,
    ) -> HttpResponse {
        with_age(answer(req, &R::new(self.scope, rows)), age)
    }
}

/// A report with rows: its name (the CSV file's) and its CSV columns.
pub(crate) trait Tabular: Serialize {
    type Row: Serialize;
    const NAME: &'static str;
    const COLUMNS: &'static [&'static str];
    fn rows(&self) -> &[Self::Row];
}

/// A report that is its scope and its rows and nothing else.
pub(crate) trait ScopedRows: Tabular {
    fn new(scope: ReportScope, rows: Vec<Self::Row>) -> Self;
}

/// Implements [`Tabular`] for a report struct with `rows`, and
/// [`ScopedRows`] too when the struct is `{ scope, rows }` (the form without
/// `+ more`).
macro_rules! tabular {
    ($($report:ty => $row:ty, $name:literal, $columns:expr $(, + $more:ident)?;)+) => {$(
        impl $crate::features::reports::common::Tabular for $report {
            type Row = $row;
            const NAME: &'static str = $name;
            const COLUMNS: &'static [&'static str] = &$columns;
            fn rows(&self) -> &[$row] {
                &self.rows
            }
        }
        $crate::features::reports::common::tabular!(@scoped $report, $row $(, $more)?);
    )+};
    (@scoped $report:ty, $row:ty) => {
        impl $crate::features::reports::common::ScopedRows for $report {
            fn new(
                scope: $crate::features::reports::common::ReportScope,
                rows: Vec<$row>,
            ) -> Self {
                Self { scope, rows }
            }
        }
    };
    (@scoped $report:ty, $row:ty, $more:ident) => {};
}
pub(crate) use tabular;

/// The report as JSON, or as CSV when the client accepts `text/csv`.
pub(crate) fn answer<R: Tabular>(req: &HttpRequest, report: &R) -> HttpResponse {
    respond(req, R::NAME, report, R::COLUMNS, &values(report.rows()))
}

pub(crate) fn parse_dimensions(by: Option<&str>) -> Result<Vec<Dimension>, ApiError> {
    let Some(by) = by else {
        return Ok(vec![Dimension::Zone]);
    };
    let mut out = Vec::new();
    for name in by.split(',').map(str::trim) {
        let d = Dimension::parse(name).ok_or_else(|| {
            bad(format!(
                "by: unknown dimension {name:?}; use zone, month, status, eligibility, indes_area, indes_level or school_phase"
            ))
        })?;
        if out.contains(&d) {
            return Err(bad(format!("by: {name} is given twice")));
        }
        out.push(d);
    }
    if out.len() > 4 {
        return Err(bad("by: at most four dimensions"));
    }
    Ok(out)
}

/// Whether the client asked for CSV.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|m| m.split(';').next())
        .any(|m| m.trim().eq_ignore_ascii_case("text/csv"))
}

/// One CSV cell: quoted when needed, and a leading formula character
/// neutralised so that a spreadsheet never runs a cell.
fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = if v.is_string() && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The rows as CSV: a header row of `columns`, then one line per row.
fn to_csv(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| csv_cell(row.get(*c).unwrap_or(&Value::Null)))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Answers JSON, or CSV of `rows` with `columns` when the client asked.
pub(crate) fn respond<T: Serialize>(
    req: &HttpRequest,
    name: &str,
    report: &T,
    columns: &[&str],
    rows: &[Value],
) -> HttpResponse {
    if wants_csv(req) {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::VARY, "Accept"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"sct-{name}.csv\""),
            ))
            .body(to_csv(columns, rows))
    } else {
        HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(report)
    }
}

pub(crate) fn values<T: Serialize>(rows: &[T]) -> Vec<Value> {
    rows.iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect()
}

pub(crate) fn ratio(part: i64, whole: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (whole > 0).then(|| part as f64 / whole as f64)
}

pub(crate) fn parse_wire<T: for<'de> Deserialize<'de>>(s: Option<String>) -> Option<T> {
    s.and_then(|s| serde_json::from_value(Value::String(s)).ok())
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let rows = vec![json!({"a": "x,y", "b": "=SUM(A1)", "c": null, "d": 3})];
        let csv = to_csv(&["a", "b", "c", "d"], &rows);
        assert_eq!(csv, "a,b,c,d\r\n\"x,y\",'=SUM(A1),,3\r\n");
        assert_eq!(csv_cell(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell(&json!(-1)), "-1");
    }

    #[test]
    fn periods_default_to_a_year_and_refuse_inverted_ranges() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let (from, to, p) = period(None, Some(d("2026-12-31"))).expect("ok");
        assert_eq!(from, d("2026-01-01"));
        assert_eq!(to, d("2026-12-31"));
        assert_eq!(p.until.date_naive(), d("2027-01-01"));
        assert!(period(Some(d("2026-02-01")), Some(d("2026-01-01"))).is_err());
        assert!(period(Some(d("1990-01-01")), Some(d("2026-01-01"))).is_err());
    }

    #[test]
    fn dimensions_parse_and_refuse_unknown_or_repeated_names() {
        assert_eq!(parse_dimensions(None).expect("ok"), vec![Dimension::Zone]);
        assert_eq!(
            parse_dimensions(Some("month, status")).expect("ok"),
            vec![Dimension::Month, Dimension::Status]
        );
        assert!(parse_dimensions(Some("zone,zone")).is_err());
        assert!(parse_dimensions(Some("child_name")).is_err());
        assert!(parse_dimensions(Some("zone,month,status,eligibility,school_phase")).is_err());
    }
}
