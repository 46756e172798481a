//! Screening against the eligibility policy in force, without storing
//! anything, and the policy itself. Uses the referrals feature's DTOs (the
//! same `indes` and factors as a submission).

use crate::features::referrals::dto::ComplicatingFactor;
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
    pub policy: PolicyData,
}

/// An eligibility policy version as data (docs/adr/0005-indes-policy-as-data.md).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyData {
    /// Version label, e.g. `2026.1`; stored with every decision.
    pub version: String,
    /// The INDES scale: every level given must lie on it.
    pub scale: PolicyScale,
    /// The band of INDES levels the teams serve.
    pub band: PolicyBand,
    /// How an EHC plan counts in screening.
    pub ehc_plan: EhcPlanRule,
    /// How complicating factors lift a profile just under the band.
    pub factor_lift: PolicyFactorLift,
    /// Weights of the triage priority score.
    pub priority: PolicyPriority,
    /// Days after closure during which a referral may be reopened.
    pub reopen_window_days: u32,
}

/// The INDES scale of a policy.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyScale {
    /// Lowest level ("typically developing").
    pub min: u8,
    /// Highest level ("complex").
    pub max: u8,
}

/// The band of INDES levels the teams serve (inclusive).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyBand {
    /// Lowest level in the band.
    pub low: u8,
    /// Highest level in the band.
    pub high: u8,
}

/// How an EHC plan counts in screening.
#[derive(Debug, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EhcPlanRule {
    /// Recorded as a reason, outcome unchanged.
    NoEffect,
    /// Signposted to the plan's statutory review (above threshold for early help).
    AboveThreshold,
}

/// How complicating factors lift a profile just under the band.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyFactorLift {
    /// How many distinct complicating factors it takes.
    pub min_factors: u8,
    /// How many levels under the band's low end a profile may sit and still
    /// be lifted into it (0 disables the lift).
    pub levels_below_band: u8,
}

/// Weights of the triage priority score.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PolicyPriority {
    /// Points per level of the highest area above the scale's minimum.
    pub per_level_of_highest: u32,
    /// Points for each further area inside the band.
    pub per_further_area_in_band: u32,
    /// Points for each complicating factor, by factor.
    pub factors: std::collections::BTreeMap<ComplicatingFactor, u32>,
    /// Score from which a referral is `high` priority.
    pub high_from: u32,
    /// Score from which a referral is `urgent`.
    pub urgent_from: u32,
}

impl From<&domain::Policy> for PolicyData {
    fn from(p: &domain::Policy) -> Self {
        Self {
            version: p.version.clone(),
            scale: PolicyScale {
                min: p.scale.min,
                max: p.scale.max,
            },
            band: PolicyBand {
                low: p.band.low,
                high: p.band.high,
            },
            ehc_plan: match p.ehc_plan {
                domain::EhcPlanRule::NoEffect => EhcPlanRule::NoEffect,
                domain::EhcPlanRule::AboveThreshold => EhcPlanRule::AboveThreshold,
            },
            factor_lift: PolicyFactorLift {
                min_factors: p.factor_lift.min_factors,
                levels_below_band: p.factor_lift.levels_below_band,
            },
            priority: PolicyPriority {
                per_level_of_highest: p.priority.per_level_of_highest,
                per_further_area_in_band: p.priority.per_further_area_in_band,
                factors: p
                    .priority
                    .factors
                    .iter()
                    .map(|(f, w)| (ComplicatingFactor::from(*f), *w))
                    .collect(),
                high_from: p.priority.high_from,
                urgent_from: p.priority.urgent_from,
            },
            reopen_window_days: p.reopen_window_days,
        }
    }
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
        policy: PolicyData::from(&p),
    }))
}

/// Registers the eligibility operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(check_eligibility).service(current_policy);
}
