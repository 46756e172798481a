//! The diary's operations: plan, list, read, change, cancel and complete
//! appointments. Staff only (schools and integration clients: 403).

use crate::features::appointments::dto::Appointment;
use crate::features::appointments::dto::AppointmentPage;
use crate::features::appointments::dto::AppointmentPlan;
use crate::features::appointments::dto::AppointmentQuery;
use crate::features::appointments::dto::CancelBody;
use crate::features::appointments::dto::CompleteBody;
use crate::features::appointments::dto::NewAppointment;
use crate::features::delivery::dto::AttendanceStatus;
use crate::http::access::STAFF;
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
use crate::http::extract::RequestId;
use crate::http::paging::keyset_page;
use crate::http::paging::next_page;
use crate::http::respond::now_at;
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
use sct_domain::diary;
use sct_domain::Role;
use sct_domain::WireName;
use sct_persistence::appointments as repo;
use sct_persistence::appointments::read::Whose;
use sct_persistence::appointments::About;
use sct_persistence::appointments::Access;
use sct_persistence::appointments::AppointmentError;
use sct_persistence::appointments::AppointmentView;
use sct_persistence::appointments::Outcome;
use sct_persistence::appointments::Plan;
use sct_persistence::delivery::NewSession;
use sct_persistence::delivery::Participant;
use sct_persistence::delivery::ParticipantProblem;
use sct_persistence::delivery::SessionError;
use uuid::Uuid;

/// The longest window a list reads.
const MAX_WINDOW_DAYS: i64 = 31;

/// What a caller may act on.
pub(crate) fn access_of(caller: &Caller) -> Access {
    match (caller.role, caller.team_id, caller.worker_id) {
        (Role::LaAdmin, _, _) => Access::All,
        (Role::TeamManager, Some(t), _) => Access::Team(t),
        (Role::Practitioner, Some(team), Some(worker)) => Access::Worker { team, worker },
        _ => Access::Nothing,
    }
}

fn field(name: &str, code: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(name, code, message)])
}

fn appointment_error(e: AppointmentError) -> ApiError {
    match e {
        AppointmentError::NotFound => ApiError::not_found(),
        AppointmentError::VersionMismatch { current } => now_at("appointment", current),
        AppointmentError::NotPlanned(_) => {
            ApiError::new(ErrorCode::InvalidTransition, e.to_string())
        }
        AppointmentError::NotInTeam(_) | AppointmentError::NoTeam => {
            field("worker_ids", "worker_not_in_team", &e.to_string())
        }
        AppointmentError::Inactive(_) => field("worker_ids", "worker_inactive", &e.to_string()),
        AppointmentError::Clash { .. } => ApiError::new(
            ErrorCode::AppointmentClash,
            format!("{e}; give `clash_reason` to plan it anyway"),
        ),
        AppointmentError::Session(SessionError::Participant { problem, .. }) => match problem {
            ParticipantProblem::NotOpen(status) => ApiError::new(
                ErrorCode::ReferralNotOpen,
                format!("the referral is {status}: sessions are recorded while it is active"),
            ),
            _ => ApiError::not_found(),
        },
        AppointmentError::Session(SessionError::UnknownIntervention) => field(
            "intervention_id",
            "unknown_intervention",
            "no such intervention in the catalogue",
        ),
        AppointmentError::Session(SessionError::Store(s)) | AppointmentError::Store(s) => s.into(),
    }
}

/// Checks a plan and turns it into the store's.
fn plan_of(p: AppointmentPlan) -> Result<Plan, ApiError> {
    match diary::check_span(p.starts_at, p.ends_at) {
        Ok(()) => {}
        Err(diary::SpanProblem::EndsBeforeStart) => {
            return Err(field(
                "ends_at",
                "ends_before_start",
                "the appointment must end after it starts",
            ))
        }
        Err(diary::SpanProblem::TooLong) => {
            return Err(field(
                "ends_at",
                "too_long",
                "an appointment lasts at most 12 hours",
            ))
        }
    }
    let mut expected: Vec<String> = Vec::new();
    for e in p.expected {
        let code = diary::Expected::from(e).as_str().to_owned();
        if expected.contains(&code) {
            return Err(field("expected", "duplicate", "each role at most once"));
        }
        expected.push(code);
    }
    let mut workers = p.worker_ids.clone();
    workers.sort();
    workers.dedup();
    if workers.len() != p.worker_ids.len() {
        return Err(field("worker_ids", "duplicate", "each worker at most once"));
    }
    Ok(Plan {
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        mode: diary::AppointmentMode::from(p.mode).as_str().to_owned(),
        place: p.place,
        expected,
        workers: p.worker_ids,
        clash_reason: p.clash_reason,
    })
}

