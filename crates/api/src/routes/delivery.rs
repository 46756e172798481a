//! Service delivery: the interventions catalogue, a referral's support plan
//! (versioned), sessions delivered (individual or group), and reviews with
//! distance travelled. Practitioners work every referral of their team here
//! (not only those allocated to them), managers their team's, la_admin all;
//! schools read their own children's plans and reviews.

use super::catalogue::{created, ok, page_size};
use super::catalogue::{uuid_next, uuid_page};
use super::{
    scope_of, stale, validate, AppState, BadRequest, Conflict, Forbidden, NotFound,
    PayloadTooLarge, PreconditionFailed, PreconditionRequired, ServiceUnavailable, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::auth::Caller;
use crate::delivery_dto::{
    GroupSession, GroupSessionInput, Intervention, InterventionInput, InterventionMode,
    InterventionPage, PlanInput, PlanVersion, PlanVersions, Review, ReviewInput, ReviewPage,
    Session, SessionCorrectionInput, SessionInput, SessionPage, SupportPlan,
};
use crate::dto::IndesArea;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{decode_cursor, encode_cursor, IfMatch, JsonBody, PageParams, RequestId};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use sct_domain::delivery::{attendance_consistent, check_plan, GoalDraft, PlanError};
use sct_domain::{self as domain, DeliveryOp, Role};
use sct_persistence::delivery::{
    self as repo, DeliveryError, GoalInput, InterventionFilter, InterventionRow, NewSession,
    Participant, ParticipantProblem, SessionCorrection, SessionError,
};
use sct_persistence::referrals as referrals_repo;
use sct_persistence::{catalogue as cat, Actor, Db, Scope};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Refuses a role that may never take the operation.
fn allow(caller: &Caller, op: DeliveryOp) -> Result<(), ApiError> {
    if op.permits(caller.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(caller.role.as_str()))
    }
}

/// The scope of delivery records: a practitioner works every referral of
/// their team (a colleague's case, a group session), so their scope is the
/// team once the token's subject is a registered worker of it.
pub async fn delivery_scope(caller: &Caller, db: &Db) -> Result<Scope, ApiError> {
    if caller.role != Role::Practitioner {
        return scope_of(caller, db).await;
    }
    let mut conn = db.conn().await?;
    Ok(
        match cat::worker_by_subject(&mut conn, &caller.subject).await? {
            Some(w) if Some(w.team_id) == caller.team_id => Scope::Team(w.team_id),
            _ => Scope::Worker(Uuid::nil()),
        },
    )
}

fn actor(caller: &Caller, rid: &RequestId) -> Actor {
    crate::audit::actor(caller, rid)
}

fn not_future(field: &str, day: NaiveDate) -> Result<(), ApiError> {
    if day > Utc::now().date_naive() {
        return Err(ApiError::validation(vec![FieldError::new(
            field,
            "in_future",
            "the date may not be in the future",
        )]));
    }
    Ok(())
}

fn delivery_error(e: DeliveryError) -> ApiError {
    match e {
        DeliveryError::NotFound => ApiError::not_found(),
        DeliveryError::VersionMismatch { .. } => stale(),
        DeliveryError::IfMatchRequired => ApiError::new(ErrorCode::IfMatchRequired, e.to_string()),
        DeliveryError::NotOpen(..) => ApiError::new(ErrorCode::ReferralNotOpen, e.to_string()),
        DeliveryError::NoPlan => ApiError::new(ErrorCode::NoSupportPlan, e.to_string()),
        DeliveryError::Field {
            field,
            code,
            message,
        } => ApiError::validation(vec![FieldError::new(field, code, message)]),
        DeliveryError::Ratings(errors) => ApiError::validation(
            errors
                .iter()
                .map(|r| FieldError::new(r.field("ratings"), r.code(), r.to_string()))
                .collect(),
        ),
        DeliveryError::Store(s) => s.into(),
    }
}

// ---------------------------------------------------------------- catalogue

