//! HTTP handlers: parse, authorise, call the persistence layer with the
//! domain's decision, map the answer. One module per resource family.

pub mod audit;
pub mod catalogue;
pub mod child_conflicts;
pub mod children;
pub mod community;
pub mod consultations;
pub mod delivery;
pub mod gias;
pub mod integration;
pub mod oauth;
pub mod oruk;
pub mod referrals;
pub mod reports;
pub mod supervision;
pub mod system;
pub mod termly;
pub mod webhooks;

use crate::auth::Caller;
use crate::config::{IntegrationSettings, WebhookSettings};
use crate::error::{ApiError, ErrorCode, FieldError};
use sct_domain::Role;
use sct_persistence::{catalogue as cat, Db, Scope};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use validator::Validate;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    /// Default threshold of the responsiveness report, in days.
    pub waiting_days: u32,
    pub integration: IntegrationSettings,
    /// Years a child's records are kept after their last referral ended.
    pub retention_closed_years: u32,
    pub webhooks: WebhookSettings,
    /// The eligibility policy in force, cached (see [`ActivePolicy`]).
    pub policy: ActivePolicy,
}

/// The eligibility policy in force, read from the database at most once per
/// [`ActivePolicy::TTL`] by each server process instead of on every
/// submission. The council publishes a new version as data (no release);
/// a running server screens with it within `TTL`, and every referral
/// records the version it was screened under.
#[derive(Debug, Default)]
pub struct ActivePolicy {
    slot: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<sct_domain::Policy>)>>,
}

impl ActivePolicy {
    /// How long a policy read stays in use.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    /// The policy in force.
    ///
    /// # Errors
    /// The database's, when the cached copy is older than `TTL` and cannot
    /// be read again.
    pub async fn get(&self, db: &Db) -> Result<std::sync::Arc<sct_domain::Policy>, ApiError> {
        let lock = || {
            self.slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some((at, policy)) = lock().as_ref() {
            if at.elapsed() < Self::TTL {
                return Ok(policy.clone());
            }
        }
        let mut conn = db.conn().await?;
        let policy = std::sync::Arc::new(sct_persistence::policy::active(&mut conn).await?);
        *lock() = Some((std::time::Instant::now(), policy.clone()));
        Ok(policy)
    }
}

/// The data scope of a caller. A practitioner's scope is found through the
/// worker record that carries the token's subject.
pub async fn scope_of(caller: &Caller, db: &Db) -> Result<Scope, ApiError> {
    Ok(match caller.role {
        Role::LaAdmin => Scope::All,
        Role::School | Role::Integration => Scope::Schools(caller.schools.clone()),
        Role::TeamManager => Scope::Team(caller.team_id.unwrap_or_default()),
        Role::Practitioner => {
            let mut conn = db.conn().await?;
            match cat::worker_by_subject(&mut conn, &caller.subject).await? {
                Some(w) if Some(w.team_id) == caller.team_id => Scope::Worker(w.id),
                // A token for no registered worker sees nothing.
                _ => Scope::Worker(uuid::Uuid::nil()),
            }
        }
    })
}

/// Runs `validator` rules and turns failures into field errors.
///
/// # Errors
/// `ValidationFailed` listing every failing field.
pub fn validate<T: Validate>(body: &T) -> Result<(), ApiError> {
    match body.validate() {
        Ok(()) => Ok(()),
        Err(errors) => Err(ApiError::validation(field_errors("", &errors))),
    }
}

fn field_errors(prefix: &str, errors: &validator::ValidationErrors) -> Vec<FieldError> {
    use validator::ValidationErrorsKind as K;
    let mut out = Vec::new();
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(errs) => {
                for e in errs {
                    let message = e
                        .message
                        .as_ref()
                        .map_or_else(|| describe(&path, e), ToString::to_string);
                    out.push(FieldError::new(path.clone(), e.code.to_string(), message));
                }
            }
            K::Struct(inner) => out.extend(field_errors(&path, inner)),
            K::List(items) => {
                for (i, inner) in items {
                    out.extend(field_errors(&format!("{path}[{i}]"), inner));
                }
            }
        }
    }
    out
}

fn describe(path: &str, e: &validator::ValidationError) -> String {
    let min = e.params.get("min").map(ToString::to_string);
    let max = e.params.get("max").map(ToString::to_string);
    match (e.code.as_ref(), min, max) {
        ("length", Some(min), Some(max)) => format!("{path} must have {min} to {max} characters"),
        ("length", None, Some(max)) => format!("{path} may have at most {max} characters"),
        ("range", Some(min), Some(max)) => format!("{path} must be between {min} and {max}"),
        (code, _, _) => format!("{path} is invalid ({code})"),
    }
}

/// The caller's role must be one of `roles`.
///
/// # Errors
/// `ForbiddenForRole`.
pub fn only(caller: &Caller, roles: &[Role]) -> Result<(), ApiError> {
    caller.require(roles)
}

/// 412 for a stale If-Match on a guarded update whose row still exists.
pub fn stale() -> ApiError {
    ApiError::new(
        ErrorCode::VersionMismatch,
        "the resource has changed since you read it; read it again and retry",
    )
}

macro_rules! problem_responses {
    ($($name:ident => $desc:literal),+ $(,)?) => {
        $(
            #[doc = $desc]
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($desc))
                }
            }
        )+
    };
}

fn problem_response(desc: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(desc)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

problem_responses!(
    BadRequest => "Malformed JSON, or an invalid query parameter or cursor",
    Unauthorized => "No bearer token, or the token was refused (see WWW-Authenticate)",
    Forbidden => "The caller's role may never call this operation",
    NotFound => "No such resource, or it is outside the caller's scope",
    Conflict => "Conflict with the current state (for example invalid_transition)",
    PreconditionFailed => "If-Match does not match the current ETag",
    PayloadTooLarge => "The body is larger than 64 KiB",
    UnsupportedMediaType => "The body is not application/json",
    Unprocessable => "The body is well-formed but invalid; errors lists the fields",
    PreconditionRequired => "If-Match is required",
    ServiceUnavailable => "The database is unavailable; retry after Retry-After seconds",
);

/// Refuses a `school_urn` query filter that is not a six-digit URN (400),
/// as the contract's pattern says, instead of answering an empty page.
pub(crate) fn check_urn_filter(urn: Option<&str>) -> Result<(), crate::error::ApiError> {
    match urn {
        Some(u) if u.len() != 6 || !u.bytes().all(|b| b.is_ascii_digit()) => {
            Err(crate::error::ApiError::new(
                crate::error::ErrorCode::InvalidParameter,
                "school_urn must be a six-digit URN",
            ))
        }
        _ => Ok(()),
    }
}