fn written(status: actix_web::http::StatusCode, v: &AppointmentView) -> Written {
    let body = Appointment::from(v);
    let w = if status == actix_web::http::StatusCode::CREATED {
        Written::created(
            format!("/api/v1/appointments/{}", body.id),
            body.version,
            &body,
        )
    } else {
        Written::ok(body.version, &body)
    };
    let w = w.about("appointment", &body.id);
    match (body.referral_id, body.family_id) {
        (Some(r), _) => w.about("referral", &r),
        (None, Some(f)) => w.about("family", &f),
        (None, None) => w,
    }
}

/// Plan an appointment.
#[utoipa::path(
    tag = "Diary",
    summary = "Plan an appointment",
    description = "Planned contact for a referral (`referral_id`), a programme session (`programme_session_id`), a family (`family_id`) or a school-support record (`school_support_id`): exactly one (422 `exactly_one` otherwise). Start and end (the end after the start, at most 12 hours later: 422 `ends_before_start`, `too_long`), in person at a `place` or online, the workers who hold it (1 to 5, active, of the referral's team or, for a programme session, a family or a school-support record, of the caller's team in its zone: 422 `worker_not_in_team`, `worker_inactive`), and who is expected. A worker who already has an appointment overlapping it (not cancelled) makes it 409 `appointment_clash`, unless `clash_reason` says why it is planned anyway. la_admin, the referral's team manager, the practitioners who work it (for the other kinds: the zone's team); a referral, programme session, family or school-support record out of reach answers 404.",
    request_body(content = NewAppointment, content_type = "application/json"),
    responses(
        (status = 201, description = "The appointment", body = Appointment, headers(("Location" = String, description = "URL of the appointment"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/appointments")]
pub async fn create_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<NewAppointment>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let b = body.0;
    validate(&b)?;
    let about = match (
        b.referral_id,
        b.programme_session_id,
        b.family_id,
        b.school_support_id,
    ) {
        (Some(r), None, None, None) => About::Referral(r),
        (None, Some(s), None, None) => About::ProgrammeSession(s),
        (None, None, Some(f), None) => About::Family(f),
        (None, None, None, Some(s)) => About::SchoolSupport(s),
        _ => {
            return Err(field(
                "referral_id",
                "exactly_one",
                "name exactly one of a referral, a programme session, a family or a school-support record",
            ))
        }
    };
    let plan = plan_of(b.plan())?;
    let access = access_of(&caller);
    let subject = caller.subject.clone();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let v = repo::create(conn, about, plan, &access, &subject, sct_persistence::now())
                .await
                .map_err(appointment_error)?;
            Ok(written(actix_web::http::StatusCode::CREATED, &v))
        })
    })
    .await
}

/// Whose diary a list reads, as the caller may.
async fn whose(caller: &Caller, state: &AppState, raw: Option<&str>) -> Result<Whose, ApiError> {
    let bad = |m: &str| ApiError::new(ErrorCode::InvalidParameter, m.to_owned());
    let worker = match raw {
        None => None,
        Some("me") => Some(caller.worker_id.ok_or_else(|| {
            bad("worker_id=me: the caller has no worker record (la_admin: give a worker id)")
        })?),
        Some(id) => {
            Some(Uuid::parse_str(id).map_err(|_| bad("worker_id must be a worker id or `me`"))?)
        }
    };
    match (access_of(caller), worker) {
        (Access::All, None) => Ok(Whose::All),
        (Access::All, Some(w)) => Ok(Whose::Worker(w)),
        (Access::Team(t), None) => Ok(Whose::Team(t)),
        (Access::Team(t), Some(w)) => {
            let mut conn = state.db.conn().await?;
            match repo::read::worker_team(&mut conn, w).await {
                Ok(team) if team == t => Ok(Whose::Worker(w)),
                Ok(_) | Err(sct_persistence::StoreError::NotFound) => Err(ApiError::not_found()),
                Err(e) => Err(e.into()),
            }
        }
        (Access::Worker { worker: me, .. }, None) => Ok(Whose::Worker(me)),
        (Access::Worker { worker: me, .. }, Some(w)) if w == me => Ok(Whose::Worker(me)),
        _ => Err(ApiError::not_found()),
    }
}

