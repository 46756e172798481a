//! Referral handlers: submission with screening, routing and `Idempotency-
//! Key`, reads in scope, lists with delta sync, history, and the lifecycle
//! actions.

use crate::features::referrals::actions::AcceptBody;
use crate::features::referrals::actions::AllocateBody;
use crate::features::referrals::actions::CloseBody;
use crate::features::referrals::actions::DeclineBody;
use crate::features::referrals::actions::NoteBody;
use crate::features::referrals::actions::ReasonBody;
use crate::features::referrals::actions::RedirectBody;
use crate::features::referrals::corrections::check_levels;
use crate::features::referrals::corrections::level_rows;
use crate::features::referrals::dto::Referral;
use crate::features::referrals::dto::ReferralSubmission;
use crate::features::referrals::history::History;
use crate::features::referrals::history::HistoryEntry;
use crate::features::referrals::source::check_submission;
use crate::features::referrals::source::source_for;
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
use crate::http::extract::etag;
use crate::http::extract::parse_json;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::RawJson;
use crate::http::extract::RequestId;
use crate::http::respond::now_at;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::WireName;
use crate::http::write::idempotency_key;
use crate::http::write::write_with_own_audit;
use crate::http::write::Written;
use actix_web::get;
use actix_web::http::header;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_domain as domain;
use sct_domain::AllocationChoice;
use sct_domain::AllocationError;
use sct_domain::Role;
use sct_domain::TransitionError;
use sct_persistence::children::NewChild;
use sct_persistence::policy;
use sct_persistence::referrals as repo;
use sct_persistence::referrals::ActContext;
use sct_persistence::referrals::ActError;
use sct_persistence::referrals::ActionInput;
use sct_persistence::referrals::NewReferral;
use sct_persistence::referrals::ReferralView;
use sct_persistence::referrals::SubmitError;
use sct_persistence::Scope;
use uuid::Uuid;

const SUBMITTERS: &[Role] = &[
    Role::School,
    Role::Integration,
    Role::LaAdmin,
    Role::TeamManager,
    Role::Practitioner,
];

/// A referral's answer: 200 with `ETag`, or 201 with `Location` too; the
/// referral is the subject of its audit rows.
pub(crate) fn referral_written(
    status: actix_web::http::StatusCode,
    view: &ReferralView,
) -> Written {
    let body = Referral::from_view(view);
    let written = if status == actix_web::http::StatusCode::CREATED {
        Written::created(
            format!("/api/v1/referrals/{}", body.id),
            body.version,
            &body,
        )
    } else {
        Written::json(status, &body).header(header::ETAG.as_str(), etag(body.version))
    };
    written.about("referral", &body.id)
}

