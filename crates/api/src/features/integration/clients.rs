//! Integration clients (la_admin only): register an MIS vendor's connection
//! for some schools, read and list them, change their schools, rotate the
//! secret with a grace period, revoke. Secrets are shown once and kept only
//! as Argon2id hashes.

use crate::features::integration::credentials::generate_secret;
use crate::features::integration::credentials::hash_secret;
use crate::features::integration::credentials::Busy;
use crate::features::integration::credentials::Gate;
use crate::features::integration::dto::ClientCredentials;
use crate::features::integration::dto::ClientSchools;
use crate::features::integration::dto::IntegrationClient;
use crate::features::integration::dto::IntegrationClientPage;
use crate::features::integration::dto::NewIntegrationClient;
use crate::features::integration::dto::RotateSecret;
use crate::http::access::only;
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
use crate::http::extract::OptionalJsonBody;
use crate::http::extract::PageParams;
use crate::http::paging::cursor_key;
use crate::http::paging::next_page;
use crate::http::paging::page_size;
use crate::http::respond::ok;
use crate::http::respond::stale;
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
use sct_domain::Role;
use sct_domain::SettingId;
use sct_persistence::integration as ic;
use sct_persistence::integration::NewClient;
use sct_persistence::models::IntegrationClientRow;
use sct_persistence::Connection;
use uuid::Uuid;

const ADMIN: &[Role] = &[Role::LaAdmin];

/// Checks the URNs are well-formed and registered; returns them sorted and
/// without repeats.
async fn checked_schools(conn: &mut Connection, urns: &[String]) -> Result<Vec<String>, ApiError> {
    let mut errors: Vec<FieldError> = urns
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            SettingId::parse(u)
                .err()
                .map(|e| FieldError::new(format!("schools[{i}]"), e.code(), e.to_string()))
        })
        .collect();
    if errors.is_empty() {
        let unknown = ic::unknown_schools(conn, urns).await?;
        errors = urns
            .iter()
            .enumerate()
            .filter(|(_, u)| unknown.contains(u))
            .map(|(i, u)| {
                FieldError::new(
                    format!("schools[{i}]"),
                    "unknown_school",
                    format!("no school has URN {u}"),
                )
            })
            .collect();
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut urns = urns.to_vec();
    urns.sort();
    urns.dedup();
    Ok(urns)
}

/// A fresh secret and its hash (hashed off the async workers: Argon2id is
/// deliberately slow).
async fn new_secret() -> Result<(String, String), ApiError> {
    let internal = |e: String| {
        log::error!("cannot make a client secret: {e}");
        ApiError::new(ErrorCode::Internal, "an internal error occurred")
    };
    Gate::global()
        .run(|| {
            let secret = generate_secret()?;
            let hash = hash_secret(&secret)?;
            Ok::<_, crate::features::integration::credentials::CredentialError>((secret, hash))
        })
        .await
        .map_err(|Busy| ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                ErrorCode::RequestTimeout,
                "too many secrets are being hashed at once; retry shortly",
            )
        })?
        .map_err(|e| internal(e.to_string()))
}

pub(crate) fn credentials(row: IntegrationClientRow, secret: String) -> ClientCredentials {
    ClientCredentials {
        client_id: row.id,
        client_secret: secret,
        client: IntegrationClient::from(row),
    }
}

/// Register an integration client.
#[utoipa::path(
    tag = "Integration clients",
    summary = "Register an integration client",
    description = "la_admin only. Registers an MIS vendor's connection for registered schools and answers its `client_id` and `client_secret`. The secret is shown only in this answer (and after each rotation); the platform keeps an Argon2id hash. Exchange the pair for tokens at `POST /api/v1/oauth/token`.",
    request_body(content = NewIntegrationClient, content_type = "application/json"),
    responses(
        (status = 201, description = "The client and its secret, shown once", body = ClientCredentials, headers(("ETag" = String, description = "Version tag"), ("Location" = String, description = "The client's URL"))),
        (status = 403, response = Forbidden),
    ),
)]
#[post("/integration-clients")]
pub async fn register_client(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<NewIntegrationClient>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let schools = checked_schools(conn, &b.schools).await?;
            let (secret, hash) = new_secret().await?;
            let row = ic::create_client(
                conn,
                &NewClient {
                    id: Uuid::now_v7(),
                    name: b.name.trim(),
                    schools: &schools,
                    secret_hash: &hash,
                },
            )
            .await?;
            Ok(Written::created(
                format!("/api/v1/integration-clients/{}", row.id),
                row.version,
                &credentials(row, secret),
            ))
        })
    })
    .await
}

/// List integration clients.
#[utoipa::path(
    tag = "Integration clients",
    summary = "List integration clients",
    description = "la_admin only. Clients in registration order, revoked ones included; secrets are never listed.",
    params(PageParams),
    responses(
        (status = 200, description = "A page of clients", body = IntegrationClientPage),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
    ),
)]
#[get("/integration-clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    caller: Caller,
    p: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let (limit, n) = page_size(&p)?;
    let after = cursor_key(p.cursor.as_deref())?;
    let mut conn = state.db.conn().await?;
    let mut rows = ic::list_clients(&mut conn, after, limit + 1).await?;
    let next_cursor = next_page(&mut rows, n, |r| r.id);
    Ok(HttpResponse::Ok().json(IntegrationClientPage {
        items: rows.into_iter().map(IntegrationClient::from).collect(),
        next_cursor,
    }))
}

