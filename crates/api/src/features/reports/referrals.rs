//! Reports on referrals: counts by dimension, responsiveness, caseloads,
//! outcomes and step changes.

use crate::features::reports::common::bad;
use crate::features::reports::common::parse_dimensions;
use crate::features::reports::common::parse_wire;
use crate::features::reports::common::ratio;
use crate::features::reports::common::respond;
use crate::features::reports::common::round2;
use crate::features::reports::common::values;
use crate::features::reports::common::CaseloadReport;
use crate::features::reports::common::CaseloadRow;
use crate::features::reports::common::OutcomeReport;
use crate::features::reports::common::OutcomeRow;
use crate::features::reports::common::ReferralCount;
use crate::features::reports::common::ReferralReport;
use crate::features::reports::common::ReferralReportParams;
use crate::features::reports::common::ReportDimension;
use crate::features::reports::common::ReportParams;
use crate::features::reports::common::ResponsivenessParams;
use crate::features::reports::common::ResponsivenessReport;
use crate::features::reports::common::ResponsivenessRow;
use crate::features::reports::common::StepChangeReport;
use crate::features::reports::common::StepChangeRow;
use crate::features::reports::common::{answer, ReportRun};
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::respond::with_age;
use crate::http::state::AppState;
use actix_web::get;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::Utc;
use sct_persistence::reports as repo;
use sct_persistence::reports::Dimension;
use serde_json::Value;

/// Referrals by dimension.
#[utoipa::path(
    tag = "Reports",
    summary = "Referrals by zone, month, status, eligibility, INDES and school phase",
    description = "Counts the referrals submitted in the period, grouped by up to four dimensions given in `by` (default `zone`). Grouped by `indes_area` or `indes_level`, a referral counts once in each area it scores, so those groups add up to more than the referrals. `la_admin` sees every zone; a `team_manager` sees the zone of their team only (naming another zone answers 404); other roles get 403. JSON by default; `Accept: text/csv` answers CSV with a header row of the grouped columns and `referrals`.",
    params(ReferralReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (ReferralReport = "application/json"),
            (String = "text/csv", example = "zone_code,status,referrals\r\nZ01,submitted,4\r\nZ01,accepted,2\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/referrals")]
pub async fn referrals_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReferralReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let by = parse_dimensions(p.by.as_deref())?;
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::referral_counts(&mut conn, run.period, run.zone, &by).await?;
    let rows: Vec<ReferralCount> = found
        .into_iter()
        .map(|r| ReferralCount {
            zone_code: r.zone_code,
            month: r.month,
            status: parse_wire(r.status),
            eligibility_outcome: parse_wire(r.eligibility_outcome),
            indes_area: parse_wire(r.indes_area),
            indes_level: r.indes_level,
            school_phase: r.school_phase,
            referrals: r.referrals,
        })
        .collect();
    let columns: Vec<&str> = by
        .iter()
        .map(|d| match d {
            Dimension::Zone => "zone_code",
            Dimension::Eligibility => "eligibility_outcome",
            other => other.as_str(),
        })
        .chain(["referrals"])
        .collect();
    // Only the grouped columns appear in a row.
    let shown: Vec<Value> = values(&rows)
        .into_iter()
        .map(|v| match v {
            Value::Object(mut m) => {
                m.retain(|k, _| columns.contains(&k.as_str()));
                Value::Object(m)
            }
            other => other,
        })
        .collect();
    let report = serde_json::json!({
        "scope": run.scope,
        "by": by.iter().map(|d| ReportDimension::from(*d)).collect::<Vec<_>>(),
        "rows": shown,
    });
    Ok(with_age(
        respond(&req, "referrals", &report, &columns, &shown),
        conn.age(),
    ))
}

/// Responsiveness.
#[utoipa::path(
    tag = "Reports",
    summary = "Responsiveness: submission to acceptance and allocation",
    description = "For referrals submitted in the period, per zone and in total: how many were accepted and allocated, the median and 90th percentile of hours from submission to first acceptance and to first allocation (from the referral history), and how many still wait (submitted or accepted), of which how many were submitted more than `waiting_days` days ago. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ResponsivenessParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (ResponsivenessReport = "application/json"),
            (String = "text/csv", example = "zone_code,all_zones,submitted,accepted,allocated,acceptance_median_hours,acceptance_p90_hours,allocation_median_hours,allocation_p90_hours,waiting,waiting_beyond_threshold\r\nZ01,false,10,8,6,20.5,70.1,49,120.3,2,1\r\n,true,10,8,6,20.5,70.1,49,120.3,2,1\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/responsiveness")]
pub async fn responsiveness_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ResponsivenessParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let waiting_days = p.waiting_days.unwrap_or(state.waiting_days);
    if !(1..=365).contains(&waiting_days) {
        return Err(bad("waiting_days must be between 1 and 365"));
    }
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let since = Utc::now() - chrono::Duration::days(i64::from(waiting_days));
    let mut conn = state.reads().await?;
    let found = repo::responsiveness(&mut conn, run.period, run.zone, since).await?;
    let rows: Vec<ResponsivenessRow> = found
        .into_iter()
        .map(|r| ResponsivenessRow {
            zone_code: r.zone_code,
            all_zones: r.all_zones,
            submitted: r.submitted,
            accepted: r.accepted,
            allocated: r.allocated,
            acceptance_median_hours: r.acceptance_median_hours.map(round2),
            acceptance_p90_hours: r.acceptance_p90_hours.map(round2),
            allocation_median_hours: r.allocation_median_hours.map(round2),
            allocation_p90_hours: r.allocation_p90_hours.map(round2),
            waiting: r.waiting,
            waiting_beyond_threshold: r.waiting_beyond_threshold,
        })
        .collect();
    Ok(with_age(
        answer(
            &req,
            &ResponsivenessReport {
                scope: run.scope,
                waiting_days,
                rows,
            },
        ),
        conn.age(),
    ))
}

