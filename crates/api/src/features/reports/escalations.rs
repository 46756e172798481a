//! Escalations after closure: of the referrals closed in the period, how
//! many led to an EHC needs assessment request, a specialist or independent
//! placement, alternative provision or a permanent exclusion within 6 and
//! 12 months, by zone and intake level, with the level movement.

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
use sct_persistence::reports::escalations as repo;
use serde::Serialize;
use utoipa::ToSchema;

/// The closures of one zone at one intake level.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationReportRow {
    /// The zone whose team held the referrals.
    #[schema(example = "Z01")]
    pub zone_code: String,
    /// Highest INDES level of any area at intake (as submitted or corrected); absent for referrals whose levels are no longer kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 20, example = 3)]
    pub intake_level: Option<i32>,
    /// Referrals closed in the period (and closed still).
    #[schema(minimum = 0, example = 12)]
    pub closed: i64,
    /// Of those, reassessed at closure (INDES levels recorded with the closure).
    #[schema(minimum = 0, example = 10)]
    pub reassessed_at_closure: i64,
    /// Reassessed with a highest level below the intake's.
    #[schema(minimum = 0, example = 6)]
    pub level_down: i64,
    /// Reassessed with the same highest level as at intake.
    #[schema(minimum = 0, example = 3)]
    pub level_same: i64,
    /// Reassessed with a highest level above the intake's.
    #[schema(minimum = 0, example = 1)]
    pub level_up: i64,
    /// Mean change of the highest level from intake to closure (two decimals; negative is improvement); absent when none was reassessed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = -0.5)]
    pub mean_level_change: Option<f64>,
    /// Closures with escalation outcomes recorded (at closure or a follow-up).
    #[schema(minimum = 0, example = 11)]
    pub outcome_recorded: i64,
    /// Closures with an outcome recorded 6 months or more after closure: the 6-month figures are complete for these only.
    #[schema(minimum = 0, example = 8)]
    pub followed_up_6_months: i64,
    /// Closures with an outcome recorded 12 months or more after closure.
    #[schema(minimum = 0, example = 2)]
    pub followed_up_12_months: i64,
    /// An EHC needs assessment requested by 6 months after closure (since the referral).
    #[schema(minimum = 0, example = 1)]
    pub ehc_requested_6_months: i64,
    /// An EHC needs assessment requested by 12 months after closure.
    #[schema(minimum = 0, example = 1)]
    pub ehc_requested_12_months: i64,
    /// A state special school, specialist resource base or independent non-maintained placement by 6 months after closure.
    #[schema(minimum = 0, example = 0)]
    pub specialist_placement_6_months: i64,
    /// The same by 12 months after closure.
    #[schema(minimum = 0, example = 1)]
    pub specialist_placement_12_months: i64,
    /// A move to alternative provision by 6 months after closure.
    #[schema(minimum = 0, example = 0)]
    pub alternative_provision_6_months: i64,
    /// The same by 12 months after closure.
    #[schema(minimum = 0, example = 0)]
    pub alternative_provision_12_months: i64,
    /// A permanent exclusion by 6 months after closure.
    #[schema(minimum = 0, example = 0)]
    pub permanent_exclusion_6_months: i64,
    /// The same by 12 months after closure.
    #[schema(minimum = 0, example = 0)]
    pub permanent_exclusion_12_months: i64,
}

/// Escalations after closure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationReport {
    /// The period (of closure) and zone covered.
    pub scope: ReportScope,
    /// By zone, then intake level.
    pub rows: Vec<EscalationReportRow>,
}

tabular! {
    EscalationReport => EscalationReportRow, "escalations", [
        "zone_code",
        "intake_level",
        "closed",
        "reassessed_at_closure",
        "level_down",
        "level_same",
        "level_up",
        "mean_level_change",
        "outcome_recorded",
        "followed_up_6_months",
        "followed_up_12_months",
        "ehc_requested_6_months",
        "ehc_requested_12_months",
        "specialist_placement_6_months",
        "specialist_placement_12_months",
        "alternative_provision_6_months",
        "alternative_provision_12_months",
        "permanent_exclusion_6_months",
        "permanent_exclusion_12_months",
    ];
}

/// Escalations.
#[utoipa::path(
    tag = "Reports",
    summary = "Escalations: EHC requests, specialist placements and exclusions within 6 and 12 months of closure",
    description = "Of the referrals closed in the period (and closed still), by the zone whose team held them and their highest INDES level at intake: how many; their level movement from intake to the reassessment recorded at closure (highest level of any area); and how many had an EHC needs assessment request, a specialist or independent placement (state special school, specialist resource base, independent non-maintained), a move to alternative provision or a permanent exclusion within 6 and within 12 months of closure. An escalation counts within N months when an outcome recorded at the closure or at a follow-up at most N months after it shows it (outcomes record what happened since the referral). `followed_up_6_months` and `followed_up_12_months` say for how many closures an outcome was recorded that late: for the others, no escalation counted is not evidence of none. A closure is one of the period's escalations, not a cause of them: compare like with like (zone, intake level) and over periods long enough to be followed up. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (EscalationReport = "application/json"),
            (String = "text/csv", example = "zone_code,intake_level,closed,reassessed_at_closure,level_down,level_same,level_up,mean_level_change,outcome_recorded,followed_up_6_months,followed_up_12_months,ehc_requested_6_months,ehc_requested_12_months,specialist_placement_6_months,specialist_placement_12_months,alternative_provision_6_months,alternative_provision_12_months,permanent_exclusion_6_months,permanent_exclusion_12_months\r\nZ01,3,12,10,6,3,1,-0.5,11,8,2,1,1,0,1,0,0,0,0\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/escalations")]
pub async fn escalations_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::escalations(&mut conn, run.period, run.zone).await?;
    let rows = found
        .into_iter()
        .map(|r| EscalationReportRow {
            zone_code: r.zone_code,
            intake_level: r.intake_level,
            closed: r.closed,
            reassessed_at_closure: r.reassessed_at_closure,
            level_down: r.level_down,
            level_same: r.level_same,
            level_up: r.level_up,
            mean_level_change: r.mean_level_change.map(round2),
            outcome_recorded: r.outcome_recorded,
            followed_up_6_months: r.followed_up_6_months,
            followed_up_12_months: r.followed_up_12_months,
            ehc_requested_6_months: r.ehc_requested_6_months,
            ehc_requested_12_months: r.ehc_requested_12_months,
            specialist_placement_6_months: r.specialist_placement_6_months,
            specialist_placement_12_months: r.specialist_placement_12_months,
            alternative_provision_6_months: r.alternative_provision_6_months,
            alternative_provision_12_months: r.alternative_provision_12_months,
            permanent_exclusion_6_months: r.permanent_exclusion_6_months,
            permanent_exclusion_12_months: r.permanent_exclusion_12_months,
        })
        .collect();
    Ok(run.answer::<EscalationReport>(&req, rows, conn.age()))
}