/// Parses a submission into a stored-ready referral, screening it against
/// the policy in force. Every invalid field is reported at once.
pub(crate) fn prepare(
    body: ReferralSubmission,
    caller: &Caller,
    policy: &domain::Policy,
    today: chrono::NaiveDate,
) -> Result<NewReferral, ApiError> {
    let mut errors = Vec::new();
    if let Err(e) = domain::SettingId::parse(&body.school_urn) {
        errors.push(FieldError::new("school_urn", e.code(), e.to_string()));
    } else if caller.role.acts_for_schools() && !caller.schools.contains(&body.school_urn) {
        errors.push(FieldError::new(
            "school_urn",
            "unknown_school",
            "the school is unknown or you may not refer for it",
        ));
    }
    let upn = match domain::Upn::parse(&body.child.upn) {
        Ok(u) => Some(u),
        Err(e) => {
            errors.push(FieldError::new("child.upn", e.code(), e.to_string()));
            None
        }
    };
    let year = match domain::YearGroup::parse(&body.child.year_group) {
        Ok(y) => Some(y),
        Err(e) => {
            errors.push(FieldError::new("child.year_group", e.code(), e.to_string()));
            None
        }
    };
    let provision: domain::SenProvision = body.child.sen_provision.into();
    let need = body.child.primary_need.map(domain::SenType::from);
    if let Err(e) = domain::SenType::check_with(provision, need) {
        errors.push(FieldError::new(
            "child.primary_need",
            e.code(),
            e.to_string(),
        ));
    }
    if body.child.date_of_birth > today {
        errors.push(FieldError::new(
            "child.date_of_birth",
            "in_future",
            "the date of birth is in the future",
        ));
    } else if body.child.date_of_birth < today - chrono::Duration::days(366 * 26) {
        errors.push(FieldError::new(
            "child.date_of_birth",
            "out_of_range",
            "the service supports children and young people up to 25",
        ));
    }
    if body.consent.given_on > today {
        errors.push(FieldError::new(
            "consent.given_on",
            "in_future",
            "consent cannot be dated in the future",
        ));
    }
    let source = match source_for(caller, body.source.clone()) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.extend(e.errors);
            None
        }
    };
    let profile = match check_levels(&body.indes, policy.scale, "indes") {
        Ok(p) => Some(p),
        Err(errs) => {
            errors.extend(errs);
            None
        }
    };
    let (Some(upn), Some(year), Some(profile), Some((source_type, source_organisation)), true) =
        (upn, year, profile, source, errors.is_empty())
    else {
        return Err(ApiError::validation(errors));
    };
    let factors: Vec<domain::ComplicatingFactor> = body
        .complicating_factors
        .iter()
        .map(|f| (*f).into())
        .collect();
    let plans: Vec<domain::ExistingPlan> =
        body.existing_plans.iter().map(|p| (*p).into()).collect();
    let decision = policy.decide(&domain::EligibilityInput {
        profile: &profile,
        sen_provision: Some(provision),
        existing_plans: &plans,
        factors: &factors,
    });
    let priority = policy.priority(&profile, &factors);
    let mut factor_names: Vec<String> = factors.iter().map(|f| f.as_str().to_owned()).collect();
    factor_names.sort();
    factor_names.dedup();
    let mut plan_names: Vec<String> = plans.iter().map(|p| p.as_str().to_owned()).collect();
    plan_names.sort();
    plan_names.dedup();
    Ok(NewReferral {
        school_urn: body.school_urn,
        external_reference: body.external_reference,
        child: NewChild {
            upn: upn.as_str().to_owned(),
            given_name: body.child.given_name,
            family_name: body.child.family_name,
            date_of_birth: body.child.date_of_birth,
            year_group: year.code(),
            sen_provision: provision.code().to_owned(),
            primary_need: need.map(|n| n.code().to_owned()),
        },
        indes: level_rows(&profile),
        complicating_factors: factor_names,
        existing_plans: plan_names,
        consent_given_by: body.consent.given_by.as_str().to_owned(),
        consent_given_on: body.consent.given_on,
        reason: body.reason,
        eligibility_outcome: decision.outcome.as_str().to_owned(),
        eligibility: serde_json::to_value(crate::features::referrals::dto::Eligibility::from(
            &decision,
        ))
        .unwrap_or_default(),
        policy_version: decision.policy_version.clone(),
        priority_band: priority.band.as_str().to_owned(),
        priority_score: i32::try_from(priority.score).unwrap_or(i32::MAX),
        priority_reasons: serde_json::to_value(&priority.reasons).unwrap_or_default(),
        family_id: body.family_id,
        source_type,
        source_organisation,
    })
}

