//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749
//! section 4.4) for integration clients. The client authenticates with HTTP
//! Basic or with `client_id` and `client_secret` in the form (section
//! 2.3.1), never both. Failures answer in OAuth's JSON error format
//! (section 5.2), not problem+json.

use crate::features::integration::credentials::hashes_to_check;
use crate::features::integration::credentials::verify_any;
use crate::features::integration::credentials::Busy;
use crate::features::integration::credentials::Gate;
use crate::features::integration::dto::OAuthErrorBody;
use crate::features::integration::dto::TokenRequest;
use crate::features::integration::dto::TokenResponse;
use crate::http::auth::JwtKeys;
use crate::http::auth::TokenSpec;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::state::AppState;
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::ResponseError;
use base64::Engine;
use futures_util::StreamExt;
use sct_domain::Role;
use sct_persistence::integration as ic;
use sct_persistence::StoreError;
use uuid::Uuid;

/// Largest token request accepted.
const MAX_FORM_BYTES: usize = 8 * 1024;

/// An OAuth error answer.
#[derive(Debug, Clone)]
pub struct OAuthError {
    error: &'static str,
    description: String,
    /// The client tried HTTP Basic: a 401 then carries `WWW-Authenticate`.
    basic: bool,
}

impl OAuthError {
    fn request(description: impl Into<String>) -> Self {
        Self {
            error: "invalid_request",
            description: description.into(),
            basic: false,
        }
    }

    fn client(basic: bool) -> Self {
        Self {
            error: "invalid_client",
            description: "client authentication failed".into(),
            basic,
        }
    }
}

/// What the token endpoint can fail with: an OAuth error, or a server-side
/// failure answered as problem+json like everywhere else.
#[derive(Debug)]
pub enum TokenFailure {
    OAuth(OAuthError),
    Api(ApiError),
}

impl std::fmt::Display for TokenFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OAuth(e) => write!(f, "{}: {}", e.error, e.description),
            Self::Api(e) => write!(f, "{e}"),
        }
    }
}

