//! A worker's calendar feed (RFC 5545): revocable tokens under
//! `/me/calendar-tokens`, and the feed at `/calendar/{token}.ics`, which
//! needs no bearer token (calendar applications cannot send one): the token
//! in the path is the secret. Only its SHA-256 is stored; the access log and
//! the metrics carry the route pattern, never the path, so the token is
//! never logged. The feed shows times, status and the child's initials only.

use crate::features::appointments::dto::CalendarToken;
use crate::features::appointments::dto::CalendarTokenList;
use crate::http::auth::Caller;
use crate::http::docs::Forbidden;
use crate::http::docs::NotFound;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::IfMatch;
use crate::http::state::AppState;
use crate::http::write::write;
use crate::http::write::Written;
use actix_web::delete;
use actix_web::get;
use actix_web::post;
use actix_web::web;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use base64::Engine;
use sct_domain::diary;
use sct_domain::Role;
use sct_domain::WireName;
use sct_persistence::appointments::read as reads;
use sct_persistence::appointments::tokens;
use sct_persistence::appointments::tokens::RevokeError;
use sha2::Digest;
use sha2::Sha256;
use uuid::Uuid;

/// Who holds a diary: team roles with a worker record.
const DIARY_HOLDERS: &[Role] = &[Role::TeamManager, Role::Practitioner];

/// How far back and ahead the feed reaches (days).
const FEED_PAST_DAYS: i64 = 31;
const FEED_AHEAD_DAYS: i64 = 366;
/// The most events in one feed.
const FEED_MAX: i64 = 2000;

/// The stored form of a token.
fn hash(token: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn own_worker(caller: &Caller) -> Result<Uuid, ApiError> {
    caller.require(DIARY_HOLDERS)?;
    caller.worker_id.ok_or_else(ApiError::not_found)
}

/// Create a calendar token.
#[utoipa::path(
    tag = "Diary",
    summary = "Create a calendar feed token",
    description = "A new secret URL for the caller's own diary as an iCalendar feed, for a calendar application to subscribe to: `feed_path` (`/api/v1/calendar/{token}.ics`) is shown in this answer only; only a hash of the token is stored. Revoke it with `DELETE /me/calendar-tokens/{id}`. Team managers and practitioners (their worker record's diary); la_admin, schools and integration clients get 403.",
    responses(
        (status = 201, description = "The token, with its feed path (shown once)", body = CalendarToken, headers(("Location" = String, description = "URL of the token"), ("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/me/calendar-tokens")]
pub async fn create_calendar_token(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let worker = own_worker(&caller)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|_| ApiError::new(ErrorCode::Internal, "no randomness available"))?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let digest = hash(&token);
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let row = tokens::create(conn, worker, digest, sct_persistence::now()).await?;
            let body = CalendarToken::of(&row, Some(format!("/api/v1/calendar/{token}.ics")));
            Ok(Written::created(
                format!("/api/v1/me/calendar-tokens/{}", row.id),
                row.version,
                &body,
            )
            .about("worker", &worker))
        })
    })
    .await
}

/// List the caller's calendar tokens.
#[utoipa::path(
    tag = "Diary",
    summary = "List my calendar feed tokens",
    description = "The caller's tokens, newest first, revoked ones included; never the token or its URL. Team managers and practitioners.",
    responses(
        (status = 200, description = "The tokens", body = CalendarTokenList),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/me/calendar-tokens")]
pub async fn list_calendar_tokens(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let worker = own_worker(&caller)?;
    let mut conn = state.db.conn().await?;
    let rows = tokens::list(&mut conn, worker).await?;
    Ok(HttpResponse::Ok().json(CalendarTokenList {
        items: rows.iter().map(|r| CalendarToken::of(r, None)).collect(),
    }))
}

/// Revoke a calendar token.
#[utoipa::path(
    tag = "Diary",
    summary = "Revoke a calendar feed token",
    description = "From now on its feed answers 404. One of the caller's own live tokens (404 otherwise, a revoked one included). With If-Match (428 without, 412 when stale).",
    params(
        ("id" = Uuid, Path, description = "Token id"),
        ("If-Match" = String, Header, description = "The ETag of the token, e.g. \"v1\""),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[delete("/me/calendar-tokens/{id}")]
pub async fn revoke_calendar_token(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let worker = own_worker(&caller)?;
    let expected = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            tokens::revoke(conn, worker, id, expected, sct_persistence::now())
                .await
                .map_err(|e| match e {
                    RevokeError::NotFound => ApiError::not_found(),
                    RevokeError::VersionMismatch { current } => ApiError::new(
                        ErrorCode::VersionMismatch,
                        format!("the token is now at version {current}"),
                    ),
                    RevokeError::Store(s) => s.into(),
                })?;
            Ok(Written::no_content().about("worker", &worker))
        })
    })
    .await
}

/// A worker's calendar feed.
#[utoipa::path(
    tag = "Diary",
    summary = "Read a calendar feed (iCalendar)",
    description = "The diary of the token's worker as `text/calendar` (RFC 5545: CRLF line endings, lines folded at 75 octets, one VEVENT per appointment with UID, DTSTAMP, DTSTART and DTEND in UTC, cancelled ones with STATUS:CANCELLED), from 31 days back to a year ahead (at most 2,000 events). No bearer token: the path's token is the secret (an unknown or revoked one answers 404). The text carries no personal data beyond the child's initials: no names, place or notes.",
    params(("token" = String, Path, description = "The secret token of the feed URL")),
    security(()),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String),
        (status = 404, response = NotFound),
    ),
)]
#[get("/calendar/{token}.ics")]
pub async fn calendar_feed(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    if token.is_empty() || token.len() > 100 {
        return Err(ApiError::not_found());
    }
    let mut conn = state.db.conn().await?;
    let (_, worker) = tokens::worker_of(&mut conn, &hash(&token)).await?;
    let now = sct_persistence::now();
    let items = reads::feed(
        &mut conn,
        worker,
        now - chrono::Duration::days(FEED_PAST_DAYS),
        now + chrono::Duration::days(FEED_AHEAD_DAYS),
        FEED_MAX,
    )
    .await?;
    let events: Vec<diary::CalendarEvent> = items
        .iter()
        .map(|i| {
            let r = &i.row;
            let who = i
                .child
                .as_ref()
                .map(|(g, f)| diary::initials(g, f))
                .filter(|s| !s.is_empty());
            let what = match (r.referral_id, who) {
                (Some(_), Some(initials)) => format!("Appointment: {initials}"),
                (Some(_), None) => "Appointment".to_owned(),
                (None, _) => "Programme session".to_owned(),
            };
            let mode = if r.mode == diary::AppointmentMode::Online.as_str() {
                " (online)"
            } else {
                ""
            };
            diary::CalendarEvent {
                uid: format!("{}@sct", r.id),
                stamp: r.updated_at,
                start: r.starts_at,
                end: r.ends_at,
                summary: format!("{what}{mode}"),
                cancelled: r.status == diary::AppointmentStatus::Cancelled.as_str(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, no-store"))
        .body(diary::calendar("SCT diary", &events)))
}
