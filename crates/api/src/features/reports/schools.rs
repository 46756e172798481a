//! Every school's picture: referrals (and per 1,000 pupils), the eligibility
//! mix, escalations since referral, termly conversations, consultations and the school's feedback.

use crate::features::organisation::dto::SchoolStatus;
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
use sct_persistence::reports::schools as repo;
use serde::Serialize;
use utoipa::ToSchema;

/// One school's period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolReportRow {
    /// The school's URN: a setting identifier (a 6-digit URN, or for a
    /// setting beyond GIAS its Ofsted registration number or local id).
    #[schema(example = "121234")]
    pub urn: String,
    /// The school's name (GIAS).
    #[schema(example = "Example Primary School")]
    pub name: String,
    /// The zone the school belongs to.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// Phase of education (GIAS); absent when GIAS has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "Primary")]
    pub phase: Option<String>,
    /// Status now (GIAS).
    pub status: SchoolStatus,
    /// Pupils on roll (GIAS); absent when GIAS has no count.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 420)]
    pub pupils: Option<i32>,
    /// Referrals submitted in the period.
    #[schema(minimum = 0, example = 6)]
    pub referrals: i64,
    /// Referrals per 1,000 pupils on roll (two decimals); absent without a pupil count.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, example = 14.29)]
    pub referrals_per_1000_pupils: Option<f64>,
    /// Of those, screened eligible (within the policy's band).
    #[schema(minimum = 0, example = 4)]
    pub eligible: i64,
    /// Screened below the band.
    #[schema(minimum = 0, example = 1)]
    pub below_threshold: i64,
    /// Screened above the band.
    #[schema(minimum = 0, example = 1)]
    pub above_threshold: i64,
    /// Not enough to screen on.
    #[schema(minimum = 0, example = 0)]
    pub insufficient_information: i64,
    /// Of the period's referrals, those that escalated since: an outcome
    /// recorded at their closure or a follow-up shows an EHC needs
    /// assessment request, a placement outside mainstream or a permanent
    /// exclusion.
    #[schema(minimum = 0, example = 1)]
    pub escalated: i64,
    /// Termly conversations held on a day of the period.
    #[schema(minimum = 0, example = 1)]
    pub termly_conversations_held: i64,
    /// Termly conversations the school declined during the period.
    #[schema(minimum = 0, example = 0)]
    pub termly_conversations_declined: i64,
    /// Consultations held on a day of the period.
    #[schema(minimum = 0, example = 3)]
    pub consultations: i64,
    /// Feedback the school gave during the period (`/feedback`).
    #[schema(minimum = 0, example = 2)]
    pub feedback_responses: i64,
    /// Mean rating (1-5) of that feedback; absent without feedback.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1, maximum = 5, example = 4.5)]
    pub mean_feedback_rating: Option<f64>,
    /// Mean confidence (1-5) to meet the needs in mainstream; absent without feedback.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1, maximum = 5, example = 4.0)]
    pub mean_feedback_confidence: Option<f64>,
}

/// Every school's period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolReport {
    /// The period and zone covered.
    pub scope: ReportScope,
    /// By zone, then URN.
    pub rows: Vec<SchoolReportRow>,
}

tabular! {
    SchoolReport => SchoolReportRow, "schools", [
        "urn",
        "name",
        "zone_code",
        "phase",
        "status",
        "pupils",
        "referrals",
        "referrals_per_1000_pupils",
        "eligible",
        "below_threshold",
        "above_threshold",
        "insufficient_information",
        "escalated",
        "termly_conversations_held",
        "termly_conversations_declined",
        "consultations",
        "feedback_responses",
        "mean_feedback_rating",
        "mean_feedback_confidence",
    ];
}

/// Schools.
#[utoipa::path(
    tag = "Reports",
    summary = "Schools: referrals per 1,000 pupils, eligibility mix, escalations, termly conversations, consultations and feedback",
    description = "One row per school of the council's zones (of `zone` when given), settings beyond GIAS (early-years settings, childminders, other providers, phase `early_years` unless registered with another) included: every open school, and any other that referred in the period. Referrals submitted in the period, per 1,000 pupils on roll (GIAS count; absent without one), by screening outcome, and how many of them escalated since (an outcome recorded at closure or a follow-up with an EHC needs assessment request, a placement outside mainstream or a permanent exclusion); termly conversations held on a day of the period and declined during it; consultations held on a day of the period; the feedback the school gave during the period with its mean rating and mean confidence. A school's zone is its own (GIAS import), not the routing of each referral. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (SchoolReport = "application/json"),
            (String = "text/csv", example = "urn,name,zone_code,phase,status,pupils,referrals,referrals_per_1000_pupils,eligible,below_threshold,above_threshold,insufficient_information,escalated,termly_conversations_held,termly_conversations_declined,consultations,feedback_responses,mean_feedback_rating,mean_feedback_confidence\r\n121234,Example Primary School,Z01,Primary,open,420,6,14.29,4,1,1,0,1,1,0,3,2,4.5,4\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/schools")]
pub async fn schools_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::schools(&mut conn, run.period, run.from, run.to, run.zone).await?;
    let rows = found
        .into_iter()
        .filter_map(|r| {
            Some(SchoolReportRow {
                status: parse_wire(Some(r.status))?,
                referrals_per_1000_pupils: r
                    .pupils
                    .and_then(|n| ratio(r.referrals * 1000, i64::from(n)))
                    .map(round2),
                mean_feedback_rating: r.mean_feedback_rating.map(round2),
                mean_feedback_confidence: r.mean_feedback_confidence.map(round2),
                urn: r.urn,
                name: r.name,
                zone_code: r.zone_code,
                phase: r.phase,
                pupils: r.pupils,
                referrals: r.referrals,
                eligible: r.eligible,
                below_threshold: r.below_threshold,
                above_threshold: r.above_threshold,
                insufficient_information: r.insufficient_information,
                escalated: r.escalated,
                termly_conversations_held: r.termly_conversations_held,
                termly_conversations_declined: r.termly_conversations_declined,
                consultations: r.consultations,
                feedback_responses: r.feedback_responses,
            })
        })
        .collect();
    Ok(run.answer::<SchoolReport>(&req, rows, conn.age()))
}
