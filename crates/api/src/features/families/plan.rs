//! A family's plan (issue 13, item 2): family goals on the 0-10 scale,
//! actions with an owner and a due date, review dates; versioned with
//! `If-Match` like a referral's support plan (`delivery::plans`), every
//! version kept. Staff of the family's zone and la_admin only.

use crate::features::delivery::rules::delivery_error;
use crate::features::families::early_help_dto::FamilyArea;
use crate::features::families::early_help_dto::FamilyGoal;
use crate::features::families::early_help_dto::FamilyPlan;
use crate::features::families::early_help_dto::FamilyPlanInput;
use crate::features::families::early_help_dto::FamilyPlanVersion;
use crate::features::families::early_help_dto::FamilyPlanVersions;
use crate::features::families::early_help_dto::PlanAction;
use crate::features::families::view::writable_family;
use crate::http::access::only;
use crate::http::access::reach_of;
use crate::http::access::STAFF;
use crate::http::audit::actor;
use crate::http::audit::note;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
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
use sct_domain::delivery::family::check_family_goals;
use sct_domain::delivery::family::FamilyGoalDraft;
use sct_persistence::family_plans as repo;
use sct_persistence::family_plans::ActionInput;
use sct_persistence::family_plans::FamilyGoalInput;
use sct_persistence::family_plans::FamilyPlanView;
use uuid::Uuid;

/// The plan as shown, each goal with its latest rating (goal id, rating).
fn out(v: &FamilyPlanView, latest: &[(Uuid, i16)]) -> FamilyPlan {
    let rated = |goal: Uuid| latest.iter().find(|(g, _)| *g == goal).map(|(_, r)| *r);
    FamilyPlan {
        id: v.plan.id,
        family_id: v.plan.family_id,
        goals: v
            .goals
            .iter()
            .map(|g| FamilyGoal {
                id: g.id,
                area: FamilyArea::from_code(&g.area),
                description: g.description.clone(),
                baseline: g.baseline,
                target: g.target,
                latest_rating: rated(g.id),
                distance_travelled: rated(g.id).map(|r| r - g.baseline),
            })
            .collect(),
        actions: v
            .actions
            .iter()
            .map(|a| PlanAction {
                id: a.id,
                description: a.description.clone(),
                owner_worker_id: a.owner_worker_id,
                owner_member_id: a.owner_member_id,
                due_on: a.due_on,
                done: a.done,
            })
            .collect(),
        review_dates: v.plan.review_dates.clone(),
        version: v.plan.version,
        updated_by: v.plan.updated_by.clone(),
        created_at: v.plan.created_at,
        updated_at: v.plan.updated_at,
    }
}

