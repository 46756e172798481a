//! Children across referrals (la_admin): UPN conflicts flagged when a
//! referral names a known UPN with another date of birth, their
//! resolution, and a child's history of changes.

use super::catalogue::{ok, page_size};
use super::{
    only, validate, AppState, BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge,
    PreconditionFailed, PreconditionRequired, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::auth::Caller;
use crate::dto::{
    ChildConflict, ChildConflictPage, ChildHistoryEntry, ConflictQuery, ConflictResolution,
    ConflictStatus, ResolveChildConflict,
};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{decode_cursor, encode_cursor, IfMatch, JsonBody, PageParams};
use actix_web::{get, post, web, HttpResponse};
use sct_domain::Role;
use sct_persistence::children::{self as ch, ResolveError};
use uuid::Uuid;

const ADMIN: &[Role] = &[Role::LaAdmin];

/// List UPN conflicts.
#[utoipa::path(
    tag = "Children",
    summary = "List UPN conflicts",
    description = "la_admin only. Referrals that named a known UPN with another date of birth. Such a referral is linked to the recorded child, which is left unchanged, and flagged here for review rather than merged. Filter with `status=open` for the review queue. In the order they were flagged.",
    params(ConflictQuery),
    responses(
        (status = 200, description = "A page of conflicts", body = ChildConflictPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/child-conflicts")]
pub async fn list_conflicts(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<ConflictQuery>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let q = q.into_inner();
    let p = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (limit, n) = page_size(&p)?;
    let after = p
        .cursor
        .as_deref()
        .map(|c| {
            Uuid::parse_str(&decode_cursor(c, 1)?[0]).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "the cursor is not one this API issued",
                )
            })
        })
        .transpose()?;
    let status = q.status.map(|s| match s {
        ConflictStatus::Open => "open",
        ConflictStatus::Resolved => "resolved",
    });
    let mut conn = state.db.conn().await?;
    let mut rows = ch::list_conflicts(&mut conn, status, after, limit + 1).await?;
    let next_cursor = (rows.len() > n).then(|| encode_cursor(&[&rows[n - 1].0.id.to_string()]));
    rows.truncate(n);
    Ok(HttpResponse::Ok().json(ChildConflictPage {
        items: rows.into_iter().map(ChildConflict::from).collect(),
        next_cursor,
    }))
}

/// Read a UPN conflict.
#[utoipa::path(
    tag = "Children",
    summary = "Read a UPN conflict",
    description = "la_admin only. One conflict, with the recorded and the submitted details.",
    params(("id" = Uuid, Path, description = "The conflict's id")),
    responses(
        (status = 200, description = "The conflict", body = ChildConflict, headers(("ETag" = String, description = "Version tag"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/child-conflicts/{id}")]
pub async fn get_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let view = ch::get_conflict(&mut conn, id.into_inner()).await?;
    Ok(ok(view.0.version, &ChildConflict::from(view)))
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
#[post("/child-conflicts/{id}/resolve")]
pub async fn resolve_conflict(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ResolveChildConflict>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let b = body.0;
    validate(&b)?;
    let mut conn = state.db.conn().await?;
    let view = ch::resolve_conflict(
        &mut conn,
        id.into_inner(),
        version,
        b.resolution == ConflictResolution::UseSubmitted,
        b.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        &caller.subject,
        sct_persistence::now(),
    )
    .await
    .map_err(|e| match e {
        ResolveError::VersionMismatch => super::stale(),
        ResolveError::AlreadyResolved => ApiError::new(
            ErrorCode::AlreadyResolved,
            "the conflict is already resolved",
        ),
        ResolveError::Store(s) => s.into(),
    })?;
    Ok(ok(view.0.version, &ChildConflict::from(view)))
}

/// A child's history.
#[utoipa::path(
    tag = "Children",
    summary = "Read a child's history of changes",
    description = "la_admin only. Every change later referrals (or the resolution of a UPN conflict) made to the child's record, oldest first, with the fields' old and new values.",
    params(("id" = Uuid, Path, description = "The child's id (as in a referral's `child.id`)")),
    responses(
        (status = 200, description = "The changes, oldest first", body = Vec<ChildHistoryEntry>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
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
                changes: r.changes,
            })
            .collect::<Vec<_>>(),
    ))
}
