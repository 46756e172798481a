//! Children across referrals (la_admin): UPN conflicts flagged when a
//! referral names a known UPN with other names or another date of birth, their
//! resolution, and a child's history of changes.

use crate::http::access::only;
use crate::http::auth::Caller;
use crate::http::docs::BadRequest;
use crate::http::docs::Conflict;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::IfMatch;
use crate::http::extract::JsonBody;
use crate::http::paging::keyset_page;
use crate::http::paging::list_page;
use crate::http::paging::list_params;
use crate::http::paging::next_page;
use crate::http::respond::ok;
use crate::http::state::AppState;
use crate::http::validate::validate;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::Role;
use sct_persistence::children as ch;
use sct_persistence::children::ResolveError;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

const ADMIN: &[Role] = &[Role::LaAdmin];

/// List UPN conflicts.
#[utoipa::path(
    tag = "Children",
    summary = "List UPN conflicts",
    description = "la_admin only. Referrals that named a known UPN with other names or another date of birth. Such a referral is linked to the recorded child, which a submission never changes (the LA's record of a child changes only by staff, here), and flagged here for review rather than merged; the school or MIS client that sent it is shown only what it sent, never the recorded details. Filter with `status=open` for the review queue. In the order they were flagged.",
    params(ConflictQuery),
    responses(
        (status = 200, description = "A page of conflicts", body = ChildConflictPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/child-conflicts")]
pub async fn list_conflicts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<ConflictQuery>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let q = q.into_inner();
    let (limit, n, after) = keyset_page(q.limit, q.cursor)?;
    let status = q.status.map(|s| match s {
        ConflictStatus::Open => "open",
        ConflictStatus::Resolved => "resolved",
    });
    let mut conn = state.db.conn().await?;
    let mut rows = ch::list_conflicts(&mut conn, status, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.0.id);
    let items: Vec<ChildConflict> = rows.into_iter().map(ChildConflict::from).collect();
    // The audit row names every child and referral on the page.
    for c in &items {
        note_conflict(&req, c);
    }
    Ok(HttpResponse::Ok().json(ChildConflictPage { items, next_cursor }))
}

/// Read a UPN conflict.
#[utoipa::path(
    tag = "Children",
    summary = "Read a UPN conflict",
    description = "la_admin only. One conflict, with the recorded and the submitted details.",
    params(("id" = Uuid, Path, description = "The conflict's id")),
    responses(
        (status = 200, description = "The conflict", body = ChildConflict, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/child-conflicts/{id}")]
pub async fn get_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let view = ch::get_conflict(&mut conn, id.into_inner()).await?;
    let version = view.0.version;
    let body = ChildConflict::from(view);
    note_conflict(&req, &body);
    Ok(ok(version, &body))
}

/// Names a conflict's child and referral as subjects of the request.
fn note_conflict(req: &HttpRequest, c: &ChildConflict) {
    crate::http::audit::note(req, "child", &c.child_id);
    crate::http::audit::note(req, "referral", &c.referral_id);
}

/// Resolve a UPN conflict.
#[utoipa::path(
    tag = "Children",
    summary = "Resolve a UPN conflict",
    description = "la_admin only, with If-Match. `keep_recorded` leaves the child's record as it is; `use_submitted` takes the referral's name and date of birth into the record and writes the change to the child's history. A resolved conflict answers 409 `already_resolved`.",
    params(("id" = Uuid, Path, description = "The conflict's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ResolveChildConflict, content_type = "application/json"),
    responses(
        (status = 200, description = "The resolved conflict", body = ChildConflict, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/child-conflicts/{id}/resolve")]
pub async fn resolve_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ResolveChildConflict>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let view = ch::resolve_conflict(
                conn,
                id.into_inner(),
                version,
                b.resolution == ConflictResolution::UseSubmitted,
                b.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
                &caller.subject,
                sct_persistence::now(),
            )
            .await
            .map_err(|e| match e {
                ResolveError::VersionMismatch => crate::http::respond::stale(),
                ResolveError::AlreadyResolved => ApiError::new(
                    ErrorCode::AlreadyResolved,
                    "the conflict is already resolved",
                ),
                ResolveError::Store(s) => s.into(),
            })?;
            Ok(Written::ok(view.0.version, &ChildConflict::from(view)))
        })
    })
    .await
}

/// A child's history.
#[utoipa::path(
    tag = "Children",
    summary = "Read a child's history of changes",
    description = "la_admin only. Every change later referrals (or the resolution of a UPN conflict) made to the child's record, oldest first, with the fields' old and new values.",
    params(("id" = Uuid, Path, description = "The child's id (as in a referral's `child.id`)")),
    responses(
        (status = 200, description = "The changes, oldest first", body = Vec<ChildHistoryEntry>),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/children/{id}/history")]
pub async fn child_history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let rows = ch::history(&mut conn, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| ChildHistoryEntry {
                at: r.at,
                actor: r.actor,
                referral_id: r.referral_id,
                changes: ChildChanges::from_stored(&r.changes),
            })
            .collect::<Vec<_>>(),
    ))
}