/// Submit a referral.
#[utoipa::path(
    tag = "Referrals",
    summary = "Submit a referral",
    description = "Screens the child's INDES profile against the eligibility policy in force, routes the referral to the team of the school's zone (or the council's triage queue while no team is operational) and records consent. A school or integration client may refer only for its own schools; a school that GIAS records as closed takes no new referrals (422 `school_closed`). Send `Idempotency-Key` to retry safely: keys are kept for 24 hours, the same key with the same body replays the first response, with another body answers 422, and while the first is still running answers 409. `external_reference` is unique per school: a second submission with it answers 409 naming the existing referral.",
    request_body(content = ReferralSubmission, content_type = "application/json"),
    responses(
        (status = 201, description = "The referral, screened and routed", body = Referral,
            headers(("Location" = String, description = "URL of the new referral"), ("ETag" = String, description = "Version tag for If-Match"))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals")]
pub async fn submit_referral(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    raw: RawJson,
) -> Result<HttpResponse, ApiError> {
    only(&caller, SUBMITTERS)?;
    idempotency_key(&req)?;
    let body: ReferralSubmission = parse_json(&raw.0)?;
    validate(&body)?;
    check_submission(&state, &caller, &body.school_urn, body.family_id).await?;
    let policy = state.policy.get(&state.db).await?;
    let now = sct_persistence::now();
    let new = prepare(body, &caller, &policy, now.date_naive())?;
    let actor = actor(&caller, &rid);
    // Its audit rows are stored by the submission, in its transaction.
    write_with_own_audit(&state, &req, move |c| {
        Box::pin(async move {
            let view = repo::submit(c, new, &actor, now)
                .await
                .map_err(submit_error)?;
            Ok(referral_written(
                actix_web::http::StatusCode::CREATED,
                &view,
            ))
        })
    })
    .await
}

fn submit_error(e: SubmitError) -> ApiError {
    match e {
        SubmitError::UnknownSchool => ApiError::validation(vec![FieldError::new(
            "school_urn",
            "unknown_school",
            "the school is unknown or you may not refer for it",
        )]),
        SubmitError::SchoolClosed => ApiError::new(
            ErrorCode::SchoolClosed,
            "the school is recorded as closed in GIAS: it takes no new referrals",
        ),
        SubmitError::Duplicate {
            existing,
            reference,
        } => ApiError {
            existing: Some((existing, reference.clone())),
            ..ApiError::new(
                ErrorCode::DuplicateExternalReference,
                format!("the school already sent this external reference as {reference}"),
            )
        },
        SubmitError::Store(s) => s.into(),
    }
}

/// Read a referral.
#[utoipa::path(
    tag = "Referrals",
    summary = "Read a referral",
    description = "The referral with the child, INDES levels, screening, priority, routing and allocation. Out-of-scope referrals answer 404. Every read is recorded in the audit log with the caller and request id.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = Referral, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::load(&mut conn, id, &scope).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.referral.version)))
        .json(Referral::from_view(&view)))
}

/// History of a referral.
#[utoipa::path(
    tag = "Referrals",
    summary = "List a referral's history",
    description = "Every change of the referral, oldest first: who, when, from which status to which, why, and routing or allocation details.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The history", body = History),
        (status = 404, response = NotFound),
    ),
)]
#[get("/referrals/{id}/history")]
pub async fn referral_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scope = scope_of(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let rows = repo::history(&mut conn, id, &scope).await?;
    Ok(HttpResponse::Ok().json(History {
        items: rows.into_iter().map(HistoryEntry::from).collect(),
    }))
}

async fn act(
    state: &web::Data<AppState>,
    caller: &Caller,
    rid: &RequestId,
    req: &HttpRequest,
    id: Uuid,
    if_match: IfMatch,
    input: ActionInput,
) -> Result<HttpResponse, ApiError> {
    let action = input.action();
    if !action.permits(caller.role) {
        return Err(ApiError::forbidden(caller.role.as_str()));
    }
    // Levels given at closure are checked on the policy's scale.
    let mut input = input;
    if let ActionInput::Close { indes, .. } = &mut input {
        *indes = closure_levels(state, indes.take()).await?;
    }
    let expected = if_match.required()?;
    let scope: Scope = scope_of(caller, &state.db).await?;
    let actor = actor(caller, rid);
    let role = caller.role;
    let follow_ups = state.follow_ups.clone();
    // Its audit row is stored by the action, in its transaction.
    write_with_own_audit(state, req, move |c| {
        Box::pin(async move {
            // Only a reopen depends on the policy (its window): the other
            // actions do not read it.
            let reopen_window_days = if matches!(input, ActionInput::Reopen { .. }) {
                policy::active(c).await?.reopen_window_days
            } else {
                0
            };
            let ctx = ActContext {
                actor: &actor,
                role,
                scope: &scope,
                expected_version: expected,
                now: sct_persistence::now(),
                reopen_window_days,
                follow_ups: follow_ups.clone(),
            };
            let view = repo::act(c, id, input, &ctx).await.map_err(act_error)?;
            Ok(referral_written(actix_web::http::StatusCode::OK, &view))
        })
    })
    .await
}

