//! Request and response bodies of integration clients and of the OAuth token
//! endpoint.

use crate::http::paging::list_page;
use chrono::DateTime;
use chrono::Utc;
use sct_persistence::models::IntegrationClientRow;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Registers an integration client (an MIS vendor's connection) for schools.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Example MIS for Example Primary", "schools": ["121234"]}))]
pub struct NewIntegrationClient {
    /// A name the council recognises, e.g. the vendor and the schools.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// URNs of registered schools the client may act for.
    #[schema(value_type = Vec<SchoolUrn>, min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub schools: Vec<String>,
}

/// Replaces the schools an integration client may act for. Tokens already
/// issued act for the new list from their next request.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"schools": ["121234", "121235"]}))]
pub struct ClientSchools {
    /// URNs of registered schools the client may act for.
    #[schema(value_type = Vec<SchoolUrn>, min_items = 1, max_items = 500)]
    #[validate(length(min = 1, max = 500))]
    pub schools: Vec<String>,
}

/// Options of a secret rotation; the body may be left out.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"previous_secret_valid_for_seconds": 0}))]
pub struct RotateSecret {
    /// How long the secret being replaced keeps working, in seconds: `0`
    /// stops it at once, together with every token already issued to the
    /// client (after a leak). Left out: SCT_SECRET_ROTATION_GRACE_SECONDS
    /// (a day by default). At most 30 days.
    #[schema(minimum = 0, maximum = 2_592_000)]
    #[validate(range(min = 0, max = 2_592_000))]
    pub previous_secret_valid_for_seconds: Option<i64>,
}

/// An integration client. Its secret is never shown again after it is issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationClient {
    /// The client's `client_id`.
    pub id: Uuid,
    /// The client's name.
    pub name: String,
    /// URNs of the schools the client may act for.
    pub schools: Vec<String>,
    /// Until when the secret replaced by the last rotation still works.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Set once the client is revoked: its secrets and tokens no longer work.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When the client was registered.
    pub created_at: DateTime<Utc>,
    /// When the client last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<IntegrationClientRow> for IntegrationClient {
    fn from(c: IntegrationClientRow) -> Self {
        Self {
            id: c.id,
            name: c.name,
            schools: c.schools,
            previous_secret_expires_at: c.previous_secret_expires_at,
            revoked_at: c.revoked_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Credentials shown once: on registration and on each rotation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientCredentials {
    /// The `client_id` for `POST /oauth/token`.
    pub client_id: Uuid,
    /// 32 random bytes, base64url without padding. Store it now: only its
    /// Argon2id hash is kept.
    pub client_secret: String,
    /// The client as registered.
    pub client: IntegrationClient,
}

list_page! {
    /// A page of integration clients.
    IntegrationClientPage {
        /// The clients on this page.
        items: IntegrationClient
    }
}

/// The client credentials grant's form (RFC 6749 section 4.4.2), sent as
/// `application/x-www-form-urlencoded`. Authenticate with HTTP Basic or with
/// `client_id` and `client_secret` here, not both.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "0192f1c2-3d4e-7f00-8000-000000000000", "client_secret": "the-secret-shown-once"}))]
pub struct TokenRequest {
    /// Must be `client_credentials` (400 `unsupported_grant_type` otherwise).
    #[schema(value_type = GrantType, example = "client_credentials")]
    pub grant_type: String,
    /// Ignored: a client's token always carries all its schools.
    pub scope: Option<String>,
    /// The client id, when not sent with HTTP Basic.
    pub client_id: Option<String>,
    /// The client secret, when not sent with HTTP Basic.
    pub client_secret: Option<String>,
}

/// The one OAuth grant this server issues tokens for.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
enum GrantType {
    ClientCredentials,
}

/// The type of an issued token.
#[derive(ToSchema)]
#[allow(dead_code)]
enum TokenType {
    Bearer,
}

/// An access token (RFC 6749 section 5.1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT with role `integration` and the client's schools.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = TokenType, example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// An OAuth 2.0 error (RFC 6749 section 5.2), not problem+json.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant`,
    /// `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.
    #[schema(example = "invalid_client")]
    pub error: String,
    /// For humans; do not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error_description: Option<String>,
}

/// A school's URN: a setting identifier (six digits, `EY` and six digits, or
/// `LA-` and up to 20 capitals or digits). (Only the schema of an item of `schools`;
/// the field stays a `Vec<String>`.)
pub struct SchoolUrn;

impl utoipa::PartialSchema for SchoolUrn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A school's URN: a setting identifier (a 6-digit URN, or for a setting beyond GIAS its Ofsted registration number `EY123456` or local id `LA-…`)."))
            .pattern(Some("^([0-9]{6}|EY[0-9]{6}|LA-[A-Z0-9]{1,20})$"))
            .examples(["121234"])
            .into()
    }
}

impl ToSchema for SchoolUrn {}