/// List appointments in a window.
#[utoipa::path(
    tag = "Diary",
    summary = "List appointments",
    description = "Appointments starting in [`from`, `to`) (at most 31 days: 400 `invalid_parameter` otherwise), earliest first, keyset-paged. `worker_id=me` (or a worker's id) reads one worker's diary: a practitioner their own only, a team manager any worker of their team, la_admin any worker (another worker answers 404). Without it: a practitioner's own diary, a team manager's whole team, every appointment for la_admin. Cancelled and completed appointments are listed with their status. Staff only (403 for schools and integration clients). Every read is audited.",
    params(AppointmentQuery),
    responses(
        (status = 200, description = "A page of appointments", body = AppointmentPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/appointments")]
pub async fn list_appointments(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<AppointmentQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let q = q.into_inner();
    if q.to <= q.from || q.to - q.from > chrono::Duration::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "`to` must be after `from` and at most 31 days later",
        ));
    }
    let (limit, n, after) = keyset_page(q.limit, q.cursor)?;
    let whose = whose(&caller, &state, q.worker_id.as_deref()).await?;
    let mut conn = state.db.conn().await?;
    let mut rows = repo::read::list(&mut conn, whose, q.from, q.to, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.row.starts_at, r.row.id));
    for v in &rows {
        crate::http::audit::note(&req, "appointment", &v.row.id);
        if let Some(r) = v.row.referral_id {
            crate::http::audit::note(&req, "referral", &r);
        }
    }
    Ok(HttpResponse::Ok().json(AppointmentPage {
        items: rows.iter().map(Appointment::from).collect(),
        next_cursor,
    }))
}

/// Read an appointment.
#[utoipa::path(
    tag = "Diary",
    summary = "Read an appointment",
    description = "One appointment: la_admin any, a team manager their team's, a practitioner one they hold or of a referral they work (404 otherwise). Staff only.",
    params(("id" = Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = Appointment, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/appointments/{id}")]
pub async fn get_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let mut conn = state.db.conn().await?;
    let v = repo::read::get(&mut conn, id.into_inner(), &access_of(&caller)).await?;
    if let Some(r) = v.row.referral_id {
        crate::http::audit::note(&req, "referral", &r);
    }
    Ok(crate::http::respond::ok(
        v.row.version,
        &Appointment::from(&v),
    ))
}

/// Change an appointment.
#[utoipa::path(
    tag = "Diary",
    summary = "Change an appointment",
    description = "Replaces a planned appointment's times, place, workers and who is expected, with the same rules as planning it (422, 409 `appointment_clash` unless `clash_reason`). Only while planned (409 `invalid_transition` once cancelled or completed). With If-Match (428 without, 412 when stale). Whoever may read it.",
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        ("If-Match" = String, Header, description = "The ETag of the appointment as last read, e.g. \"v1\""),
    ),
    request_body(content = AppointmentPlan, content_type = "application/json"),
    responses(
        (status = 200, description = "The appointment", body = Appointment, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[put("/appointments/{id}")]
pub async fn update_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<AppointmentPlan>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let expected = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    let plan = plan_of(b)?;
    let id = id.into_inner();
    let access = access_of(&caller);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let v = repo::update(conn, id, plan, &access, expected, sct_persistence::now())
                .await
                .map_err(appointment_error)?;
            Ok(written(actix_web::http::StatusCode::OK, &v))
        })
    })
    .await
}

/// Cancel an appointment.
#[utoipa::path(
    tag = "Diary",
    summary = "Cancel an appointment",
    description = "Calls a planned appointment off beforehand, saying who did (`family`, `school`, `service`) and why. It stays in the diary, the chronology and the calendar feed (as cancelled) and no longer clashes. Only while planned (409 `invalid_transition`). With If-Match (428 without, 412 when stale). Whoever may read it.",
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        ("If-Match" = String, Header, description = "The ETag of the appointment as last read, e.g. \"v1\""),
    ),
    request_body(content = CancelBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The appointment", body = Appointment, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/appointments/{id}/cancel")]
pub async fn cancel_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<CancelBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let expected = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    let id = id.into_inner();
    let access = access_of(&caller);
    let by = diary::CancelledBy::from(b.cancelled_by).as_str();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let v = repo::cancel(
                conn,
                id,
                by,
                b.reason,
                &access,
                expected,
                sct_persistence::now(),
            )
            .await
            .map_err(appointment_error)?;
            Ok(written(actix_web::http::StatusCode::OK, &v))
        })
    })
    .await
}