/// The closure's levels, as sent (area, level), checked on the scale of
/// the policy in force.
async fn closure_levels(
    state: &web::Data<AppState>,
    levels: Option<Vec<(String, i16)>>,
) -> Result<Option<Vec<(String, i16)>>, ApiError> {
    let Some(levels) = levels else {
        return Ok(None);
    };
    let sent: Vec<crate::features::referrals::dto::IndesLevel> = levels
        .iter()
        .filter_map(|(area, level)| {
            Some(crate::features::referrals::dto::IndesLevel {
                area: domain::IndesArea::parse(area)?.into(),
                level: u8::try_from(*level).ok()?,
            })
        })
        .collect();
    crate::features::referrals::corrections::reassessed_levels(state, Some(&sent)).await
}

fn act_error(e: ActError) -> ApiError {
    match e {
        ActError::NotFound => ApiError::not_found(),
        ActError::VersionMismatch { current } => now_at("referral", current),
        ActError::Transition(t) => {
            let code = match &t {
                TransitionError::RoleNotAllowed { .. } => ErrorCode::ForbiddenForRole,
                TransitionError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
                TransitionError::ReasonRequired(_) => ErrorCode::ReasonRequired,
                TransitionError::ReopenWindowPassed { .. } => ErrorCode::ReopenWindowPassed,
                TransitionError::OutcomeRequired => ErrorCode::OutcomeRequired,
            };
            ApiError::new(code, t.to_string())
        }
        ActError::Allocation(a) => {
            let code = match a {
                AllocationError::NotInTeam => ErrorCode::WorkerNotInTeam,
                AllocationError::WorkerInactive => ErrorCode::WorkerInactive,
                AllocationError::AtCap { .. } => ErrorCode::WorkerAtCapacity,
                AllocationError::SameWorker => ErrorCode::AlreadyAllocatedToWorker,
                AllocationError::NoCapacity => ErrorCode::NoWorkerCapacity,
            };
            ApiError::new(code, a.to_string())
        }
        ActError::NotRouted => ApiError::new(ErrorCode::ReferralNotRouted, e.to_string()),
        ActError::UnknownTeam => ApiError::validation(vec![FieldError::new(
            "team_id",
            "unknown_team",
            "no such team",
        )]),
        ActError::SameTeam => ApiError::new(ErrorCode::AlreadyWithTeam, e.to_string()),
        ActError::TeamNotOperational(_) => {
            ApiError::new(ErrorCode::TeamNotOperational, e.to_string())
        }
        ActError::Fields(fields) => ApiError::validation(
            fields
                .into_iter()
                .map(|(f, code, message)| FieldError::new(f, code, message))
                .collect(),
        ),
        ActError::Store(s) => s.into(),
    }
}

/// Declares an action endpoint: its OpenAPI description and the handler
/// that turns the body into an `ActionInput`.
macro_rules! action_endpoint {
    (
        $fn_name:ident, $path:literal, $summary:literal, $description:literal,
        $body:ty, |$b:ident| $input:expr
    ) => {
        #[doc = $summary]
        #[utoipa::path(
            tag = "Referral actions",
            summary = $summary,
            description = $description,
            params(
                ("id" = Uuid, Path, description = "Referral id"),
                ("If-Match" = String, Header, description = "The ETag of the referral as last read, e.g. \"v3\""),
            ),
            request_body(content = $body, content_type = "application/json"),
            responses(
                (status = 200, description = "The referral after the action", body = Referral, headers(("ETag" = String, description = "New version tag"))),
                (status = 403, response = Forbidden),
                (status = 404, response = NotFound),
                (status = 409, response = Conflict),
            ),
        )]
        #[post($path)]
        pub async fn $fn_name(
            state: web::Data<AppState>,
            caller: Caller,
            rid: RequestId,
            req: HttpRequest,
            id: web::Path<Uuid>,
            if_match: IfMatch,
            body: JsonBody<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let $b = body.0;
            validate(&$b)?;
            let input: Result<ActionInput, ApiError> = $input;
            act(&state, &caller, &rid, &req, id.into_inner(), if_match, input?).await
        }
    };
}

