//! Health, the eligibility check, the policy in force and the OpenAPI
//! document.

use super::{
    validate, AppState, BadRequest, PayloadTooLarge, ServiceUnavailable, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::auth::Caller;
use crate::dto::{Eligibility, EligibilityCheck, EligibilityResult, Health, Priority};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::JsonBody;
use actix_web::{get, post, web, HttpResponse};
use sct_domain as domain;
use sct_persistence::policy;
use utoipa::ToSchema;

/// Process liveness.
#[utoipa::path(
    tag = "Health",
    summary = "Liveness",
    description = "The process is up. No authentication.",
    responses((status = 200, description = "Up", body = Health)),
    security(())
)]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness.
#[utoipa::path(
    tag = "Health",
    summary = "Readiness",
    description = "The database answers and every migration is applied. No authentication.",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.db.ready().await {
        Ok(true) => Ok(HttpResponse::Ok().json(Health {
            status: "ok".into(),
        })),
        Ok(false) => Err(ApiError::new(
            ErrorCode::DatabaseUnavailable,
            "migrations are not applied",
        )),
        Err(e) => {
            log::warn!("readiness check failed: {e}");
            Err(ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database is unavailable",
            ))
        }
    }
}

/// Screen a profile without storing anything.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Check eligibility",
    description = "Screens an INDES profile, SEN provision and complicating factors against the policy in force and answers the decision and triage priority without storing anything. Any authenticated caller.",
    request_body(content = EligibilityCheck, content_type = "application/json"),
    responses(
        (status = 200, description = "The decision", body = EligibilityResult),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/eligibility/check")]
pub async fn check_eligibility(
    state: web::Data<AppState>,
    _caller: Caller,
    body: JsonBody<EligibilityCheck>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    validate(&b)?;
    let mut conn = state.db.conn().await?;
    let policy = policy::active(&mut conn).await?;
    let entries: Vec<domain::IndesEntry> = b
        .indes
        .iter()
        .map(|l| domain::IndesEntry {
            area: l.area.into(),
            level: l.level,
        })
        .collect();
    let profile = domain::IndesProfile::parse(&entries, policy.scale).map_err(|errs| {
        ApiError::validation(
            errs.iter()
                .map(|e| FieldError::new("indes", e.code(), e.to_string()))
                .collect(),
        )
    })?;
    let factors: Vec<domain::ComplicatingFactor> =
        b.complicating_factors.iter().map(|f| (*f).into()).collect();
    let plans: Vec<domain::ExistingPlan> = b.existing_plans.iter().map(|p| (*p).into()).collect();
    let decision = policy.decide(&domain::EligibilityInput {
        profile: &profile,
        sen_provision: b.sen_provision.map(Into::into),
        existing_plans: &plans,
        factors: &factors,
    });
    let priority = policy.priority(&profile, &factors);
    Ok(HttpResponse::Ok().json(EligibilityResult {
        eligibility: Eligibility::from(&decision),
        priority: Priority::from(&priority),
    }))
}

/// The eligibility policy in force.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyDocument {
    /// The policy as data: scale, band, EHC plan rule, factor lift, priority weights, reopen window.
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
}

/// Read the policy in force.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Read the eligibility policy in force",
    description = "The versioned policy data screening uses: INDES scale, band (default 3-4), how an EHC plan and complicating factors count, priority weights and the reopen window. Any authenticated caller.",
    responses(
        (status = 200, description = "The policy", body = PolicyDocument),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/eligibility/policy")]
pub async fn current_policy(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.db.conn().await?;
    let p = policy::active(&mut conn).await?;
    Ok(HttpResponse::Ok().json(PolicyDocument {
        policy: serde_json::to_value(&p).unwrap_or_default(),
    }))
}

/// The OpenAPI document as served (the same bytes as openapi/openapi.json).
#[utoipa::path(
    tag = "Health",
    summary = "OpenAPI document",
    description = "This API's OpenAPI 3.1 document. No authentication.",
    responses((status = 200, description = "The document", content_type = "application/json", body = Object)),
    security(())
)]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<crate::openapi::Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// Prometheus metrics.
#[utoipa::path(
    tag = "Health",
    summary = "Prometheus metrics",
    description = "Metrics in the Prometheus text exposition format: `sct_http_requests_total` and the `sct_http_request_duration_seconds` histogram by method, route pattern and status; the database pool (`sct_db_pool_connections_in_use`, `_idle`, `_max`, `sct_db_pool_waiting`); `sct_database_up`; and `sct_referrals` by status. Labels never carry identifiers or personal data. No authentication, like the health endpoints: restrict it to the scraper at the network edge in production.",
    responses((status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String,
        example = "# TYPE sct_referrals gauge\nsct_referrals{status=\"submitted\"} 4\n")),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    registry: web::Data<crate::metrics::Metrics>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(registry.scrape(&state.db).await)
}