/// Filters of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InterventionListParams {
    /// Only active (true) or retired (false) entries. Schools and integration clients always see active ones only.
    pub active: Option<bool>,
    /// Only this mode of delivery.
    pub mode: Option<InterventionMode>,
    /// Only entries addressing this INDES area.
    pub area: Option<IndesArea>,
    /// Items per page (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// List interventions.
#[utoipa::path(
    tag = "Interventions",
    summary = "List interventions",
    description = "The catalogue of evidence-based interventions, ordered by id (creation order). Every staff role reads all entries; schools and integration clients read active ones only (what a team may offer their children). Filters combine with AND.",
    params(InterventionListParams),
    responses(
        (status = 200, description = "A page of interventions", body = InterventionPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/interventions")]
pub async fn list_interventions(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<InterventionListParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadInterventions)?;
    let p = p.into_inner();
    let (limit, n, after) = uuid_page(p.limit, p.cursor)?;
    let active = if caller.role.acts_for_schools() {
        if p.active == Some(false) {
            return Ok(HttpResponse::Ok().json(InterventionPage {
                items: Vec::new(),
                next_cursor: None,
            }));
        }
        Some(true)
    } else {
        p.active
    };
    let filter = InterventionFilter {
        active,
        mode: p.mode.map(|m| m.as_str().to_owned()),
        area: p
            .area
            .map(|a| domain::IndesArea::from(a).as_str().to_owned()),
    };
    let mut conn = state.db.conn().await?;
    let mut rows = repo::list_interventions(&mut conn, &filter, after, limit + 1).await?;
    let next_cursor = uuid_next(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(InterventionPage {
        items: rows.into_iter().map(Intervention::from).collect(),
        next_cursor,
    }))
}

/// Read an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Read an intervention",
    description = "One catalogue entry. Schools and integration clients read active entries only (a retired one answers 404).",
    params(("id" = Uuid, Path, description = "Intervention id")),
    responses(
        (status = 200, description = "The intervention", body = Intervention, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/interventions/{id}")]
pub async fn get_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadInterventions)?;
    let mut conn = state.db.conn().await?;
    let row = repo::get_intervention(&mut conn, id.into_inner()).await?;
    if caller.role.acts_for_schools() && !row.active {
        return Err(ApiError::not_found());
    }
    Ok(ok(row.version, &Intervention::from(row)))
}

fn intervention_row(
    b: InterventionInput,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<InterventionRow, ApiError> {
    let mut errors = Vec::new();
    for (i, a) in b.areas.iter().enumerate() {
        if b.areas[..i].contains(a) {
            errors.push(FieldError::new(
                format!("areas[{i}]"),
                "duplicate_area",
                "each area is listed once",
            ));
        }
    }
    for (field, text) in [
        ("name", &b.name),
        ("description", &b.description),
        ("approach", &b.approach),
        ("evidence_base", &b.evidence_base),
    ] {
        if text.trim().is_empty() {
            errors.push(FieldError::new(
                field,
                "required",
                format!("{field} may not be blank"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(InterventionRow {
        id,
        name: b.name,
        description: b.description,
        approach: b.approach,
        mode: b.mode.as_str().to_owned(),
        areas: b
            .areas
            .iter()
            .map(|a| domain::IndesArea::from(*a).as_str().to_owned())
            .collect(),
        evidence_base: b.evidence_base,
        typical_sessions: b.typical_sessions,
        active: b.active.unwrap_or(true),
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

/// Add an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Add an intervention to the catalogue",
    description = "la_admin only. `areas` lists each INDES area once.",
    request_body(content = InterventionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The intervention", body = Intervention, headers(("Location" = String, description = "URL of the intervention"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/interventions")]
pub async fn create_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ManageInterventions)?;
    let b = body.0;
    validate(&b)?;
    let row = intervention_row(b, Uuid::now_v7(), sct_persistence::now())?;
    let mut conn = state.db.conn().await?;
    let row = repo::create_intervention(&mut conn, &row).await?;
    Ok(created(
        format!("/api/v1/interventions/{}", row.id),
        row.version,
        &Intervention::from(row),
    ))
}

/// Update an intervention.
#[utoipa::path(
    tag = "Interventions",
    summary = "Update an intervention",
    description = "la_admin only, with If-Match: replaces every field. Setting `active` to false retires the entry: plans that chose it keep it, new plans cannot choose it.",
    params(("id" = Uuid, Path, description = "Intervention id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = InterventionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The intervention", body = Intervention, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/interventions/{id}")]
pub async fn update_intervention(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<InterventionInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ManageInterventions)?;
    let b = body.0;
    validate(&b)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let row = intervention_row(b, id, sct_persistence::now())?;
    let mut conn = state.db.conn().await?;
    repo::get_intervention(&mut conn, id).await?;
    let row = repo::update_intervention(&mut conn, &row, version)
        .await?
        .ok_or_else(stale)?;
    Ok(ok(row.version, &Intervention::from(row)))
}

// ---------------------------------------------------------------- plans

/// Read a referral's support plan.
#[utoipa::path(
    tag = "Support plans",
    summary = "Read a referral's support plan",
    description = "The current goals with baseline, target, latest rating and distance travelled (latest rating minus baseline), and the interventions chosen. Practitioners and managers of the referral's team, the referring school (and its integration client), la_admin. 404 when the referral is out of scope or has no plan yet.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The plan", body = SupportPlan, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
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
    description = "Creates the plan (201; no If-Match needed) or replaces it (200; If-Match required, 428 without, 412 when stale). The referral must be `allocated` or `active` (409 `referral_not_open` otherwise). 1 to 20 goals, each with an INDES area, a description, a baseline and a target on the 0-10 goal-based-outcome scale, the target above the baseline. Give a goal's `id` to keep it (and its ratings); goals left out are retired. Chosen interventions must be in the catalogue and active (a retired one may stay on a plan that has it). Every version is kept (`/plan/versions`). Practitioners and managers of the referral's team, la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), ("If-Match" = Option<String>, Header, description = "ETag of the plan as last read (required once the plan exists)")),
    request_body(content = PlanInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The plan, replaced", body = SupportPlan, headers(("ETag" = String, description = "Version tag"))),
        (status = 201, description = "The plan, created", body = SupportPlan, headers(("Location" = String, description = "URL of the plan"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/referrals/{id}/plan")]
pub async fn put_plan(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<PlanInput>,
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
    let mut conn = state.db.conn().await?;
    let (plan, fresh) = repo::put_plan(
        &mut conn,
        id,
        &scope,
        if_match.0,
        goals,
        b.intervention_ids.clone(),
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(delivery_error)?;
    let body = SupportPlan::from(&plan);
    Ok(if fresh {
        created(
            format!("/api/v1/referrals/{id}/plan"),
            plan.plan.version,
            &body,
        )
    } else {
        ok(plan.plan.version, &body)
    })
}

/// Versions of a referral's support plan.
#[utoipa::path(
    tag = "Support plans",
    summary = "List the versions of a support plan",
    description = "Every version of the plan as written, oldest first, with who wrote it and when. Same readers as the plan.",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The versions", body = PlanVersions),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/plan/versions")]
pub async fn plan_versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let rows = repo::plan_versions(&mut conn, id).await?;
    if rows.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::Ok().json(PlanVersions {
        items: rows.into_iter().map(PlanVersion::from).collect(),
    }))
}

// ---------------------------------------------------------------- sessions

fn attendance_error(field: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        field,
        "inconsistent_attendance",
        "an attended session names who attended; a missed or cancelled one cannot have the child attending",
    )])
}

fn session_error(e: SessionError, group: bool) -> ApiError {
    match e {
        SessionError::Participant { index, problem } if group => {
            let field = format!("participants[{index}].referral_id");
            let (code, message) = match problem {
                ParticipantProblem::NotFound => {
                    ("unknown_referral", "no such referral in your team")
                }
                ParticipantProblem::NotOpen(_) => {
                    ("referral_not_open", "the referral is not active")
                }
                ParticipantProblem::OtherTeam => {
                    ("other_team", "a group session covers referrals of one team")
                }
                ParticipantProblem::Duplicate => ("duplicate_referral", "listed twice"),
            };
            ApiError::validation(vec![FieldError::new(field, code, message)])
        }
        SessionError::Participant { problem, .. } => match problem {
            ParticipantProblem::NotOpen(status) => ApiError::new(
                ErrorCode::ReferralNotOpen,
                format!("the referral is {status}: sessions are recorded while it is active"),
            ),
            _ => ApiError::not_found(),
        },
        SessionError::UnknownIntervention => ApiError::validation(vec![FieldError::new(
            "intervention_id",
            "unknown_intervention",
            "no such intervention in the catalogue",
        )]),
        SessionError::Store(s) => s.into(),
    }
}

/// Record a session for a referral.
#[utoipa::path(
    tag = "Sessions",
    summary = "Record an individual session",
    description = "A session delivered for one active referral (409 `referral_not_open` otherwise): date (not in the future), intervention, duration, attendance and who attended, notes. Practitioners and managers of the referral's team, la_admin. Group sessions covering several referrals are recorded with `POST /group-sessions`.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = SessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The session", body = Session, headers(("Location" = String, description = "URL of the session"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/sessions")]
pub async fn record_session(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    body: JsonBody<SessionInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("held_on", b.held_on)?;
    let a = b.attendees;
    if !attendance_consistent(b.attendance.into(), a.child, a.parent_carer, a.school_staff) {
        return Err(attendance_error("attendees"));
    }
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::record_session(
        &mut conn,
        NewSession {
            held_on: b.held_on,
            intervention_id: b.intervention_id,
            format: domain::SessionFormat::Individual.as_str().to_owned(),
            duration_minutes: b.duration_minutes,
            notes: b.notes,
        },
        vec![Participant {
            referral_id: id,
            status: b.attendance.as_str().to_owned(),
            child: a.child,
            parent_carer: a.parent_carer,
            school_staff: a.school_staff,
        }],
        &scope,
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(|e| session_error(e, false))?;
    let attendance = view.attendance[0].clone();
    let body = Session::from(&repo::ReferralSession {
        session: view.session,
        attendance,
        participants: 1,
    });
    Ok(created(format!("/api/v1/sessions/{}", body.id), 1, &body))
}

/// Record a group session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Record a group session",
    description = "One session covering 2 to 30 active referrals of one team, with attendance per referral. Every referral must be active and in the caller's team (la_admin: of one team); a refused referral is named in `errors` (422) and nothing is stored. Each referral then lists the session among its own.",
    request_body(content = GroupSessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The session with its participants", body = GroupSession, headers(("Location" = String, description = "URL of the session"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/group-sessions")]
pub async fn record_group_session(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    body: JsonBody<GroupSessionInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("held_on", b.held_on)?;
    for (i, p) in b.participants.iter().enumerate() {
        let a = p.attendees;
        if !attendance_consistent(p.attendance.into(), a.child, a.parent_carer, a.school_staff) {
            return Err(attendance_error(&format!("participants[{i}].attendees")));
        }
    }
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::record_session(
        &mut conn,
        NewSession {
            held_on: b.held_on,
            intervention_id: b.intervention_id,
            format: domain::SessionFormat::Group.as_str().to_owned(),
            duration_minutes: b.duration_minutes,
            notes: b.notes,
        },
        b.participants
            .iter()
            .map(|p| Participant {
                referral_id: p.referral_id,
                status: p.attendance.as_str().to_owned(),
                child: p.attendees.child,
                parent_carer: p.attendees.parent_carer,
                school_staff: p.attendees.school_staff,
            })
            .collect(),
        &scope,
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(|e| session_error(e, true))?;
    // The audit row names every referral the session covered.
    for a in &view.attendance {
        crate::audit::note(&req, "referral", &a.referral_id);
    }
    let body = GroupSession::from(&view);
    Ok(created(format!("/api/v1/sessions/{}", body.id), 1, &body))
}

/// Read a session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Read a session",
    description = "A session (individual or group) with every referral it covered. Practitioners and managers of the team that delivered it, la_admin.",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = GroupSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadSessions)?;
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::get_session(&mut conn, id.into_inner()).await?;
    match scope {
        Scope::All => {}
        Scope::Team(t) if t == view.session.team_id => {}
        _ => return Err(ApiError::not_found()),
    }
    Ok(ok(view.session.version, &GroupSession::from(&view)))
}

/// Correct a recorded session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Correct a recorded session",
    description = "With If-Match (428 without, 412 when stale): replaces the session's shared fields (date, not in the future; intervention; duration; notes) and the attendance of every referral it covered. `participants` names exactly the referrals the session covered, each once (422 `participants_changed` otherwise): a correction never moves a session to other children. Every referral covered must still be active, as when recording (409 `referral_not_open` once one has closed). Practitioners and managers of the team that delivered it, la_admin; another team's session answers 404.",
    params(("id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as last read")),
    request_body(content = SessionCorrectionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The corrected session", body = GroupSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/sessions/{id}")]
pub async fn update_session(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<SessionCorrectionInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("held_on", b.held_on)?;
    for (i, p) in b.participants.iter().enumerate() {
        let a = p.attendees;
        if !attendance_consistent(p.attendance.into(), a.child, a.parent_carer, a.school_staff) {
            return Err(attendance_error(&format!("participants[{i}].attendees")));
        }
    }
    let version = if_match.required()?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::correct_session(
        &mut conn,
        id,
        &scope,
        version,
        SessionCorrection {
            held_on: b.held_on,
            intervention_id: b.intervention_id,
            duration_minutes: b.duration_minutes,
            notes: b.notes,
            participants: b
                .participants
                .iter()
                .map(|p| Participant {
                    referral_id: p.referral_id,
                    status: p.attendance.as_str().to_owned(),
                    child: p.attendees.child,
                    parent_carer: p.attendees.parent_carer,
                    school_staff: p.attendees.school_staff,
                })
                .collect(),
        },
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(delivery_error)?;
    for a in &view.attendance {
        crate::audit::note(&req, "referral", &a.referral_id);
    }
    Ok(ok(view.session.version, &GroupSession::from(&view)))
}

/// List a referral's sessions.
#[utoipa::path(
    tag = "Sessions",
    summary = "List a referral's sessions",
    description = "Sessions that covered the referral, newest first (by date, then id), each with this referral's attendance and the number of referrals the session covered. Staff only (notes may speak of the family): practitioners and managers of the referral's team, la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = SessionPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadSessions)?;
    let (limit, n) = page_size(&p)?;
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidCursor,
            "the cursor is not one this API issued",
        )
    };
    let before = match &p.cursor {
        None => None,
        Some(cursor) => {
            let parts = decode_cursor(cursor, 2)?;
            let day = NaiveDate::parse_from_str(&parts[0], "%Y-%m-%d").map_err(|_| bad())?;
            let session = Uuid::parse_str(&parts[1]).map_err(|_| bad())?;
            Some((day, session))
        }
    };
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let mut rows = repo::list_sessions(&mut conn, id, before, limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| {
        let last = &rows[n - 1];
        encode_cursor(&[
            &last.session.held_on.format("%Y-%m-%d").to_string(),
            &last.session.id.to_string(),
        ])
    });
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(SessionPage {
        items: rows.iter().map(Session::from).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------- reviews

/// Record a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Record a review of the plan",
    description = "Rates every current goal of the plan again on the 0-10 goal-based-outcome scale (each goal exactly once; 422 names what is missing or wrong). The referral must be active and have a plan (409 `referral_not_open` or `no_support_plan`). The plan then shows each goal's latest rating and distance travelled. Practitioners and managers of the referral's team, la_admin.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = ReviewInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The review", body = Review, headers(("Location" = String, description = "URL of the review"), ("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/reviews")]
pub async fn record_review(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    body: JsonBody<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("reviewed_on", b.reviewed_on)?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::record_review(
        &mut conn,
        id,
        &scope,
        b.reviewed_on,
        b.notes,
        b.ratings.iter().map(|r| (r.goal_id, r.rating)).collect(),
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(delivery_error)?;
    Ok(created(
        format!("/api/v1/referrals/{id}/reviews/{}", view.review.id),
        view.review.version,
        &Review::from(&view),
    ))
}

/// Read a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Read a review of the plan",
    description = "One review with its ratings and their distance travelled. Same readers as the plan, including the referring school. 404 when the referral is out of scope or the review is not one of its reviews.",
    params(("id" = Uuid, Path, description = "Referral id"), ("review_id" = Uuid, Path, description = "Review id")),
    responses(
        (status = 200, description = "The review", body = Review, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/reviews/{review_id}")]
pub async fn get_review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let (id, review) = path.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let view = repo::get_review(&mut conn, id, review).await?;
    Ok(ok(view.review.version, &Review::from(&view)))
}

/// Correct a review.
#[utoipa::path(
    tag = "Support plans",
    summary = "Correct a review of the plan (re-rate its goals)",
    description = "With If-Match (428 without, 412 when stale): replaces the review's date (not in the future), notes and ratings. The ratings rate again exactly the goals the review rated, each once, on the 0-10 scale (422 names what is missing or wrong). An interim review is corrected while the referral is active (409 `referral_not_open` otherwise); the final review recorded at closure stands. The plan's latest ratings and distance travelled follow the correction. Practitioners and managers of the referral's team, la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), ("review_id" = Uuid, Path, description = "Review id"), ("If-Match" = String, Header, description = "ETag of the review as last read")),
    request_body(content = ReviewInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The corrected review", body = Review, headers(("ETag" = String, description = "Version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/referrals/{id}/reviews/{review_id}")]
pub async fn update_review(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::RecordDelivery)?;
    let b = body.0;
    validate(&b)?;
    not_future("reviewed_on", b.reviewed_on)?;
    let version = if_match.required()?;
    let (id, review) = path.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::correct_review(
        &mut conn,
        id,
        review,
        &scope,
        version,
        b.reviewed_on,
        b.notes,
        b.ratings.iter().map(|r| (r.goal_id, r.rating)).collect(),
        &actor(&caller, &rid),
        sct_persistence::now(),
    )
    .await
    .map_err(delivery_error)?;
    Ok(ok(view.review.version, &Review::from(&view)))
}

/// List a referral's reviews.
#[utoipa::path(
    tag = "Support plans",
    summary = "List a referral's reviews",
    description = "Reviews of the plan, oldest first, each rating with its distance travelled; the final review (recorded at closure) last. Same readers as the plan, including the referring school.",
    params(("id" = Uuid, Path, description = "Referral id"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/reviews")]
pub async fn list_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadPlan)?;
    let (limit, n) = page_size(&p)?;
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidCursor,
            "the cursor is not one this API issued",
        )
    };
    let after = match &p.cursor {
        None => None,
        Some(cursor) => {
            let parts = decode_cursor(cursor, 2)?;
            let at = DateTime::parse_from_rfc3339(&parts[0])
                .map_err(|_| bad())?
                .with_timezone(&Utc);
            let review = Uuid::parse_str(&parts[1]).map_err(|_| bad())?;
            Some((at, review))
        }
    };
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let mut rows = repo::list_reviews(&mut conn, id, after, limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| {
        let last = &rows[n - 1].review;
        encode_cursor(&[
            &last
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &last.id.to_string(),
        ])
    });
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(ReviewPage {
        items: rows.iter().map(Review::from).collect(),
        next_cursor,
    }))
}