/// Read a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "Read a family's plan",
    operation_id = "get_family_plan",
    description = "The current family goals (0-10 scale, baseline and target), the actions with their owners and due dates, and the review dates. la_admin, or a manager or practitioner of the family's zone's team; another zone's family, or a family with no plan yet, answers 404; schools and MIS clients 403 (a family plan is never shown to a school).",
    params(("id" = Uuid, Path, description = "Family id")),
    responses(
        (status = 200, description = "The plan", body = FamilyPlan, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/plan")]
pub async fn get_family_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let family = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let plan = repo::load(&mut conn, family)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let goals: Vec<Uuid> = plan.goals.iter().map(|g| g.id).collect();
    let latest = sct_persistence::family_reviews::latest_ratings(&mut conn, &goals).await?;
    note(&req, "family", &family);
    Ok(ok(plan.plan.version, &out(&plan, &latest)))
}

/// Write a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "Write a family's plan",
    operation_id = "put_family_plan",
    description = "Creates the plan (201; no If-Match needed) or replaces it (200; If-Match required, 428 without, 412 when stale). 1 to 20 family goals, each with a family area, a description, a baseline and a target on the 0-10 goal-based-outcome scale, the target above the baseline (422 `off_gbo_scale`, `target_not_above_baseline`, `goal_count`). Up to 50 actions, each owned by a worker (`owner_worker_id`, 422 `unknown_worker`) or an adult member of this family (`owner_member_id`, 422 `not_a_member`), not both (422 `owner_conflict`). Give a goal's or action's `id` to keep it (422 `unknown_goal`, `unknown_action` otherwise); goals left out are retired, actions left out removed. Every version is kept (`/plan/versions`). la_admin, or a manager or practitioner of the family's zone's team; another zone's family answers 404; schools and MIS clients 403.",
    params(("id" = Uuid, Path, description = "Family id"), ("If-Match" = Option<String>, Header, description = "ETag of the plan as last read (required once the plan exists)")),
    request_body(content = FamilyPlanInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The plan, replaced", body = FamilyPlan, headers(("ETag" = String, description = "Version tag"))),
        (status = 201, description = "The plan, created", body = FamilyPlan, headers(("Location" = String, description = "URL of the plan"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/families/{id}/plan")]
pub async fn put_family_plan(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<FamilyPlanInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let b = body.0;
    validate(&b)?;
    let drafts: Vec<FamilyGoalDraft<'_>> = b
        .goals
        .iter()
        .map(|g| FamilyGoalDraft {
            description: &g.description,
            baseline: g.baseline,
            target: g.target,
        })
        .collect();
    check_family_goals(&drafts).map_err(|e| {
        ApiError::validation(
            e.iter()
                .map(|e| FieldError::new(e.field(), e.code(), e.to_string()))
                .collect(),
        )
    })?;
    let both: Vec<FieldError> = b
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.owner_worker_id.is_some() && a.owner_member_id.is_some())
        .map(|(i, _)| {
            FieldError::new(
                format!("actions[{i}].owner_member_id"),
                "owner_conflict",
                "an action has one owner: a worker or a member of the family",
            )
        })
        .collect();
    if !both.is_empty() {
        return Err(ApiError::validation(both));
    }
    let goals: Vec<FamilyGoalInput> = b
        .goals
        .iter()
        .map(|g| FamilyGoalInput {
            id: g.id,
            area: g.area.as_str().to_owned(),
            description: g.description.clone(),
            // On the 0-10 scale: checked above.
            baseline: i16::try_from(g.baseline).unwrap_or(0),
            target: i16::try_from(g.target).unwrap_or(0),
        })
        .collect();
    let actions: Vec<ActionInput> = b
        .actions
        .iter()
        .map(|a| ActionInput {
            id: a.id,
            description: a.description.clone(),
            owner_worker_id: a.owner_worker_id,
            owner_member_id: a.owner_member_id,
            due_on: a.due_on,
            done: a.done,
        })
        .collect();
    let family = id.into_inner();
    let reach = reach_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            writable_family(conn, &reach, family).await?;
            let (plan, fresh) = repo::put(
                conn,
                family,
                if_match.0,
                goals,
                actions,
                b.review_dates,
                &actor,
                sct_persistence::now(),
            )
            .await
            .map_err(delivery_error)?;
            let goals: Vec<Uuid> = plan.goals.iter().map(|g| g.id).collect();
            let latest = sct_persistence::family_reviews::latest_ratings(conn, &goals).await?;
            let body = out(&plan, &latest);
            let w = if fresh {
                Written::created(
                    format!("/api/v1/families/{family}/plan"),
                    plan.plan.version,
                    &body,
                )
            } else {
                Written::ok(plan.plan.version, &body)
            };
            Ok(w.about("family", &family))
        })
    })
    .await
}

/// Versions of a family's plan.
#[utoipa::path(
    tag = "Families",
    summary = "List the versions of a family's plan",
    operation_id = "family_plan_versions",
    description = "Every version of the plan as written, oldest first, with who wrote it and when, a page at a time (`limit`, default 50, at most 200; follow `next_cursor`). Same readers as the plan; 404 when there is no plan.",
    params(("id" = Uuid, Path, description = "Family id"), PageParams),
    responses(
        (status = 200, description = "A page of the versions", body = FamilyPlanVersions),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/families/{id}/plan/versions")]
pub async fn family_plan_versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, STAFF)?;
    let family = id.into_inner();
    let (limit, n) = page_size(&p)?;
    let after = version_cursor(p.cursor.as_deref())?;
    let reach = reach_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    writable_family(&mut conn, &reach, family).await?;
    let mut rows = repo::versions(&mut conn, family, after, limit + 1).await?;
    if rows.is_empty() && after.is_none() {
        return Err(ApiError::not_found());
    }
    let next_cursor = next_page(&mut rows, n, |r| r.version);
    note(&req, "family", &family);
    Ok(HttpResponse::Ok().json(FamilyPlanVersions {
        items: rows
            .into_iter()
            .map(|r| FamilyPlanVersion {
                version: r.version,
                recorded_at: r.recorded_at,
                recorded_by: r.recorded_by,
                plan: serde_json::from_value(r.document).unwrap_or_default(),
            })
            .collect(),
        next_cursor,
    }))
}
