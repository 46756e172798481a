//! Corrections and reassessment of a referral's INDES levels.
//!
//! `PUT /referrals/{id}` corrects the screening inputs after submission
//! (who may, and when, is `sct_domain::may_correct`): the referral is
//! re-screened against the policy in force, the screening it was submitted
//! with is kept, and the history names the fields that changed. Reviews of
//! the plan and the closure may record the levels as they stand then (the
//! delivery feature's review handlers use [`reassessed_levels`]); the
//! referral's read sets the latest level of each area against its intake
//! level (`indes::movement`).

use crate::features::referrals::dto::ComplicatingFactor;
use crate::features::referrals::dto::Eligibility;
use crate::features::referrals::dto::ExistingPlan;
use crate::features::referrals::dto::IndesLevel;
use crate::features::referrals::dto::Referral;
use crate::http::access::only;
use crate::http::access::scope_of;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RequestId;
use crate::http::respond::now_at;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain as domain;
use sct_domain::Role;
use sct_domain::WireName;
use sct_persistence::referrals as repo;
use sct_persistence::referrals::CorrectError;
use sct_persistence::referrals::Correction;
use sct_persistence::referrals::Screening;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Who may correct: the referrer while the team has not accepted, the team
/// and the council while the referral is open (`sct_domain::may_correct`).
const CORRECTORS: &[Role] = &[
    Role::LaAdmin,
    Role::TeamManager,
    Role::Practitioner,
    Role::School,
    Role::Integration,
];

/// The corrected screening inputs of a referral (each replaces what is
/// stored).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "indes": [
        {"area": "social_emotional_mental_health", "level": 3},
        {"area": "speech_and_language", "level": 2}
    ],
    "complicating_factors": ["attendance"],
    "existing_plans": ["sen_support_plan"],
    "reason": "Corrected after the family meeting: attendance has improved"
}))]
pub struct ReferralCorrection {
    /// INDES levels on the scale of the policy in force, at most one per area.
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub indes: Vec<IndesLevel>,
    /// Complicating factors (each at most once).
    #[schema(max_items = 7)]
    #[validate(length(max = 7))]
    pub complicating_factors: Vec<ComplicatingFactor>,
    /// Plans already in place for the child.
    #[schema(max_items = 3)]
    #[validate(length(max = 3))]
    pub existing_plans: Vec<ExistingPlan>,
    /// Why the school is referring.
    #[schema(min_length = 1, max_length = 4000)]
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// Checks levels on the policy's scale, at most one per area: the profile,
/// or one error per bad entry named `{field}[i]`.
pub(crate) fn check_levels(
    levels: &[IndesLevel],
    scale: domain::IndesScale,
    field: &str,
) -> Result<domain::IndesProfile, Vec<FieldError>> {
    let entries: Vec<domain::IndesEntry> = levels
        .iter()
        .map(|l| domain::IndesEntry {
            area: l.area.into(),
            level: l.level,
        })
        .collect();
    domain::IndesProfile::parse(&entries, scale).map_err(|errs| {
        errs.into_iter()
            .map(|e| {
                let idx = levels
                    .iter()
                    .rposition(|l| domain::IndesArea::from(l.area).as_str() == e.area())
                    .unwrap_or(0);
                FieldError::new(format!("{field}[{idx}]"), e.code(), e.to_string())
            })
            .collect()
    })
}

/// The stored form of levels: (area, level).
pub(crate) fn level_rows(profile: &domain::IndesProfile) -> Vec<(String, i16)> {
    profile
        .entries()
        .iter()
        .map(|e| (e.area.as_str().to_owned(), i16::from(e.level)))
        .collect()
}

/// Levels given with a review or a closure, checked on the scale of the
/// policy in force.
///
/// # Errors
/// 422 naming each bad entry.
pub(crate) async fn reassessed_levels(
    state: &web::Data<AppState>,
    levels: Option<&[IndesLevel]>,
) -> Result<Option<Vec<(String, i16)>>, ApiError> {
    let Some(levels) = levels else {
        return Ok(None);
    };
    let policy = state.policy.get(&state.db).await?;
    check_levels(levels, policy.scale, "indes")
        .map(|p| Some(level_rows(&p)))
        .map_err(ApiError::validation)
}

fn sorted_names<T: Copy, D: From<T> + Copy>(
    items: &[T],
    name: fn(D) -> &'static str,
) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|i| name(D::from(*i)).to_owned()).collect();
    v.sort();
    v.dedup();
    v
}

