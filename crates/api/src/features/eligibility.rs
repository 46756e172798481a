//! Screening against the eligibility policy in force, without storing
//! anything, and the policy itself. Uses the referrals feature's DTOs (the
//! same `indes` and factors as a submission).

use crate::features::referrals::dto::Eligibility;
use crate::features::referrals::dto::EligibilityCheck;
use crate::features::referrals::dto::EligibilityResult;
use crate::features::referrals::dto::Priority;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::JsonBody;
use crate::http::state::AppState;
use crate::http::validate::validate;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpResponse;
use sct_domain as domain;
use sct_persistence::policy;
use utoipa::ToSchema;

/// Screen a profile without storing anything.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Check eligibility",
    description = "Screens an INDES profile, SEN provision and complicating factors against the policy in force and answers the decision and triage priority without storing anything. Any authenticated caller.",
    request_body(content = EligibilityCheck, content_type = "application/json"),
    responses(
        (status = 200, description = "The decision", body = EligibilityResult),
    ),
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
    ),
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

/// Registers the eligibility operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(check_eligibility).service(current_policy);
}
