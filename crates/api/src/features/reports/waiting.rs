//! The waiting list's trend: referrals waiting for acceptance and for
//! allocation, per team per day, from the server's daily snapshot.

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
use chrono::Days;
use chrono::NaiveDate;
use chrono::Utc;
use sct_persistence::waiting as repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One team's waiting list, or the council's triage queue, at the end of a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingRow {
    /// The day (UTC) whose end the counts describe.
    #[schema(example = "2026-11-30")]
    pub day: NaiveDate,
    /// The team's zone; absent for the triage queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Z01")]
    pub zone_code: Option<String>,
    /// The team; absent for the triage queue (referrals no zone's team holds yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub team_id: Option<Uuid>,
    /// The team's name; absent for the triage queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Norwich North School & Community Team")]
    pub team_name: Option<String>,
    /// `team` for a team's list, `triage` for the council's triage queue.
    pub queue: WaitingQueue,
    /// Referrals submitted and not yet accepted or declined.
    #[schema(minimum = 0, example = 4)]
    pub awaiting_acceptance: i32,
    /// Referrals accepted and not yet allocated to a practitioner.
    #[schema(minimum = 0, example = 2)]
    pub awaiting_allocation: i32,
}

/// Which list a row counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WaitingQueue {
    /// A zone team's list.
    Team,
    /// The council's triage queue (no team yet).
    Triage,
}

/// The waiting list per team per day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// Oldest day first; within a day by zone and team, the triage queue last.
    pub rows: Vec<WaitingRow>,
}

tabular! {
    WaitingReport => WaitingRow, "waiting", [
        "day",
        "zone_code",
        "team_id",
        "team_name",
        "queue",
        "awaiting_acceptance",
        "awaiting_allocation",
    ];
}

/// Waiting list trend.
#[utoipa::path(
    tag = "Reports",
    summary = "Waiting list: referrals waiting for acceptance and allocation, per team per day",
    description = "For every complete day (UTC) of the period, one row per team and one for the council's triage queue (la_admin without a zone only): the referrals that, at the end of the day, waited for acceptance (submitted) and for allocation (accepted). The server takes a snapshot of each day once (at start and every hour); a day it missed is filled in from the referrals' history, and a day not yet taken is taken when the report is asked. Today is not complete and has no row. Limits: a referral counts under the team it is routed to now; days more than 400 days back or before the first referral have no rows. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (WaitingReport = "application/json"),
            (String = "text/csv", example = "day,zone_code,team_id,team_name,queue,awaiting_acceptance,awaiting_allocation\r\n2026-11-30,Z01,0192f1c2-3d4e-7f00-8000-000000000000,Norwich North School & Community Team,team,4,2\r\n2026-11-30,,,,triage,1,0\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/waiting")]
pub async fn waiting_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    // The snapshot is written on the primary; the rows are read where
    // reports are read (a standby sees the new day once it has replayed it).
    repo::fill(&mut *state.db.conn().await?, yesterday()).await?;
    let mut conn = state.reads().await?;
    let rows = repo::rows(&mut conn, run.from, run.to, run.zone)
        .await?
        .into_iter()
        .map(|r| WaitingRow {
            queue: if r.team_id.is_some() {
                WaitingQueue::Team
            } else {
                WaitingQueue::Triage
            },
            day: r.day,
            zone_code: r.zone_code,
            team_id: r.team_id,
            team_name: r.team_name,
            awaiting_acceptance: r.awaiting_acceptance,
            awaiting_allocation: r.awaiting_allocation,
        })
        .collect();
    Ok(run.answer::<WaitingReport>(&req, rows, conn.age()))
}

/// The last complete day (UTC).
pub fn yesterday() -> NaiveDate {
    let today = Utc::now().date_naive();
    today.checked_sub_days(Days::new(1)).unwrap_or(today)
}
