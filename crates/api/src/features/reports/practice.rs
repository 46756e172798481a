//! The community of practice's reach: per zone and per locality, the
//! practice sessions held and the settings and partners they reached.

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
use sct_persistence::reports::practice as repo;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A zone's practice sessions (no locality), or those held for one of its localities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeReportRow {
    /// The zone.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// The locality, for a locality's row; absent on the zone's row (every session of the zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub locality_id: Option<Uuid>,
    /// The locality's name, for a locality's row.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Norwich North cluster")]
    pub locality_name: Option<String>,
    /// Practice sessions (community of practice and group supervision) held in the period.
    #[schema(minimum = 0, example = 6)]
    pub meetings: i64,
    /// Distinct settings reached: a member of their staff attended, or a session was held for a locality they belong to.
    #[schema(minimum = 0, example = 9)]
    pub settings_reached: i64,
    /// Distinct partner organisations whose representatives attended.
    #[schema(minimum = 0, example = 3)]
    pub partners_reached: i64,
}

/// The community of practice's reach.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PracticeReport {
    /// The period (of the meetings' dates) and zone covered.
    pub scope: ReportScope,
    /// By zone (the zone's row first), then locality by name.
    pub rows: Vec<PracticeReportRow>,
}

tabular! {
    PracticeReport => PracticeReportRow, "practice", [
        "zone_code",
        "locality_id",
        "locality_name",
        "meetings",
        "settings_reached",
        "partners_reached",
    ];
}

/// Community of practice.
#[utoipa::path(
    tag = "Reports",
    summary = "Community of practice: meetings held and settings and partners reached, per zone and locality",
    description = "Practice sessions (community of practice and group supervision) held in the period (by their date), per zone and per locality. A zone's row (no `locality_id`) counts every session of the zone; a locality's row the sessions held for that locality. A setting is reached by a session when a member of its staff attended it, or when the session was held for a locality the setting belongs to (its settings now: membership is not dated); a partner when one of its representatives attended. Settings and partners are counted once per row however many sessions reached them, so a zone's figures are not the sum of its localities'. Every zone has a row, every locality not retired too (a retired one only with sessions in the period). `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (PracticeReport = "application/json"),
            (String = "text/csv", example = "zone_code,locality_id,locality_name,meetings,settings_reached,partners_reached\r\nZ01,,,6,9,3\r\nZ01,0192f1c2-3d4e-7f00-8000-000000000005,Norwich North cluster,2,5,1\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/practice")]
pub async fn practice_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::practice(&mut conn, run.from, run.to, run.zone).await?;
    let rows = found
        .into_iter()
        .map(|r| PracticeReportRow {
            zone_code: r.zone_code,
            locality_id: r.locality_id,
            locality_name: r.locality_name,
            meetings: r.meetings,
            settings_reached: r.settings_reached,
            partners_reached: r.partners_reached,
        })
        .collect();
    Ok(run.answer::<PracticeReport>(&req, rows, conn.age()))
}