/// Complete an appointment.
#[utoipa::path(
    tag = "Diary",
    summary = "Complete an appointment as the session it became",
    description = "Records how a planned appointment went: `attended`, `did_not_attend`, or `cancelled` on the day with who cancelled (`cancelled_by`, required then and refused otherwise: 422). For a referral's appointment this records the referral's individual session in the same transaction (held on the appointment's UTC day, which may not be in the future: 422 `in_future`; the referral must be active: 409 `referral_not_open`; attendance and attendees must agree: 422) and links the two (`session_id`); a school-support record's appointment completed as `attended` records the record's session (practitioner: its first worker; `children_count`, `staff_count`, which only it takes: 422 `not_allowed` otherwise) and links it (`support_session_id`); a programme session's appointment keeps its register with the programme, and a family's records only how it went. Only while planned (409 `invalid_transition`). With If-Match (428 without, 412 when stale).",
    params(
        ("id" = Uuid, Path, description = "Appointment id"),
        ("If-Match" = String, Header, description = "The ETag of the appointment as last read, e.g. \"v1\""),
    ),
    request_body(content = CompleteBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The appointment, completed", body = Appointment, headers(("ETag" = String, description = "New version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/appointments/{id}/complete")]
pub async fn complete_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    rid: RequestId,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<CompleteBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STAFF)?;
    let expected = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    let cancelled = b.attendance == AttendanceStatus::Cancelled;
    if cancelled != b.cancelled_by.is_some() {
        return Err(field(
            "cancelled_by",
            if cancelled { "required" } else { "not_allowed" },
            "who cancelled is given with `cancelled` attendance, and only then",
        ));
    }
    let who = b.attendees;
    if !attendance_consistent(
        b.attendance.into(),
        who.child,
        who.parent_carer,
        who.school_staff,
    ) {
        return Err(field(
            "attendees",
            "inconsistent_attendance",
            "an attended session names who attended; a missed or cancelled one cannot have the child attending",
        ));
    }
    let id = id.into_inner();
    let access = access_of(&caller);
    let actor = actor(&caller, &rid);
    let mut conn = state.db.conn().await?;
    let current = repo::read::get(&mut conn, id, &access).await?;
    drop(conn);
    let held_on = current.row.starts_at.date_naive();
    let session_notes = b.notes.clone();
    let session = match current.row.referral_id {
        Some(referral) => {
            crate::features::delivery::rules::not_future("held_on", held_on).map_err(|_| {
                field(
                    "starts_at",
                    "in_future",
                    "an appointment is completed once its day has come",
                )
            })?;
            let length = (current.row.ends_at - current.row.starts_at).num_minutes();
            let minutes = b
                .duration_minutes
                .unwrap_or_else(|| i32::try_from(length.clamp(1, 600)).unwrap_or(60));
            Some((
                NewSession {
                    held_on,
                    intervention_id: b.intervention_id,
                    format: domain::SessionFormat::Individual.as_str().to_owned(),
                    duration_minutes: minutes,
                    notes: b.notes,
                },
                Participant {
                    referral_id: referral,
                    status: b.attendance.as_str().to_owned(),
                    child: who.child,
                    parent_carer: who.parent_carer,
                    school_staff: who.school_staff,
                },
            ))
        }
        None => None,
    };
    let counts = b.children_count.is_some() || b.staff_count.is_some();
    if counts && current.row.school_support_id.is_none() {
        return Err(field(
            "children_count",
            "not_allowed",
            "children and staff are counted for a school-support appointment only",
        ));
    }
    let support_session = match current.row.school_support_id {
        Some(support) if b.attendance == AttendanceStatus::Attended => {
            crate::features::delivery::rules::not_future("held_on", held_on).map_err(|_| {
                field(
                    "starts_at",
                    "in_future",
                    "an appointment is completed once its day has come",
                )
            })?;
            let length = (current.row.ends_at - current.row.starts_at).num_minutes();
            Some(sct_persistence::school_support::SessionRow {
                id: Uuid::nil(),
                support_id: support,
                held_on,
                duration_minutes: b
                    .duration_minutes
                    .unwrap_or_else(|| i32::try_from(length.clamp(1, 480)).unwrap_or(60))
                    .min(480),
                practitioner_id: Uuid::nil(),
                children_count: b.children_count.unwrap_or(0),
                staff_count: b.staff_count.unwrap_or(0),
                notes: session_notes,
                recorded_by: caller.subject.clone(),
                created_at: sct_persistence::now(),
            })
        }
        _ => None,
    };
    let outcome = Outcome {
        attendance: b.attendance.as_str().to_owned(),
        cancelled_by: b
            .cancelled_by
            .map(|c| diary::CancelledBy::from(c).as_str().to_owned()),
        session,
        support_session,
    };
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let v = repo::complete(
                conn,
                id,
                outcome,
                &access,
                expected,
                &actor,
                sct_persistence::now(),
            )
            .await
            .map_err(appointment_error)?;
            let answer = written(actix_web::http::StatusCode::OK, &v);
            Ok(match v.row.session_id {
                Some(s) => answer.about("session", &s),
                None => answer,
            })
        })
    })
    .await
}