action_endpoint!(
    accept_referral, "/referrals/{id}/accept", "Accept a referral",
    "From `submitted`. Team managers (their team's referrals) and la_admin. Accepting against the screening outcome needs a `note` giving the reason.",
    AcceptBody, |b| Ok(ActionInput::Accept { note: b.note })
);
action_endpoint!(
    decline_referral,
    "/referrals/{id}/decline",
    "Decline a referral",
    "From `submitted` or `accepted`, with a reason and signposting for the school and family.",
    DeclineBody,
    |b| Ok(ActionInput::Decline {
        reason: b.reason,
        signposting: b.signposting
    })
);
action_endpoint!(
    redirect_referral, "/referrals/{id}/redirect", "Redirect a referral to another team",
    "From `submitted` or `accepted`: the referral goes to the named team's triage queue as `submitted`. The team must be operational. Council triage referrals are routed this way by la_admin.",
    RedirectBody, |b| Ok(ActionInput::Redirect { team_id: b.team_id, reason: b.reason })
);
action_endpoint!(
    allocate_referral, "/referrals/{id}/allocate", "Allocate a referral to a worker",
    "From `accepted`, or `allocated` to reallocate. Give `worker_id`, or `auto: true` for the team's practitioner with the lowest caseload relative to their cap (never over the cap; ties by caseload, then id). The reason is recorded in the history.",
    AllocateBody, |b| match (b.worker_id, b.auto) {
        (Some(w), None | Some(false)) => Ok(ActionInput::Allocate { choice: AllocationChoice::Manual(domain::WorkerId(w)) }),
        (None, Some(true)) => Ok(ActionInput::Allocate { choice: AllocationChoice::Auto }),
        _ => Err(ApiError::validation(vec![FieldError::new("worker_id", "one_of", "give either worker_id or auto: true")])),
    }
);
action_endpoint!(
    start_referral,
    "/referrals/{id}/start",
    "Start work on a referral",
    "From `allocated` to `active`: the allocated practitioner, their manager or la_admin.",
    NoteBody,
    |b| Ok(ActionInput::Start { note: b.note })
);
action_endpoint!(
    close_referral,
    "/referrals/{id}/close",
    "Close a referral",
    "From `allocated` or `active`, with an outcome (`other` needs a note). When the referral has a support plan, `final_ratings` rates every current goal (0-10) and is recorded as the final review; it is required unless the outcome is `moved_away` or `disengaged`. `indes` (optional) records the INDES levels as they stand at closure, on the policy's scale and at most one per area (422 names a bad entry): the referral's `indes_movement` then sets them against the intake levels.",
    CloseBody,
    |b| Ok(ActionInput::Close {
        escalation: b
            .escalation
            .map(|e| e.checked("escalation", sct_persistence::now().date_naive()))
            .transpose()?,
        outcome: b.outcome.into(),
        note: b.note,
        final_ratings: b
            .final_ratings
            .map(|r| r.iter().map(|x| (x.goal_id, x.rating)).collect()),
        indes: b.indes.map(|l| l
            .iter()
            .map(|x| (domain::IndesArea::from(x.area).as_str().to_owned(), i16::from(x.level)))
            .collect()),
    })
);
action_endpoint!(
    withdraw_referral, "/referrals/{id}/withdraw", "Withdraw a referral",
    "The referrer (school or integration client for its schools, or la_admin) withdraws a referral before allocation, with a reason.",
    ReasonBody, |b| Ok(ActionInput::Withdraw { reason: b.reason })
);
action_endpoint!(
    reopen_referral, "/referrals/{id}/reopen", "Reopen a closed referral",
    "Within the policy's reopen window after closure, with a reason; the referral returns to the status it was closed from.",
    ReasonBody, |b| Ok(ActionInput::Reopen { reason: b.reason })
);