/// Where a UPN conflict stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    /// Waiting for an la_admin.
    Open,
    /// Resolved.
    Resolved,
}

/// How a UPN conflict is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConflictResolution {
    /// The recorded details stand (the referral's details were wrong).
    KeepRecorded,
    /// The referral's name and date of birth replace the recorded ones (with history).
    UseSubmitted,
}

/// A referral that named a known UPN with other names or another date of birth: it was
/// linked to the recorded child, not merged, and waits for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildConflict {
    /// The conflict's id.
    pub id: Uuid,
    /// The recorded child.
    pub child_id: Uuid,
    /// The UPN both share.
    pub upn: String,
    /// The referral that brought the other details.
    pub referral_id: Uuid,
    /// Open or resolved.
    pub status: ConflictStatus,
    /// The date of birth on record.
    pub recorded_date_of_birth: NaiveDate,
    /// The given name the referral sent.
    pub submitted_given_name: String,
    /// The family name the referral sent.
    pub submitted_family_name: String,
    /// The date of birth the referral sent.
    pub submitted_date_of_birth: NaiveDate,
    /// How it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolution: Option<ConflictResolution>,
    /// The reviewer's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolution_note: Option<String>,
    /// Who resolved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolved_by: Option<String>,
    /// When it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was flagged.
    pub created_at: DateTime<Utc>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
}

impl From<sct_persistence::children::ConflictView> for ChildConflict {
    fn from((c, upn): sct_persistence::children::ConflictView) -> Self {
        Self {
            id: c.id,
            child_id: c.child_id,
            upn,
            referral_id: c.referral_id,
            status: if c.status == "open" {
                ConflictStatus::Open
            } else {
                ConflictStatus::Resolved
            },
            recorded_date_of_birth: c.recorded_date_of_birth,
            submitted_given_name: c.submitted_given_name,
            submitted_family_name: c.submitted_family_name,
            submitted_date_of_birth: c.submitted_date_of_birth,
            resolution: c.resolution.as_deref().map(|r| {
                if r == "use_submitted" {
                    ConflictResolution::UseSubmitted
                } else {
                    ConflictResolution::KeepRecorded
                }
            }),
            resolution_note: c.resolution_note,
            resolved_by: c.resolved_by,
            resolved_at: c.resolved_at,
            created_at: c.created_at,
            version: c.version,
        }
    }
}

list_page! {
    /// A page of UPN conflicts.
    ChildConflictPage {
        /// The conflicts on this page.
        items: ChildConflict
    }
}

/// The decision on a UPN conflict.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resolution": "keep_recorded", "note": "Checked with the school: the referral had a typing error"}))]
pub struct ResolveChildConflict {
    /// Keep the recorded details, or take the referral's.
    pub resolution: ConflictResolution,
    /// Why (optional, at most 2000 characters).
    #[schema(max_length = 2000)]
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// A change to a child's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChildHistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the token subject of the referrer or reviewer).
    pub actor: String,
    /// The referral whose details brought the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub referral_id: Option<Uuid>,
    /// Every changed field, with its value before and after.
    pub changes: ChildChanges,
}

/// A field's value before and after a change, as text: a date as
/// `YYYY-MM-DD`, a code as its code; absent when it had none. Once the
/// child's data is erased, both read as the erasure marker.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// The value before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from: Option<String>,
    /// The value after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to: Option<String>,
}

/// The fields of a child's record a change touched (the others are absent):
/// a referral updates the school details (`year_group`, `sen_provision`,
/// `primary_need`), a resolved conflict the identity (`given_name`,
/// `family_name`, `date_of_birth`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ChildChanges {
    /// National curriculum year group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub year_group: Option<FieldChange>,
    /// SEN provision code (`N`, `K`, `E`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub sen_provision: Option<FieldChange>,
    /// Primary SEN type code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub primary_need: Option<FieldChange>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub given_name: Option<FieldChange>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub family_name: Option<FieldChange>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub date_of_birth: Option<FieldChange>,
}

impl ChildChanges {
    /// From the stored `{field: {from, to}}` (a non-text leaf reads as its
    /// JSON text, a `null` as absent).
    pub fn from_stored(v: &serde_json::Value) -> Self {
        let field = |name: &str| {
            let c = v.get(name)?;
            let text = |k: &str| match c.get(k)? {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            Some(FieldChange {
                from: text("from"),
                to: text("to"),
            })
        };
        Self {
            year_group: field("year_group"),
            sen_provision: field("sen_provision"),
            primary_need: field("primary_need"),
            given_name: field("given_name"),
            family_name: field("family_name"),
            date_of_birth: field("date_of_birth"),
        }
    }
}

list_params! {
    /// Query of the conflict list.
    ConflictQuery {
        /// Only conflicts with this status.
        status: Option<ConflictStatus>,
    }
}

/// Registers the children operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(list_conflicts)
        .service(get_conflict)
        .service(resolve_conflict)
        .service(child_history);
}
