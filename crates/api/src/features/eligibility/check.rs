//! Screening against the eligibility policy in force, without storing
//! anything, and the policy in force.

use crate::features::eligibility::dto::PolicyData;
use crate::features::eligibility::dto::PolicyDocument;
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
    let policy = state.policy.get(&state.db).await?;
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

/// Read the policy in force.
#[utoipa::path(
    tag = "Eligibility",
    summary = "Read the eligibility policy in force",
    description = "The versioned policy data screening uses today: INDES scale, band (default 3-4), how an EHC plan and complicating factors count, priority weights, the reopen window, and the words of each outcome's pathway. The version in force is the published one whose effective date has come (`/eligibility/policies`); a running server uses it within 5 seconds of its publication, and from the first request of its effective day. Any authenticated caller.",
    responses(
        (status = 200, description = "The policy", body = PolicyDocument),
    ),
)]
#[get("/eligibility/policy")]
pub async fn current_policy(
    state: web::Data<AppState>,
    _caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let p = state.policy.get(&state.db).await?;
    Ok(HttpResponse::Ok().json(PolicyDocument {
        policy: PolicyData::from(p.as_ref()),
    }))
}