/// Caseloads against caps.
#[utoipa::path(
    tag = "Reports",
    summary = "Caseloads against caps per team and practitioner",
    description = "Now: each practitioner's caseload (referrals allocated or active) against their cap, with utilisation and whether they are at or over it, and per team the totals (a team's cap sums its active practitioners' caps). Also how many referrals each closed in the period. `la_admin` sees every zone; a `team_manager` their team only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (CaseloadReport = "application/json"),
            (String = "text/csv", example = "zone_code,team_id,team_name,team_total,worker_id,worker_name,active,practitioners,caseload,cap,utilisation,at_or_over_cap,closed_in_period\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/caseloads")]
pub async fn caseloads_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::caseloads(&mut conn, run.period, run.zone).await?;
    let rows: Vec<CaseloadRow> = found
        .into_iter()
        .map(|r| CaseloadRow {
            zone_code: r.zone_code,
            team_id: r.team_id,
            team_name: r.team_name,
            team_total: r.worker_id.is_none(),
            worker_id: r.worker_id,
            worker_name: r.worker_name,
            active: r.active,
            practitioners: r.practitioners,
            caseload: r.caseload,
            cap: r.cap,
            utilisation: ratio(r.caseload, r.cap).map(round2),
            at_or_over_cap: r.at_or_over_cap,
            closed_in_period: r.closed_in_period,
        })
        .collect();
    Ok(run.answer::<CaseloadReport>(&req, rows, conn.age()))
}

/// Outcomes at closure.
#[utoipa::path(
    tag = "Reports",
    summary = "Outcomes at closure",
    description = "Referrals closed in the period, per zone and outcome (`needs_met`, `stepped_down`, `stepped_up`, `disengaged`, `moved_away`, `other`) and per outcome over all zones in scope, with the median days from submission to closure. Goal distance travelled per intervention is in `/reports/interventions`. `la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV.",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (OutcomeReport = "application/json"),
            (String = "text/csv", example = "zone_code,all_zones,outcome,closed,median_days_open\r\nZ01,false,needs_met,5,61.5\r\n,true,needs_met,5,61.5\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/outcomes")]
pub async fn outcomes_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::outcomes(&mut conn, run.period, run.zone).await?;
    let rows: Vec<OutcomeRow> = found
        .into_iter()
        .filter_map(|r| {
            Some(OutcomeRow {
                outcome: parse_wire(Some(r.outcome))?,
                zone_code: r.zone_code,
                all_zones: r.all_zones,
                closed: r.closed,
                median_days_open: r.median_days_open.map(round2),
            })
        })
        .collect();
    Ok(run.answer::<OutcomeReport>(&req, rows, conn.age()))
}

/// Step changes at closure.
#[utoipa::path(
    tag = "Reports",
    summary = "Step changes: closures stepped down against stepped up",
    description = "Among referrals closed in the period, per zone and in total: how many closed `stepped_down` (to universal or SEN Support provision) against how many closed `stepped_up` (towards specialist provision), with `net_stepped_down` (the first minus the second) and each as a share of closures.\n\nLimits: these are the closure outcomes practitioners record, counted once at closure. They are not a measure of spend, of placements or of EHC needs assessments avoided, and say nothing of what happened after closure (a later escalation or re-referral is not seen here). `needs_met`, `disengaged`, `moved_away` and `other` closures count in `closed` only, so the shares do not add up to 1. Small zones make large swings: read the counts with the shares.\n\n`la_admin` sees every zone; a `team_manager` their team's zone only; other roles get 403. JSON by default; `Accept: text/csv` answers CSV. Replaces `/reports/shift-left` (which redirects here for one release).",
    params(ReportParams),
    responses(
        (status = 200, description = "The report, as JSON or CSV", content(
            (StepChangeReport = "application/json"),
            (String = "text/csv", example = "zone_code,all_zones,closed,needs_met,stepped_down,stepped_up,net_stepped_down,stepped_down_share,stepped_up_share\r\nZ01,false,10,5,3,1,2,0.3,0.1\r\n")
        ), headers(("Vary" = String, description = "Accept: the media type follows the Accept header"), ("Age" = u32, description = "Present only when the report was read from a hot standby (`SCT_DATABASE_READ_URL`): whole seconds its data may be behind the primary (0 when the standby has replayed all it received)"))),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/reports/step-changes")]
pub async fn step_changes_report(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    p: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let p = p.into_inner();
    let run = ReportRun::open(&state, &caller, p.from, p.to, p.zone.as_deref()).await?;
    let mut conn = state.reads().await?;
    let found = repo::step_changes(&mut conn, run.period, run.zone).await?;
    let rows: Vec<StepChangeRow> = found
        .into_iter()
        .map(|r| StepChangeRow {
            zone_code: r.zone_code,
            all_zones: r.all_zones,
            closed: r.closed,
            needs_met: r.needs_met,
            stepped_down: r.stepped_down,
            stepped_up: r.stepped_up,
            net_stepped_down: r.stepped_down - r.stepped_up,
            stepped_down_share: ratio(r.stepped_down, r.closed).map(round2),
            stepped_up_share: ratio(r.stepped_up, r.closed).map(round2),
        })
        .collect();
    Ok(run.answer::<StepChangeReport>(&req, rows, conn.age()))
}
