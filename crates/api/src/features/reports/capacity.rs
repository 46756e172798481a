//! Capacity: each team's and each worker's work in the period by function,
//! beside caseloads and their caps.

use crate::features::organisation::dto::JobRole;
use crate::features::reports::common::parse_wire;
use crate::features::reports::common::ratio;
use crate::features::reports::common::round2;
use crate::features::reports::common::tabular;
use crate::features::reports::common::ReportParams;
use crate::features::reports::common::ReportRun;
use crate::features::reports::common::ReportScope;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::Utc;
use sct_persistence::reports::capacity as repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A team's work in the period (`team_total`), or one worker's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapacityRow {
    /// The team's zone.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// The team.
    pub team_id: Uuid,
    /// The team's name.
    #[schema(example = "Norwich North School & Community Team")]
    pub team_name: String,
    /// Whether the row is the team's (worker fields absent).
    pub team_total: bool,
    /// The worker; absent on a team's row.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_id: Option<Uuid>,
    /// The worker's name; absent on a team's row.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub worker_name: Option<String>,
    /// The worker's job role; absent on a team's row.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub job_role: Option<JobRole>,
    /// Whether the worker takes new work; absent on a team's row.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// Referrals allocated or active now (a team's: all of its referrals).
    #[schema(minimum = 0, example = 12)]
    pub caseload: i64,
    /// Caseload cap (a team's sums its active workers' caps).
    #[schema(minimum = 0, example = 15)]
    pub cap: i64,
    /// Caseload over cap (two decimals); absent when the cap is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 0.8)]
    pub utilisation: Option<f64>,
    /// Individual sessions held in the period (a worker's: those they recorded).
    #[schema(minimum = 0, example = 20)]
    pub individual_sessions: i64,
    /// Their recorded minutes.
    #[schema(minimum = 0, example = 1200)]
    pub individual_minutes: i64,
    /// Group sessions held in the period.
    #[schema(minimum = 0, example = 4)]
    pub group_sessions: i64,
    /// Their recorded minutes.
    #[schema(minimum = 0, example = 360)]
    pub group_minutes: i64,
    /// Consultations held in the period (a team's: of its zone; a worker's: those they recorded). No duration is recorded.
    #[schema(minimum = 0, example = 6)]
    pub consultations: i64,
    /// Termly conversations of the zone held in the period (team rows only). No duration is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 9)]
    pub termly_conversations_held: Option<i64>,
    /// Sessions of the zone's programmes (not cancelled) dated in the period up to today (team rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 8)]
    pub programme_sessions: Option<i64>,
    /// Their minutes, from start and end times where set (team rows only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 720)]
    pub programme_minutes: Option<i64>,
    /// Supervision and community-of-practice sessions held in the period (a team's: of its zone; a worker's: those they facilitated or attended). No duration is recorded.
    #[schema(minimum = 0, example = 2)]
    pub supervision_sessions: i64,
    /// School-support sessions held in the period (a team's: of its zone's records; a worker's: those they led).
    #[schema(minimum = 0, example = 3)]
    pub school_support_sessions: i64,
    /// Their recorded minutes.
    #[schema(minimum = 0, example = 150)]
    pub school_support_minutes: i64,
    /// Households supported: the zone's families with a referral open (accepted, allocated or active) or closed in the period (team rows only). A count, no names.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 7)]
    pub families_supported: Option<i64>,
    /// Distinct adult family members enrolled (or completed) on the zone's programmes (not cancelled) with a session in the period (team rows only; enrolments naming a `family_member_id`). A count, no names.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 5)]
    pub adults_attending_programmes: Option<i64>,
}

/// Work by function against capacity, per team and worker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CapacityReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// Per team: the team's row, then its workers by name.
    pub rows: Vec<CapacityRow>,
}

tabular! {
    CapacityReport => CapacityRow, "capacity", [
        "zone_code",
        "team_id",
        "team_name",
        "team_total",
        "worker_id",
        "worker_name",
        "job_role",
        "active",
        "caseload",
        "cap",
        "utilisation",
        "individual_sessions",
        "individual_minutes",
        "group_sessions",
        "group_minutes",
        "consultations",
        "termly_conversations_held",
        "programme_sessions",
        "programme_minutes",
        "supervision_sessions",
        "school_support_sessions",
        "school_support_minutes",
        "families_supported",
        "adults_attending_programmes",
    ];
}

/// Capacity.
#[utoipa::path(
    tag = "Reports",
    summary = "Capacity: time by function per team and worker, against caseload caps",
    description = "Per team (its row first) and per worker of the team: caseload now against its cap, and the period's work by function. Minutes are those the records carry: individual and group sessions and school-support sessions record a duration, programme sessions a start and end time; consultations, termly conversations and supervision record none and are counted. A worker's sessions and consultations are those they recorded, their supervision sessions those they facilitated or attended, their school-support sessions those they led; a team's are all of its sessions and its zone's consultations, termly conversations, programme sessions (up to today), supervision and school-support sessions; and the households its zone supports: families with a referral open or closed in the period (`families_supported`) and distinct adult family members enrolled on its programmes (`adults_attending_programmes`), counts without names. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (CapacityReport = "application/json"),
            (String = "text/csv", example = "zone_code,team_id,team_name,team_total,worker_id,worker_name,job_role,active,caseload,cap,utilisation,individual_sessions,individual_minutes,group_sessions,group_minutes,consultations,termly_conversations_held,programme_sessions,programme_minutes,supervision_sessions,school_support_sessions,school_support_minutes,families_supported,adults_attending_programmes\r\nZ01,0192f1c2-3d4e-7f00-8000-000000000000,Norwich North School & Community Team,true,,,,,12,15,0.8,20,1200,4,360,6,9,8,720,2,3,150,7,5\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/capacity")]
pub async fn capacity_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let today = Utc::now().date_naive();
    let found = repo::capacity(&mut conn, run.period, run.to, today, run.zone).await?;
    let rows = found
        .into_iter()
        .map(|r| CapacityRow {
            team_total: r.worker_id.is_none(),
            job_role: parse_wire(r.job_role),
            utilisation: ratio(r.caseload, r.cap).map(round2),
            zone_code: r.zone_code,
            team_id: r.team_id,
            team_name: r.team_name,
            worker_id: r.worker_id,
            worker_name: r.worker_name,
            active: r.active,
            caseload: r.caseload,
            cap: r.cap,
            individual_sessions: r.individual_sessions,
            individual_minutes: r.individual_minutes,
            group_sessions: r.group_sessions,
            group_minutes: r.group_minutes,
            consultations: r.consultations,
            termly_conversations_held: r.termly_conversations_held,
            programme_sessions: r.programme_sessions,
            programme_minutes: r.programme_minutes,
            supervision_sessions: r.supervision_sessions,
            school_support_sessions: r.school_support_sessions,
            school_support_minutes: r.school_support_minutes,
            families_supported: r.families_supported,
            adults_attending_programmes: r.adults_attending_programmes,
        })
        .collect();
    Ok(run.answer::<CapacityReport>(&req, rows, conn.age()))
}
