//! The council's eligibility policy versions, "test and learn" (issue 14,
//! item 6): drafts, a simulation of a draft over the referrals of a period
//! (nothing stored), and publication from an effective day. la_admin only.

use crate::features::eligibility::dto::PolicyDraft;
use crate::features::eligibility::dto::PolicyVersion;
use crate::features::eligibility::dto::PolicyVersionList;
use crate::features::eligibility::dto::Simulation;
use crate::features::eligibility::dto::SimulationPeriod;
use crate::http::access::only;
use crate::http::auth::AuditCaller;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::docs::Unprocessable;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain::policy_versions as versions;
use sct_domain::Role;
use sct_persistence::policy;
use sct_persistence::policy::PolicyRecord;
use sct_persistence::Connection;
use sct_persistence::ConstraintKind;
use sct_persistence::StoreError;

const ADMIN: &[Role] = &[Role::LaAdmin];

fn today() -> chrono::NaiveDate {
    policy::day_of(sct_persistence::now())
}

/// Each version with its status today.
fn with_status(all: &[PolicyRecord]) -> Vec<PolicyVersion> {
    let standings: Vec<versions::Standing<'_>> = all.iter().map(PolicyRecord::standing).collect();
    let day = today();
    all.iter()
        .map(|r| PolicyVersion::of(r, versions::status_of(&standings, &r.standing(), day)))
        .collect()
}

/// One version with its status today (read on `conn`).
async fn one(conn: &mut Connection, version: &str) -> Result<PolicyVersion, ApiError> {
    let all = policy::list(conn).await?;
    with_status(&all)
        .into_iter()
        .find(|v| v.version == version)
        .ok_or_else(|| StoreError::NotFound.into())
}

/// The draft as the domain's policy, checked (422 naming the field).
fn checked(b: &PolicyDraft) -> Result<sct_domain::Policy, ApiError> {
    validate(b)?;
    let p = b.to_domain();
    p.validate().map_err(|e| {
        ApiError::validation(vec![FieldError::new(e.field(), e.code(), e.to_string())])
    })?;
    Ok(p)
}

fn published(version: &str) -> ApiError {
    ApiError::new(
        ErrorCode::PolicyPublished,
        format!("version {version} is published: create a new version to change it"),
    )
}

/// List the policy versions.
#[utoipa::path(
    tag = "Eligibility",
    summary = "List eligibility policy versions",
    description = "Every version, newest first, with where it stands today: `draft` (may change, screens nothing), `published` (takes effect on a day to come), `in_force` (screens referrals today) or `superseded`. la_admin only.",
    responses(
        (status = 200, description = "The versions", body = PolicyVersionList),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/eligibility/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let all = policy::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(PolicyVersionList {
        items: with_status(&all),
    }))
}

/// Read a policy version.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Read an eligibility policy version",
    description = "One version with its status. la_admin only.",
    params(("version" = String, Path, description = "Version label")),
    responses(
        (status = 200, description = "The version", body = PolicyVersion, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/eligibility/policies/{version}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    caller: Caller,
    version: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let v = one(&mut conn, &version).await?;
    Ok(ok(v.revision, &v))
}

/// Create a draft version.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Create a draft eligibility policy version",
    description = "Stores a draft: the whole policy (scale, band, EHC plan rule, factor lift, priority weights, reopen window, texts) and the day it would take effect. A draft screens nothing until it is published; simulate it first. The version label is unique (409 `already_exists`). la_admin only.",
    request_body(content = PolicyDraft, content_type = "application/json"),
    responses(
        (status = 201, description = "The draft", body = PolicyVersion, headers(("Location" = String, description = "URL of the version"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/eligibility/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PolicyDraft>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    let p = checked(&b)?;
    let by = AuditCaller::of(&caller).subject;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let r = policy::create_draft(conn, &p, b.effective_from, &by)
                .await
                .map_err(|e| match e {
                    StoreError::Constraint {
                        kind: ConstraintKind::Unique,
                        ..
                    } => ApiError::new(
                        ErrorCode::AlreadyExists,
                        "a policy version with this label already exists",
                    ),
                    other => other.into(),
                })?;
            let v = PolicyVersion::of(&r, versions::PolicyStatus::Draft);
            Ok(Written::created(
                format!("/api/v1/eligibility/policies/{}", v.version),
                v.revision,
                &v,
            )
            .about("policy", &v.version))
        })
    })
    .await
}

