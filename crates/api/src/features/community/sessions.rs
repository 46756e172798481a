//! A programme's dated sessions: create, list, read, move or correct.

use crate::features::community::programmes::community_error;
use crate::features::community::programmes::writable_programme;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::list_page;
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
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::NaiveTime;
use chrono::Utc;
use sct_persistence::community as repo;
use sct_persistence::community::ProgrammeRow;
use sct_persistence::community::SessionChange;
use sct_persistence::community::SessionRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A dated session of a programme.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeSession {
    /// Session id.
    pub id: Uuid,
    /// The programme.
    pub programme_id: Uuid,
    /// Date.
    pub date: NaiveDate,
    /// Start time (local).
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "10:00:00")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub starts_at: Option<NaiveTime>,
    /// End time (local).
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "12:00:00")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub ends_at: Option<NaiveTime>,
    /// Topic of the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub topic: Option<String>,
    /// Version for If-Match (also the ETag).
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last moved or corrected; absent while never changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SessionRow> for ProgrammeSession {
    fn from(s: SessionRow) -> Self {
        Self {
            id: s.id,
            programme_id: s.programme_id,
            date: s.session_date,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            topic: s.topic,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

list_page! {
    /// A page of sessions.
    ProgrammeSessionPage {
        /// The sessions, by date.
        items: ProgrammeSession
    }
}

/// A new session.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "12:00:00", "topic": "Positive parenting"}))]
pub struct NewProgrammeSession {
    /// Date (within the programme's dates).
    pub date: NaiveDate,
    /// Start time (local, `HH:MM:SS`).
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "10:00:00")]
    pub starts_at: Option<NaiveTime>,
    /// End time (local, after the start).
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$", example = "12:00:00")]
    pub ends_at: Option<NaiveTime>,
    /// Topic.
    #[schema(max_length = 300)]
    #[validate(length(max = 300))]
    pub topic: Option<String>,
}

/// The checks of a session's details, when added and when moved: the
/// date lies within the programme's dates and the end follows the start.
fn check_session(p: &ProgrammeRow, b: &NewProgrammeSession) -> Result<(), ApiError> {
    validate(b)?;
    let mut errors = Vec::new();
    if b.date < p.starts_on || b.date > p.ends_on {
        errors.push(FieldError::new(
            "date",
            "outside_programme",
            "the session falls outside the programme's dates",
        ));
    }
    if let (Some(s), Some(e)) = (b.starts_at, b.ends_at) {
        if e <= s {
            errors.push(FieldError::new(
                "ends_at",
                "before_start",
                "the session ends before it starts",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Add a session.
#[utoipa::path(
    tag = "Community",
    summary = "Add a dated session to a programme",
    operation_id = "create_programme_session",
    description = "The zone's team or la_admin. The date lies within the programme's dates.",
    params(("id" = Uuid, Path, description = "Programme id")),
    request_body(content = NewProgrammeSession, content_type = "application/json"),
    responses(
        (status = 201, description = "The session", body = ProgrammeSession, headers(("Location" = String, description = "URL of the session's attendance"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/programmes/{id}/sessions")]
pub async fn create_programme_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<NewProgrammeSession>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    check_session(&p.row, &b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let s = repo::add_session(
                conn,
                &SessionRow {
                    id: Uuid::now_v7(),
                    programme_id: id,
                    session_date: b.date,
                    starts_at: b.starts_at,
                    ends_at: b.ends_at,
                    topic: b.topic,
                    created_at: sct_persistence::now(),
                    version: 1,
                    updated_at: None,
                    attendance_version: 1,
                },
            )
            .await?;
            Ok(Written::created(
                format!("/api/v1/programmes/{id}/sessions/{}/attendance", s.id),
                s.version,
                &ProgrammeSession::from(s),
            ))
        })
    })
    .await
}

/// List sessions.
#[utoipa::path(
    tag = "Community",
    summary = "List a programme's sessions",
    operation_id = "list_programme_sessions",
    description = "Sessions by date. Any authenticated caller.",
    params(("id" = Uuid, Path, description = "Programme id"), PageParams),
    responses(
        (status = 200, description = "A page of sessions", body = ProgrammeSessionPage),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    ),
)]
#[get("/programmes/{id}/sessions")]
pub async fn list_programme_sessions(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<Uuid>,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (limit, n) = page_size(&p)?;
    let after = cursor_key(p.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    repo::get_programme(&mut conn, id).await?;
    let mut rows = repo::list_sessions(&mut conn, id, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| (r.session_date, r.id));
    Ok(HttpResponse::Ok().json(ProgrammeSessionPage {
        items: rows.into_iter().map(ProgrammeSession::from).collect(),
        next_cursor,
    }))
}

/// Read a session.
#[utoipa::path(
    tag = "Community",
    summary = "Read a programme session",
    operation_id = "get_programme_session",
    description = "One dated session with its ETag (for moving it). Any authenticated caller, as the list of sessions. 404 when the programme is missing or the session is not one of its sessions.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = ProgrammeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 404, response = NotFound),
    ),
)]
#[get("/programmes/{id}/sessions/{session_id}")]
pub async fn get_programme_session(
    state: web::Data<AppState>,
    _caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    let mut conn = state.db.conn().await?;
    let s = repo::get_session(&mut conn, id, sid).await?;
    Ok(ok(s.version, &ProgrammeSession::from(s)))
}

/// Move or correct a session.
#[utoipa::path(
    tag = "Community",
    summary = "Move or correct a programme session",
    operation_id = "update_programme_session",
    description = "The zone's team or la_admin (another zone's programme answers 404), with If-Match (428 without, 412 when stale). Replaces the session's date, start and end times and topic (a time or topic left out is cleared), with the checks of adding a session: the date lies within the programme's dates, the end follows the start (422). A session with no attendance recorded may be moved to any such date. Once attendance is recorded the session took place: its date and times may still be corrected to a day no later than today (a mistyped day or hour), but not moved to a day after today (422 `session_attended` on `date`); its topic may always be corrected. Recorded attendance stays with the session.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as last read")),
    request_body(content = NewProgrammeSession, content_type = "application/json"),
    responses(
        (status = 200, description = "The session", body = ProgrammeSession, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/programmes/{id}/sessions/{session_id}")]
pub async fn update_programme_session(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<NewProgrammeSession>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    let p = writable_programme(&state, &caller, id).await?;
    let b = body.0;
    check_session(&p.row, &b)?;
    let version = if_match.required()?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let now = sct_persistence::now();
            let s = repo::update_session(
                conn,
                id,
                sid,
                version,
                &SessionChange {
                    session_date: b.date,
                    starts_at: b.starts_at,
                    ends_at: b.ends_at,
                    topic: b.topic,
                },
                now.date_naive(),
                now,
            )
            .await
            .map_err(community_error)?;
            Ok(Written::ok(s.version, &ProgrammeSession::from(s)))
        })
    })
    .await
}

// ---------------------------------------------------------------- enrolments
