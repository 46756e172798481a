//! Sessions delivered for referrals, individual or group, with attendance;
//! and their correction.

use crate::features::delivery::dto::GroupSession;
use crate::features::delivery::dto::GroupSessionInput;
use crate::features::delivery::dto::Session;
use crate::features::delivery::dto::SessionCorrectionInput;
use crate::features::delivery::dto::SessionInput;
use crate::features::delivery::dto::SessionPage;
use crate::features::delivery::rules::allow;
use crate::features::delivery::rules::delivery_error;
use crate::features::delivery::rules::delivery_scope;
use crate::features::delivery::rules::not_future;
use crate::http::audit::actor;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::extract::RequestId;
use crate::http::paging::cursor_key;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
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
use sct_domain as domain;
use sct_domain::delivery::attendance_consistent;
use sct_domain::DeliveryOp;
use sct_domain::WireName;
use sct_persistence::delivery as repo;
use sct_persistence::delivery::NewSession;
use sct_persistence::delivery::Participant;
use sct_persistence::delivery::ParticipantProblem;
use sct_persistence::delivery::SessionCorrection;
use sct_persistence::delivery::SessionError;
use sct_persistence::referrals as referrals_repo;
use sct_persistence::scope::any_in_scope;
use sct_persistence::Scope;
use uuid::Uuid;

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
    description = "A session delivered for one active referral (409 `referral_not_open` otherwise): date (not in the future), intervention, duration, attendance and who attended, notes. The referral's team manager, the practitioners who work it (allocated or co-worker), la_admin; any other referral answers 404. Group sessions covering several referrals are recorded with `POST /group-sessions`.",
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body(content = SessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The session", body = Session, headers(("Location" = String, description = "URL of the session"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/referrals/{id}/sessions")]
pub async fn record_session(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    id: web::Path<Uuid>,
    body: JsonBody<SessionInput>,
    req: HttpRequest,
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
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = repo::record_session(
                conn,
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
            Ok(Written::created(
                format!("/api/v1/sessions/{}", body.id),
                1,
                &body,
            ))
        })
    })
    .await
}

/// Record a group session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Record a group session",
    description = "One session covering 2 to 30 active referrals of one team, with attendance per referral. Every referral must be active and in the caller's scope: a manager's team (la_admin: of one team), a practitioner's own referrals (allocated or co-worker), each of them; a refused referral is named in `errors` (422 `unknown_referral`) and nothing is stored. Each referral then lists the session among its own.",
    request_body(content = GroupSessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The session with its participants", body = GroupSession, headers(("Location" = String, description = "URL of the session"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
    ),
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
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = repo::record_session(
                conn,
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
            let body = GroupSession::from(&view);
            // The audit rows name every referral the session covered.
            Ok(
                Written::created(format!("/api/v1/sessions/{}", body.id), 1, &body)
                    .about_each("referral", view.attendance.iter().map(|a| a.referral_id)),
            )
        })
    })
    .await
}

/// Read a session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Read a session",
    description = "A session (individual or group) with every referral it covered. The manager of the team that delivered it, a practitioner who works (allocated or co-worker) at least one referral it covered, la_admin; others 404. The audit log names every referral it covered.",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = GroupSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    allow(&caller, DeliveryOp::ReadSessions)?;
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    let view = repo::get_session(&mut conn, id.into_inner()).await?;
    let covered: Vec<Uuid> = view.attendance.iter().map(|a| a.referral_id).collect();
    let readable = match &scope {
        Scope::All => true,
        Scope::Team(t) => *t == view.session.team_id,
        // A practitioner: when they work one of the referrals it covered.
        Scope::Worker(_) => any_in_scope(&mut conn, &covered, &scope).await?,
        Scope::Schools(_) => false,
    };
    if !readable {
        return Err(ApiError::not_found());
    }
    // The audit row names every referral the session covered.
    for r in &covered {
        crate::http::audit::note(&req, "referral", r);
    }
    Ok(ok(view.session.version, &GroupSession::from(&view)))
}

/// Correct a recorded session.
#[utoipa::path(
    tag = "Sessions",
    summary = "Correct a recorded session",
    description = "With If-Match (428 without, 412 when stale): replaces the session's shared fields (date, not in the future; intervention; duration; notes) and the attendance of every referral it covered. `participants` names exactly the referrals the session covered, each once (422 `participants_changed` otherwise): a correction never moves a session to other children. Every referral covered must still be active, as when recording (409 `referral_not_open` once one has closed). The manager of the team that delivered it, a practitioner who works (allocated or co-worker) every referral it covered, la_admin; others 404.",
    params(("id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as last read")),
    request_body(content = SessionCorrectionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The corrected session", body = GroupSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
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
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = repo::correct_session(
                conn,
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
            Ok(
                Written::ok(view.session.version, &GroupSession::from(&view))
                    .about_each("referral", view.attendance.iter().map(|a| a.referral_id)),
            )
        })
    })
    .await
}

/// List a referral's sessions.
#[utoipa::path(
    tag = "Sessions",
    summary = "List a referral's sessions",
    description = "Sessions that covered the referral, newest first (by date, then id), each with this referral's attendance and the number of referrals the session covered. Staff only (notes may speak of the family): the referral's team manager, the practitioners who work it (allocated or co-worker), la_admin.",
    params(("id" = Uuid, Path, description = "Referral id"), PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = SessionPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
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
    let before = cursor_key(p.cursor.as_deref())?;
    let id = id.into_inner();
    let scope = delivery_scope(&caller, &state.db).await?;
    let mut conn = state.db.conn().await?;
    referrals_repo::find(&mut conn, id, &scope).await?;
    let mut rows = repo::list_sessions(&mut conn, id, before, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.session.held_on, r.session.id));
    Ok(HttpResponse::Ok().json(SessionPage {
        items: rows.iter().map(Session::from).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------- reviews