/// Read an integration client.
#[utoipa::path(
    tag = "Integration clients",
    summary = "Read an integration client",
    description = "la_admin only. One client, without its secret.",
    params(("id" = Uuid, Path, description = "The client's id (its client_id)")),
    responses(
        (status = 200, description = "The client", body = IntegrationClient, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[get("/integration-clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let mut conn = state.db.conn().await?;
    let row = ic::get_client(&mut conn, id.into_inner()).await?;
    Ok(ok(row.version, &IntegrationClient::from(row)))
}

/// Change an integration client's schools.
#[utoipa::path(
    tag = "Integration clients",
    summary = "Change the schools of an integration client",
    description = "la_admin only, with If-Match. Replaces the list of registered schools the client may act for; tokens already issued act for the new list from their next request.",
    params(("id" = Uuid, Path, description = "The client's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = ClientSchools, content_type = "application/json"),
    responses(
        (status = 200, description = "The client", body = IntegrationClient, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[put("/integration-clients/{id}/schools")]
pub async fn set_client_schools(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: JsonBody<ClientSchools>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let b = body.0;
    validate(&b)?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            ic::get_client(conn, id).await?;
            let schools = checked_schools(conn, &b.schools).await?;
            let row = ic::set_client_schools(conn, id, version, &schools)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &IntegrationClient::from(row)))
        })
    })
    .await
}

/// Rotate an integration client's secret.
#[utoipa::path(
    tag = "Integration clients",
    summary = "Rotate the secret of an integration client",
    description = "la_admin only, with If-Match. Issues a new secret, shown only in this answer. By default the previous secret keeps working until `previous_secret_expires_at` (SCT_SECRET_ROTATION_GRACE_SECONDS, a day by default) so the vendor can switch without downtime; `previous_secret_valid_for_seconds` sets another period, and `0` cuts the previous secret off at once together with every token already issued to the client (after a leak; the vendor gets a new token with the new secret). The body may be left out. A revoked client answers 409 `client_revoked`.",
    params(("id" = Uuid, Path, description = "The client's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    request_body(content = Option<RotateSecret>, content_type = "application/json", description = "Optional (the body may be left out): how long the previous secret keeps working"),
    responses(
        (status = 200, description = "The client and its new secret, shown once", body = ClientCredentials, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
)]
#[post("/integration-clients/{id}/rotate-secret")]
pub async fn rotate_client_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    req: HttpRequest,
    body: OptionalJsonBody<RotateSecret>,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    let options = body.0.unwrap_or_default();
    validate(&options)?;
    let grace = options
        .previous_secret_valid_for_seconds
        .unwrap_or(state.integration.secret_rotation_grace_seconds);
    let (secret, hash) = new_secret().await?;
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = ic::get_client(conn, id).await?;
            if current.revoked_at.is_some() {
                return Err(ApiError::new(
                    ErrorCode::ClientRevoked,
                    "a revoked client cannot have a new secret; register a new client",
                ));
            }
            let previous_until =
                (grace > 0).then(|| sct_persistence::now() + chrono::Duration::seconds(grace));
            let row = ic::rotate_client_secret(conn, id, version, &hash, previous_until)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &credentials(row, secret)))
        })
    })
    .await
}

/// End the grace period of an earlier rotation.
#[utoipa::path(
    tag = "Integration clients",
    summary = "End the grace period of the previous secret",
    description = "la_admin only, with If-Match. The secret replaced by the last rotation stops working now instead of at `previous_secret_expires_at`, and so does every token already issued to the client (the vendor gets a new token with its current secret). Use it once the vendor has switched, or when the previous secret leaked. Answers the client as it is when no previous secret is valid.",
    params(("id" = Uuid, Path, description = "The client's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The client", body = IntegrationClient, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/integration-clients/{id}/expire-previous-secret")]
pub async fn expire_previous_client_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            let current = ic::get_client(conn, id).await?;
            if !version.matches(current.version) {
                return Err(stale());
            }
            let now = sct_persistence::now();
            let in_grace = current.previous_secret_hash.is_some()
                && current.previous_secret_expires_at.is_some_and(|t| t > now);
            if !in_grace {
                return Ok(Written::ok(
                    current.version,
                    &IntegrationClient::from(current),
                ));
            }
            let row = ic::expire_previous_secret(conn, id, version)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &IntegrationClient::from(row)))
        })
    })
    .await
}

/// Revoke an integration client.
#[utoipa::path(
    tag = "Integration clients",
    summary = "Revoke an integration client",
    description = "la_admin only, with If-Match. The client's secrets stop working and every token already issued to it is refused from its next request. Revoking is final; revoking again only moves `revoked_at`.",
    params(("id" = Uuid, Path, description = "The client's id"), ("If-Match" = String, Header, description = "ETag as last read")),
    responses(
        (status = 200, description = "The revoked client", body = IntegrationClient, headers(("ETag" = String, description = "Version tag"))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
)]
#[post("/integration-clients/{id}/revoke")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    only(&caller, ADMIN)?;
    let version = if_match.required()?;
    let id = id.into_inner();
    write(&state, &req, move |conn| {
        Box::pin(async move {
            ic::get_client(conn, id).await?;
            let row = ic::revoke_client(conn, id, version)
                .await?
                .ok_or_else(stale)?;
            Ok(Written::ok(row.version, &IntegrationClient::from(row)))
        })
    })
    .await
}