fn correct_error(e: CorrectError) -> ApiError {
    match e {
        CorrectError::NotFound => ApiError::not_found(),
        CorrectError::VersionMismatch { current } => now_at("referral", current),
        CorrectError::Refused(r) => ApiError::new(ErrorCode::ReferralNotOpen, r.to_string()),
        CorrectError::Store(s) => s.into(),
    }
}

/// Correct a referral.
#[utoipa::path(
    tag = "Referrals",
    summary = "Correct a referral's INDES levels, factors, plans and reason",
    description = "Replaces the screening inputs of an open referral: its INDES levels (on the scale of the policy in force, at most one per area), complicating factors, existing plans and reason. The referral is screened again against the policy in force (eligibility, pathway and priority follow, with that policy's version); the screening it was submitted with stays readable as `submitted_eligibility`. The history gets a `correct` entry naming the fields that changed (`details.changed`) and whether the screening outcome or priority changed, never their values. A body that changes nothing changes nothing (same version, no history).\n\nWho may: the referring school (or its MIS client) for its own referral while it waits for the team's decision (`submitted`); once the team has accepted it the case is the team's (409 `referral_not_open`: ask the team). The referral's team manager, the practitioners who work it (allocated or co-worker) and la_admin while it is open (`submitted`, `accepted`, `allocated` or `active`). A closed, declined or withdrawn referral answers 409 `referral_not_open`. With If-Match (428 without, 412 when stale); out-of-scope referrals answer 404.",
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("If-Match" = String, Header, description = "The ETag of the referral as last read, e.g. \"v3\""),
    ),
    request_body(content = ReferralCorrection, content_type = "application/json"),
    responses(
        (status = 200, description = "The referral, corrected and screened again", body = Referral, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/referrals/{id}")]
pub async fn correct_referral(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ReferralCorrection>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, CORRECTORS)?;
    let b = body.0;
    validate(&b)?;
    let expected = if_match.required()?;
    let policy = state.policy.get(&state.db).await?;
    let profile = check_levels(&b.indes, policy.scale, "indes").map_err(ApiError::validation)?;
    let factors: Vec<domain::ComplicatingFactor> =
        b.complicating_factors.iter().map(|f| (*f).into()).collect();
    let plans: Vec<domain::ExistingPlan> = b.existing_plans.iter().map(|p| (*p).into()).collect();
    let correction = Correction {
        indes: level_rows(&profile),
        complicating_factors: sorted_names(
            &b.complicating_factors,
            domain::ComplicatingFactor::as_str,
        ),
        existing_plans: sorted_names(&b.existing_plans, domain::ExistingPlan::as_str),
        reason: b.reason,
    };
    let scope = scope_of(&caller, &state.db).await?;
    let actor = actor(&caller, &rid);
    let role = caller.role;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let row = repo::lock_for_correction(conn, id, &scope, expected, role)
                .await
                .map_err(correct_error)?;
            let provision = domain::SenProvision::parse(&row.sen_provision).ok();
            let decision = policy.decide(&domain::EligibilityInput {
                profile: &profile,
                sen_provision: provision,
                existing_plans: &plans,
                factors: &factors,
            });
            let priority = policy.priority(&profile, &factors);
            let screening = Screening {
                eligibility_outcome: decision.outcome.as_str().to_owned(),
                eligibility: serde_json::to_value(Eligibility::from(&decision)).unwrap_or_default(),
                policy_version: decision.policy_version.clone(),
                priority_band: priority.band.as_str().to_owned(),
                priority_score: i32::try_from(priority.score).unwrap_or(i32::MAX),
                priority_reasons: serde_json::to_value(&priority.reasons).unwrap_or_default(),
            };
            let view = repo::apply_correction(
                conn,
                row,
                correction,
                screening,
                &actor,
                sct_persistence::now(),
                &scope,
            )
            .await
            .map_err(correct_error)?;
            let body = Referral::from_view(&view);
            Ok(Written::ok(body.version, &body).about("referral", &body.id))
        })
    })
    .await
}
