//! A referral's support plan: goals on the 0-10 scale and chosen
//! interventions, versioned with `If-Match`.

use crate::features::delivery::dto::PlanInput;
use crate::features::delivery::dto::PlanVersion;
use crate::features::delivery::dto::PlanVersions;
use crate::features::delivery::dto::SupportPlan;
use crate::features::delivery::rules::allow;
use crate::features::delivery::rules::delivery_error;
use crate::features::delivery::rules::delivery_scope;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::extract::RequestId;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::paging::version_cursor;
use crate::http::respond::ok;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain as domain;
use sct_domain::delivery::check_plan;
use sct_domain::delivery::GoalDraft;
use sct_domain::delivery::PlanError;
use sct_domain::DeliveryOp;
use sct_domain::WireName;
use sct_persistence::delivery as repo;
use sct_persistence::delivery::GoalInput;
use sct_persistence::referrals as referrals_repo;
use uuid::Uuid;

/// Read a referral's support plan.
#[utoipa::path(
    tag = "Support plans",
    summary = "Read a referral's support plan",
    description = "The current goals with baseline, target, latest rating and distance travelled (latest rating minus baseline), and the interventions chosen. The referral's team manager, the practitioners who work it (allocated or co-worker), the referring school (and its integration client), la_admin. 404 when the referral is out of scope or has no plan yet.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The plan", body = SupportPlan, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/plan")]
pub async fn get_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let plan = repo::load_plan(&mut conn, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(plan.plan.version, &SupportPlan::from(&plan)))
}

fn plan_errors(errors: &[PlanError]) -> ApiError {
    ApiError::validation(
        errors
            .iter()
            .map(|e| FieldError::new(e.field(), e.code(), e.to_string()))
            .collect(),
    )
}

/// Write a referral's support plan.
#[utoipa::path(
    tag = "Support plans",
    summary = "Write a referral's support plan",
    description = "Creates the plan (201; no If-Match needed) or replaces it (200; If-Match required, 428 without, 412 when stale). The referral must be `allocated` or `active` (409 `referral_not_open` otherwise). 1 to 20 goals, each with an INDES area, a description, a baseline and a target on the 0-10 goal-based-outcome scale, the target above the baseline. Give a goal's `id` to keep it (and its ratings); goals left out are retired. Chosen interventions must be in the catalogue and active (a retired one may stay on a plan that has it). `family_plan_id` names the family plan the plan serves: that of the referral's family (422 `unknown_family_plan` otherwise). Every version is kept (`/plan/versions`). The referral's team manager, the practitioners who work it (allocated or co-worker), la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "ETag of the plan as last read (required once the plan exists)")),
    request_body(content = PlanInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The plan, replaced", body = SupportPlan, headers(("ETag" = String, description = "Version tag"))),
        (status = 201, description = "The plan, created", body = SupportPlan, headers(("Location" = String, description = "URL of the plan"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/referrals/{id}/plan")]
pub async fn put_plan(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<PlanInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::WritePlan)?;
    let b = body.0;
    validate(&b)?;
    let drafts: Vec<GoalDraft<'_>> = b
        .goals
        .iter()
        .map(|g| GoalDraft {
            area: g.area.into(),
            description: &g.description,
            baseline: g.baseline,
            target: g.target,
        })
        .collect();
    check_plan(&drafts, &b.intervention_ids).map_err(|e| plan_errors(&e))?;
    let goals: Vec<GoalInput> = b
        .goals
        .iter()
        .map(|g| GoalInput {
            id: g.id,
            area: domain::IndesArea::from(g.area).as_str().to_owned(),
            description: g.description.clone(),
            // On the 0-10 scale: checked above.
            baseline: i16::try_from(g.baseline).unwrap_or(0),
            target: i16::try_from(g.target).unwrap_or(0),
        })
        .collect();
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let (plan, fresh) = repo::put_plan(
                conn,
                id,
                &scope,
                if_match.0,
                goals,
                b.intervention_ids.clone(),
                b.family_plan_id,
                &actor(&caller, &rid),
                sct_persistence::now(),
            )
            .await
            .map_err(delivery_error)?;
            let body = SupportPlan::from(&plan);
            Ok(if fresh {
                Written::created(
                    format!("/api/v1/referrals/{id}/plan"),
                    plan.plan.version,
                    &body,
                )
            } else {
                Written::ok(plan.plan.version, &body)
            })
        })
    })
    .await
}

/// Versions of a referral's support plan.
#[utoipa::path(
    tag = "Support plans",
    summary = "List the versions of a support plan",
    description = "Every version of the plan as written, oldest first, with who wrote it and when, a page at a time (`limit`, default 50, at most 200; follow `next_cursor`). Same readers as the plan.",
    params(("id" = Uuid, Path, description = "Referral id"), PageParams),
    responses(
        (status = 200, description = "A page of the versions", body = PlanVersions),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/plan/versions")]
pub async fn plan_versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let id = id.into_inner();
    let (limit, n) = page_size(&p)?;
    let after = version_cursor(p.cursor.as_deref())?;
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let mut rows = repo::plan_versions(&mut conn, id, after, limit + 1).await?;
    if rows.is_empty() && after.is_none() {
        return Err(ApiError::not_found());
    }
    let next_cursor = next_page(&mut rows, n, |r| r.version);
    Ok(HttpResponse::Ok().json(PlanVersions {
        items: rows.into_iter().map(PlanVersion::from).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------- sessions
