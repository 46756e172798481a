//! Reports on delivery: programmes and interventions.

use crate::features::delivery::dto::InterventionMode;
use crate::features::reports::common::parse_wire;
use crate::features::reports::common::ratio;
use crate::features::reports::common::round2;
use crate::features::reports::common::InterventionReport;
use crate::features::reports::common::InterventionReportRow;
use crate::features::reports::common::ProgrammeReport;
use crate::features::reports::common::ProgrammeReportRow;
use crate::features::reports::common::ReportParams;
use crate::features::reports::common::ReportRun;
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
use sct_persistence::reports as repo;

/// Programmes.
#[utoipa::path(
    tag = "Reports",
    summary = "Community programmes: enrolment, waiting list, completion and attendance",
    description = "Per programme running at some point of the period (starts on or before `to`, ends on or after `from`), by zone: capacity, families enrolled, waiting, completed and cancelled now, sessions held (dated in the period, up to today), and the attendance marked at the period's sessions with its rate (attended over all marks). `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (ProgrammeReport = "application/json"),
            (String = "text/csv", example = "zone_code,programme_id,title,programme_type,status,starts_on,ends_on,capacity,enrolled,waiting,completed,cancelled,sessions_held,attended,attendance_marks,attendance_rate\r\nZ01,0192f1c2-3d4e-7f00-8000-000000000000,Incredible Years,parenting_programme,running,2026-09-01,2026-12-01,12,12,3,0,1,8,80,96,0.83\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/programmes")]
pub async fn programmes_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let today = Utc::now().date_naive();
    let found = repo::programmes(&mut conn, run.from, run.to, today, run.zone).await?;
    let rows: Vec<ProgrammeReportRow> = found
        .into_iter()
        .filter_map(|r| {
            Some(ProgrammeReportRow {
                programme_type: parse_wire(Some(r.programme_type))?,
                status: parse_wire(Some(r.status))?,
                attendance_rate: ratio(r.attended, r.attendance_marks).map(round2),
                zone_code: r.zone_code,
                programme_id: r.programme_id,
                title: r.title,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                capacity: r.capacity,
                enrolled: r.enrolled,
                waiting: r.waiting,
                completed: r.completed,
                cancelled: r.cancelled,
                sessions_held: r.sessions_held,
                attended: r.attended,
                attendance_marks: r.attendance_marks,
            })
        })
        .collect();
    Ok(run.answer::<ProgrammeReport>(&req, rows, conn.age()))
}

/// Interventions.
#[utoipa::path(
    tag = "Reports",
    summary = "Interventions: delivery, attendance and goal distance travelled",
    description = "Per catalogue intervention: referrals whose support plan chooses it now; sessions delivered with it in the period (a group session counts once) and the attendance per referral at them (attended, did not attend, cancelled); and over the current goals of those plans rated in a review dated in the period, how many, their mean baseline, mean latest rating and mean distance travelled (latest rating minus baseline; a goal counts once per intervention its plan chooses). With a zone, referrals and sessions of that zone only. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (InterventionReport = "application/json"),
            (String = "text/csv", example = "intervention_id,name,mode,active,referrals,sessions,attended,did_not_attend,cancelled,goals_reviewed,mean_baseline,mean_latest_rating,mean_distance_travelled\r\n0192f1c2-3d4e-7f00-8000-000000000000,Emotional literacy support,individual,true,6,30,26,3,1,12,2.5,6,3.5\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/interventions")]
pub async fn interventions_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::interventions(&mut conn, run.from, run.to, run.zone).await?;
    let rows: Vec<InterventionReportRow> = found
        .into_iter()
        .map(|r| InterventionReportRow {
            mode: InterventionMode::from_code(&r.mode),
            intervention_id: r.intervention_id,
            name: r.name,
            active: r.active,
            referrals: r.referrals,
            sessions: r.sessions,
            attended: r.attended,
            did_not_attend: r.did_not_attend,
            cancelled: r.cancelled,
            goals_reviewed: r.goals_reviewed,
            mean_baseline: r.mean_baseline.map(round2),
            mean_latest_rating: r.mean_latest_rating.map(round2),
            mean_distance_travelled: r.mean_distance_travelled.map(round2),
        })
        .collect();
    Ok(run.answer::<InterventionReport>(&req, rows, conn.age()))
}