impl From<OAuthError> for TokenFailure {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

impl From<ApiError> for TokenFailure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<StoreError> for TokenFailure {
    fn from(e: StoreError) -> Self {
        Self::Api(e.into())
    }
}

impl ResponseError for TokenFailure {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::OAuth(e) if e.error == "invalid_client" => StatusCode::UNAUTHORIZED,
            Self::OAuth(_) => StatusCode::BAD_REQUEST,
            Self::Api(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Api(e) => e.error_response(),
            Self::OAuth(e) => {
                let mut res = HttpResponse::build(self.status_code());
                res.insert_header((header::CACHE_CONTROL, "no-store"));
                if e.basic && e.error == "invalid_client" {
                    res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"sct\""));
                }
                res.json(OAuthErrorBody {
                    error: e.error.to_owned(),
                    error_description: Some(e.description.clone()),
                })
            }
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` value (RFC 6749
/// appendix B): `+` is a space, `%XX` a byte, the result UTF-8.
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The client's id and secret from `Authorization: Basic`, if sent.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError {
        basic: true,
        ..OAuthError::request("the Authorization header is not valid HTTP Basic")
    };
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::request(
            "authenticate the client with HTTP Basic or in the form",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    Ok(Some((
        form_decode(id).ok_or_else(bad)?,
        form_decode(secret).ok_or_else(bad)?,
    )))
}

/// The form's parameters; each may appear once (RFC 6749 section 3.2).
fn parse_form(body: &[u8]) -> Result<TokenRequest, OAuthError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::request("the body is not a valid form"))?;
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &pairs {
        if !seen.insert(k.as_str()) {
            return Err(OAuthError::request(format!(
                "the parameter {k} is repeated"
            )));
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Ok(TokenRequest {
        grant_type: get("grant_type")
            .ok_or_else(|| OAuthError::request("grant_type is required"))?,
        scope: get("scope"),
        client_id: get("client_id"),
        client_secret: get("client_secret"),
    })
}

/// Issue an access token.
#[utoipa::path(
    tag = "OAuth",
    summary = "Get an access token (client credentials grant)",
    description = "OAuth 2.0 client credentials grant (RFC 6749 section 4.4) for integration clients registered by the council. Send `grant_type=client_credentials` as `application/x-www-form-urlencoded` and authenticate the client with HTTP Basic (id and secret form-urlencoded, then base64) or with `client_id` and `client_secret` in the form, not both. The answer is a short-lived bearer JWT with role `integration` for the client's schools (SCT_INTEGRATION_TOKEN_TTL_SECONDS, 15 minutes by default); ask for a new one when it expires. Errors use OAuth's format `{error, error_description}`: `invalid_request` and `unsupported_grant_type` (400), `invalid_client` (401, with `WWW-Authenticate: Basic` when Basic was tried). A revoked client's tokens are refused from their next request.",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The access token", body = TokenResponse, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "invalid_request or unsupported_grant_type", body = OAuthErrorBody),
        (status = 401, description = "invalid_client: unknown client, wrong or expired secret, or revoked client", body = OAuthErrorBody, headers(("WWW-Authenticate" = String, description = "Basic, when the client tried HTTP Basic"))),
    ),
    security(())
)]
#[post("/oauth/token")]
pub async fn issue_token(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
) -> Result<HttpResponse, TokenFailure> {
    let is_form = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "application" && m.subtype() == "x-www-form-urlencoded");
    if !is_form {
        return Err(
            OAuthError::request("send the form as application/x-www-form-urlencoded").into(),
        );
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| OAuthError::request("the body could not be read"))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(OAuthError::request("the form is too large").into());
        }
        body.extend_from_slice(&chunk);
    }
    let basic = basic_credentials(&req)?;
    let form = parse_form(&body)?;
    let tried_basic = basic.is_some();
    let (client_id, secret) = match (basic, form.client_id, form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(OAuthError::request(
                "use one client authentication method: HTTP Basic or the form, not both",
            )
            .into())
        }
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        (None, Some(_), None) => {
            return Err(OAuthError::request("client_secret is required").into())
        }
        (None, None, _) => return Err(OAuthError::client(false).into()),
    };
    if form.grant_type != "client_credentials" {
        return Err(OAuthError {
            error: "unsupported_grant_type",
            description: "only grant_type=client_credentials is supported".into(),
            basic: false,
        }
        .into());
    }
    let refused = || TokenFailure::from(OAuthError::client(tried_basic));
    // An unknown, malformed or revoked client id costs the same one Argon2
    // verification (against a dummy hash) as a known one: the answer's time
    // does not tell which ids exist.
    let client = match Uuid::parse_str(&client_id) {
        Ok(id) => {
            let mut conn = state.db.conn().await.map_err(TokenFailure::from)?;
            match ic::get_client(&mut conn, id).await {
                Ok(c) if c.revoked_at.is_none() => Some(c),
                Ok(_) | Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        }
        Err(_) => None,
    };
    let now = sct_persistence::now();
    let hashes = hashes_to_check(client.as_ref().map(|c| {
        (
            c.secret_hash.as_str(),
            c.previous_secret_hash
                .as_deref()
                .filter(|_| c.previous_secret_expires_at.is_some_and(|t| t > now)),
        )
    }));
    let matches = Gate::global()
        .run_with_memory(move |memory| verify_any(&secret, &hashes, memory))
        .await
        .map_err(|Busy| {
            log::warn!("token request refused: the Argon2 gate stayed full");
            ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::RequestTimeout,
                    "too many token requests are being checked at once; retry shortly",
                )
            }
        })?;
    let Some(client) = client.filter(|_| matches) else {
        return Err(refused());
    };
    let ttl = state.integration.token_ttl_seconds;
    let token = keys
        .issue(&TokenSpec {
            subject: client.id.to_string(),
            role: Role::Integration,
            name: client.name,
            schools: client.schools,
            team_id: None,
            ttl_seconds: ttl,
            client_version: Some(client.token_version),
        })
        .map_err(|e| {
            log::error!("cannot sign an integration token: {e}");
            ApiError::new(ErrorCode::Internal, "an internal error occurred")
        })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: ttl,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_decode_plus_and_percent() {
        assert_eq!(form_decode("a+b%3Ac").as_deref(), Some("a b:c"));
        assert_eq!(form_decode("%E2%80%99").as_deref(), Some("\u{2019}"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let e = parse_form(b"grant_type=client_credentials&grant_type=x").expect_err("repeated");
        assert_eq!(e.error, "invalid_request");
        let ok = parse_form(b"grant_type=client_credentials&client_id=a").expect("ok");
        assert_eq!(ok.client_id.as_deref(), Some("a"));
    }
}