/// Change a draft.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Change a draft eligibility policy version",
    description = "Replaces a draft's policy and effective day (the body names the version of the path: 422 otherwise). A published version no longer changes (409 `policy_published`). la_admin only, with If-Match.",
    params(("version" = String, Path, description = "Version label"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = PolicyDraft, content_type = "application/json"),
    responses(
        (status = 200, description = "The draft", body = PolicyVersion, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/eligibility/policies/{version}")]
pub async fn update_policy(
    state: web::Data<AppState>,
    caller: Caller,
    version: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<PolicyDraft>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let expected = if_match.required()?;
    let b = body.0;
    let version = version.into_inner();
    let p = checked(&b)?;
    if p.version != version {
        return Err(ApiError::validation(vec![FieldError::new(
            "version",
            "path_mismatch",
            "the body must name the version of the path",
        )]));
    }
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = policy::record(conn, &version).await?;
            if current.published_at.is_some() {
                return Err(published(&version));
            }
            policy::update_draft(conn, &p, b.effective_from, expected)
                .await?
                .ok_or_else(stale)?;
            let v = one(conn, &version).await?;
            Ok(Written::ok(v.revision, &v))
        })
    })
    .await
}

/// Simulate a version over a period.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Simulate an eligibility policy version",
    description = "Screens again, under this version (usually a draft), the referrals submitted on the days `from` to `to` (UTC), from their stored intake inputs (INDES levels, SEN provision, existing plans, complicating factors, corrections included), and counts outcome by outcome how many would move compared with the outcome each was screened with (by the version that screened it). Nothing is stored and no referral changes. One read of the period's referrals. la_admin only.",
    params(("version" = String, Path, description = "Version label")),
    request_body(content = SimulationPeriod, content_type = "application/json"),
    responses(
        (status = 200, description = "The counts", body = Simulation),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    ),
)]
#[post("/eligibility/policies/{version}/simulate")]
pub async fn simulate_policy(
    state: web::Data<AppState>,
    caller: Caller,
    version: web::Path<String>,
    body: JsonBody<SimulationPeriod>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let period = body.0;
    versions::check_period(period.from, period.to).map_err(|e| {
        let code = match e {
            versions::PeriodError::Reversed => "before_from",
            versions::PeriodError::TooLong => "period_too_long",
        };
        ApiError::validation(vec![FieldError::new("to", code, e.to_string())])
    })?;
    let mut conn = state.db.conn().await?;
    let draft = policy::get(&mut conn, &version).await?;
    let referrals = policy::screened_between(&mut conn, period.from, period.to).await?;
    drop(conn);
    let tally = versions::simulate(&draft, &referrals);
    Ok(HttpResponse::Ok().json(Simulation::of(draft.version, &period, &tally)))
}

/// Publish a draft.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Publish an eligibility policy version",
    description = "Publishes a draft: from its `effective_from` day (UTC; today or later, 422 `in_past` otherwise) it screens every new referral and correction, in every server process (within 5 seconds when the day is today). Referrals already screened keep the version that screened them. A version is published once (409 `policy_published`). la_admin only, with If-Match.",
    params(("version" = String, Path, description = "Version label"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The published version", body = PolicyVersion, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    ),
)]
#[post("/eligibility/policies/{version}/publish")]
pub async fn publish_policy(
    state: web::Data<AppState>,
    caller: Caller,
    version: web::Path<String>,
    if_match: IfMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let expected = if_match.required()?;
    let version = version.into_inner();
    let by = AuditCaller::of(&caller).subject;
    let answer = write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = policy::record(conn, &version).await?;
            versions::may_publish(current.published_at, current.effective_from, today()).map_err(
                |e| match e {
                    versions::PublishRefusal::AlreadyPublished => published(&version),
                    versions::PublishRefusal::EffectiveInPast(_) => {
                        ApiError::validation(vec![FieldError::new(
                            "effective_from",
                            "in_past",
                            e.to_string(),
                        )])
                    }
                },
            )?;
            policy::publish(conn, &version, expected, &by)
                .await?
                .ok_or_else(stale)?;
            let v = one(conn, &version).await?;
            Ok(Written::ok(v.revision, &v))
        })
    })
    .await;
    // This process screens with it at once; the others within the TTL.
    state.policy.forget();
    answer
}
