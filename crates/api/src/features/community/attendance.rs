//! Attendance at a programme session, per enrolment.

use crate::features::community::programmes::writable_programme;
use crate::http::auth::Caller;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::FieldError;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::respond::ok;
use crate::http::respond::stale;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::wire::WireName;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::put;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use sct_persistence::community as repo;
use sct_persistence::community::AttendanceError;
use sct_persistence::community::AttendanceRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

crate::http::wire::named_enum! {
    /// Attendance of one family at a session.
    pub enum AttendanceStatus {
        Attended,
        DidNotAttend,
        Cancelled,
    }
}

impl AttendanceStatus {
    /// From the stored name (`cancelled` for an unknown one).
    fn from_str(s: &str) -> Self {
        s.parse().unwrap_or(Self::Cancelled)
    }
}

/// One family's attendance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRecord {
    /// The enrolment (holding a place on the programme).
    pub enrolment_id: Uuid,
    /// Attendance.
    pub status: AttendanceStatus,
}

/// Attendance at a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionAttendance {
    /// The session.
    pub session_id: Uuid,
    /// One record per family recorded.
    pub records: Vec<AttendanceRecord>,
}

/// Attendance to record (replaces the records of the families named).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"records": [{"enrolment_id": "0190c3a0-0000-7000-8000-0000000000e1", "status": "attended"}]}))]
pub struct AttendanceInput {
    /// Records, one per family (1 to 500).
    #[schema(min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub records: Vec<AttendanceRecord>,
}

pub(crate) fn attendance(session: Uuid, rows: Vec<AttendanceRow>) -> SessionAttendance {
    SessionAttendance {
        session_id: session,
        records: rows
            .into_iter()
            .map(|r| AttendanceRecord {
                enrolment_id: r.enrolment_id,
                status: AttendanceStatus::from_str(&r.status),
            })
            .collect(),
    }
}

/// Record attendance.
#[utoipa::path(
    tag = "Community",
    summary = "Record attendance at a session",
    operation_id = "record_attendance",
    description = "The zone's team or la_admin, with If-Match (428 without, 412 when stale): the ETag of the session's attendance as last read (`GET` of this path; `\"v1\"` before anything is recorded; `*` for any). Each record names an enrolment holding a place (enrolled or completed); recording a family again corrects its record. The attendance's version moves on; the session's own ETag does not.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session's attendance as last read")),
    request_body(content = AttendanceInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The session's attendance", body = SessionAttendance, headers(("ETag" = String, description = "Version tag of the attendance"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/programmes/{id}/sessions/{session_id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<AttendanceInput>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let b = body.0;
    validate(&b)?;
    let expected = if_match.required()?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let session = repo::get_session(conn, id, sid).await?;
            let mut seen = Vec::new();
            for (i, r) in b.records.iter().enumerate() {
                if seen.contains(&r.enrolment_id) {
                    return Err(ApiError::validation(vec![FieldError::new(
                        format!("records[{i}].enrolment_id"),
                        "duplicate_enrolment",
                        "each family at most once",
                    )]));
                }
                seen.push(r.enrolment_id);
            }
            let entries: Vec<(Uuid, String)> = b
                .records
                .iter()
                .map(|r| (r.enrolment_id, r.status.as_str().to_owned()))
                .collect();
            let (rows, version) = repo::record_attendance(
                conn,
                &session,
                expected,
                &entries,
                &caller.subject,
                sct_persistence::now(),
            )
            .await
            .map_err(|e| match e {
                AttendanceError::NotEnrolled(i) => ApiError::validation(vec![FieldError::new(
                    format!("records[{i}].enrolment_id"),
                    "not_enrolled",
                    "no enrolment holding a place on this programme",
                )]),
                AttendanceError::VersionMismatch { .. } => stale(),
                AttendanceError::Store(s) => s.into(),
            })?;
            Ok(Written::ok(version, &attendance(sid, rows)))
        })
    })
    .await
}

/// Read attendance.
#[utoipa::path(
    tag = "Community",
    summary = "Read attendance at a session",
    operation_id = "get_attendance",
    description = "The zone's team or la_admin. The ETag is the attendance's version, to send as If-Match when recording.",
    params(("id" = Uuid, Path, description = "Programme id"), ("session_id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session's attendance", body = SessionAttendance, headers(("ETag" = String, description = "Version tag of the attendance"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/programmes/{id}/sessions/{session_id}/attendance")]
pub async fn get_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, sid) = path.into_inner();
    writable_programme(&state, &caller, id).await?;
    let mut conn = state.db.conn().await?;
    let session = repo::get_session(&mut conn, id, sid).await?;
    let rows = repo::attendance(&mut conn, sid).await?;
    Ok(ok(session.attendance_version, &attendance(sid, rows)))
}
