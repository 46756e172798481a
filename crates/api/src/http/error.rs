//! The one mapping from failures to HTTP: every error code with its status
//! and title in one table, rendered as RFC 9457 problem details.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use actix_web::ResponseError;
use sct_persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every machine code the API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    MalformedJson,
    InvalidParameter,
    InvalidCursor,
    InvalidIdempotencyKey,
    MissingToken,
    InvalidToken,
    ForbiddenForRole,
    WorkerDeactivated,
    NotFound,
    MethodNotAllowed,
    InvalidTransition,
    DuplicateExternalReference,
    IdempotencyKeyInProgress,
    AlreadyExists,
    NoWorkerCapacity,
    WorkerAtCapacity,
    AlreadyAllocatedToWorker,
    ReopenWindowPassed,
    ReferralNotRouted,
    AlreadyWithTeam,
    TeamNotOperational,
    VersionMismatch,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    ReasonRequired,
    OutcomeRequired,
    IdempotencyKeyReused,
    UnknownSchool,
    SchoolClosed,
    UnknownTeam,
    UnknownZone,
    WorkerNotInTeam,
    WorkerInactive,
    IfMatchRequired,
    ClientRevoked,
    RetentionApplies,
    AlreadyErased,
    SubscriptionDisabled,
    AlreadyResolved,
    ReferralNotOpen,
    FeedbackNotDue,
    AlreadyRecorded,
    ReferralNotClosed,
    NoSupportPlan,
    AppointmentClash,
    PolicyPublished,
    ConsentWithdrawn,
    ConsentAlreadyWithdrawn,
    DatabaseUnavailable,
    RateLimited,
    RequestTimeout,
    TooDeep,
    StringTooLong,
    Internal,
}

impl ErrorCode {
    /// Every code, so that tests can walk the table.
    pub const ALL: [ErrorCode; 55] = [
        Self::MalformedJson,
        Self::InvalidParameter,
        Self::InvalidCursor,
        Self::InvalidIdempotencyKey,
        Self::MissingToken,
        Self::InvalidToken,
        Self::ForbiddenForRole,
        Self::WorkerDeactivated,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::InvalidTransition,
        Self::DuplicateExternalReference,
        Self::IdempotencyKeyInProgress,
        Self::AlreadyExists,
        Self::NoWorkerCapacity,
        Self::WorkerAtCapacity,
        Self::AlreadyAllocatedToWorker,
        Self::ReopenWindowPassed,
        Self::ReferralNotRouted,
        Self::AlreadyWithTeam,
        Self::TeamNotOperational,
        Self::VersionMismatch,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::ReasonRequired,
        Self::OutcomeRequired,
        Self::IdempotencyKeyReused,
        Self::UnknownSchool,
        Self::SchoolClosed,
        Self::UnknownTeam,
        Self::UnknownZone,
        Self::WorkerNotInTeam,
        Self::WorkerInactive,
        Self::IfMatchRequired,
        Self::ClientRevoked,
        Self::RetentionApplies,
        Self::AlreadyErased,
        Self::SubscriptionDisabled,
        Self::AlreadyResolved,
        Self::ReferralNotOpen,
        Self::FeedbackNotDue,
        Self::AlreadyRecorded,
        Self::ReferralNotClosed,
        Self::NoSupportPlan,
        Self::AppointmentClash,
        Self::PolicyPublished,
        Self::ConsentWithdrawn,
        Self::ConsentAlreadyWithdrawn,
        Self::DatabaseUnavailable,
        Self::RateLimited,
        Self::RequestTimeout,
        Self::TooDeep,
        Self::StringTooLong,
        Self::Internal,
    ];

    /// The table: HTTP status, stable machine name, title.
    pub fn describe(self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Self::MalformedJson => (
                S::BAD_REQUEST,
                "malformed_json",
                "The request body is not valid JSON",
            ),
            Self::InvalidParameter => (
                S::BAD_REQUEST,
                "invalid_parameter",
                "A query or header parameter is invalid",
            ),
            Self::InvalidCursor => (
                S::BAD_REQUEST,
                "invalid_cursor",
                "The page cursor is not one this API issued",
            ),
            Self::InvalidIdempotencyKey => (
                S::BAD_REQUEST,
                "invalid_idempotency_key",
                "The Idempotency-Key header is invalid",
            ),
            Self::MissingToken => (
                S::UNAUTHORIZED,
                "missing_token",
                "A bearer token is required",
            ),
            Self::InvalidToken => (
                S::UNAUTHORIZED,
                "invalid_token",
                "The bearer token is not valid",
            ),
            Self::ForbiddenForRole => (
                S::FORBIDDEN,
                "forbidden_for_role",
                "Your role may not do this",
            ),
            Self::WorkerDeactivated => (
                S::FORBIDDEN,
                "worker_deactivated",
                "The worker record behind the token is deactivated",
            ),
            Self::NotFound => (S::NOT_FOUND, "not_found", "Not found"),
            Self::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
            ),
            Self::InvalidTransition => (
                S::CONFLICT,
                "invalid_transition",
                "The action is not allowed from the resource's current status",
            ),
            Self::DuplicateExternalReference => (
                S::CONFLICT,
                "duplicate_external_reference",
                "The school already sent a referral with this external reference",
            ),
            Self::IdempotencyKeyInProgress => (
                S::CONFLICT,
                "idempotency_key_in_progress",
                "A request with this Idempotency-Key is still being processed",
            ),
            Self::AlreadyExists => (
                S::CONFLICT,
                "already_exists",
                "A resource with this identity already exists",
            ),
            Self::NoWorkerCapacity => (
                S::CONFLICT,
                "no_worker_capacity",
                "No worker in the team has room under their caseload cap",
            ),
            Self::WorkerAtCapacity => (
                S::CONFLICT,
                "worker_at_capacity",
                "The worker is at their caseload cap",
            ),
            Self::AlreadyAllocatedToWorker => (
                S::CONFLICT,
                "already_allocated_to_worker",
                "The referral is already allocated to that worker",
            ),
            Self::ReopenWindowPassed => (
                S::CONFLICT,
                "reopen_window_passed",
                "The referral can no longer be reopened",
            ),
            Self::ReferralNotRouted => (
                S::CONFLICT,
                "referral_not_routed",
                "The referral waits in the council's triage queue",
            ),
            Self::AlreadyWithTeam => (
                S::CONFLICT,
                "already_with_team",
                "The referral is already with that team",
            ),
            Self::TeamNotOperational => (
                S::CONFLICT,
                "team_not_operational",
                "The team is not operational yet",
            ),
            Self::VersionMismatch => (
                S::PRECONDITION_FAILED,
                "version_mismatch",
                "The resource has changed since you read it",
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large",
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be application/json",
            ),
            Self::ValidationFailed => (
                S::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "The request is not valid",
            ),
            Self::ReasonRequired => (
                S::UNPROCESSABLE_ENTITY,
                "reason_required",
                "A reason is required",
            ),
            Self::OutcomeRequired => (
                S::UNPROCESSABLE_ENTITY,
                "outcome_required",
                "An outcome is required",
            ),
            Self::IdempotencyKeyReused => (
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "The Idempotency-Key was used with another request",
            ),
            Self::UnknownSchool => (S::UNPROCESSABLE_ENTITY, "unknown_school", "Unknown school"),
            Self::SchoolClosed => (
                S::UNPROCESSABLE_ENTITY,
                "school_closed",
                "The school is recorded as closed",
            ),
            Self::UnknownTeam => (S::UNPROCESSABLE_ENTITY, "unknown_team", "Unknown team"),
            Self::UnknownZone => (S::UNPROCESSABLE_ENTITY, "unknown_zone", "Unknown zone"),
            Self::WorkerNotInTeam => (
                S::UNPROCESSABLE_ENTITY,
                "worker_not_in_team",
                "The worker is not in the referral's team",
            ),
            Self::WorkerInactive => (
                S::UNPROCESSABLE_ENTITY,
                "worker_inactive",
                "The worker is not taking new work",
            ),
            Self::IfMatchRequired => (
                S::PRECONDITION_REQUIRED,
                "if_match_required",
                "An If-Match header is required",
            ),
            Self::ClientRevoked => (
                S::CONFLICT,
                "client_revoked",
                "The integration client is revoked",
            ),
            Self::RetentionApplies => (
                S::CONFLICT,
                "retention_applies",
                "A legal retention period applies to the child's records",
            ),
            Self::AlreadyErased => (
                S::CONFLICT,
                "already_erased",
                "The child's personal data was already erased",
            ),
            Self::SubscriptionDisabled => (
                S::CONFLICT,
                "subscription_disabled",
                "The webhook subscription is disabled",
            ),
            Self::AlreadyResolved => (
                S::CONFLICT,
                "already_resolved",
                "The conflict is already resolved",
            ),
            Self::ReferralNotOpen => (
                S::CONFLICT,
                "referral_not_open",
                "The referral's status does not allow this record",
            ),
            Self::FeedbackNotDue => (
                S::CONFLICT,
                "feedback_not_due",
                "Feedback follows a referral's closure, a consultation or a held termly conversation",
            ),
            Self::AlreadyRecorded => (
                S::CONFLICT,
                "already_recorded",
                "The follow-up has been recorded already",
            ),
            Self::ReferralNotClosed => (
                S::CONFLICT,
                "referral_not_closed",
                "Escalation outcomes follow a referral's closure: it is not closed",
            ),
            Self::NoSupportPlan => (
                S::CONFLICT,
                "no_support_plan",
                "The referral has no support plan yet",
            ),
            Self::PolicyPublished => (
                S::CONFLICT,
                "policy_published",
                "The policy version is published: it no longer changes",
            ),
            Self::AppointmentClash => (
                S::CONFLICT,
                "appointment_clash",
                "A worker already has an appointment at that time",
            ),
            Self::ConsentWithdrawn => (
                S::CONFLICT,
                "consent_withdrawn",
                "No consent for SCT involvement is in force: the referral can only be closed or withdrawn",
            ),
            Self::ConsentAlreadyWithdrawn => (
                S::CONFLICT,
                "consent_already_withdrawn",
                "The consent was already withdrawn",
            ),
            Self::DatabaseUnavailable => (
                S::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The service is temporarily unavailable",
            ),
            Self::RateLimited => (
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests: slow down and retry after Retry-After seconds",
            ),
            Self::RequestTimeout => (
                S::SERVICE_UNAVAILABLE,
                "request_timeout",
                "The request took too long and was abandoned",
            ),
            Self::TooDeep => (
                S::BAD_REQUEST,
                "json_too_deep",
                "The JSON body is nested too deeply",
            ),
            Self::StringTooLong => (
                S::UNPROCESSABLE_ENTITY,
                "string_too_long",
                "A string in the body is too long",
            ),
            Self::Internal => (S::INTERNAL_SERVER_ERROR, "internal_error", "Internal error"),
        }
    }

    /// The stable machine name.
    pub fn name(self) -> &'static str {
        self.describe().1
    }
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the body, e.g. `child.upn` or `indes[1].level`.
    #[schema(example = "child.upn")]
    pub field: String,
    /// Stable machine code of the problem.
    #[schema(example = "invalid_upn_check_letter")]
    pub code: String,
    /// For humans.
    #[schema(example = "the UPN's check letter is wrong: expected B")]
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details, with this API's `code` and `errors`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference identifying the problem type.
    #[schema(example = "urn:sct:problem:invalid_transition")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary, stable per type.
    pub title: String,
    /// The HTTP status, repeated.
    pub status: u16,
    /// This occurrence, for humans. Do not parse.
    pub detail: String,
    /// Stable snake_case machine code.
    #[schema(example = "invalid_transition")]
    pub code: String,
    /// Invalid fields, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Identifier of the existing referral (for `duplicate_external_reference`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub existing_referral_id: Option<uuid::Uuid>,
    /// Human-readable reference of the existing referral.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub existing_reference: Option<String>,
}

/// The error type every handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub existing: Option<(uuid::Uuid, String)>,
    /// Methods to list in `Allow` (405 only).
    pub allow: Vec<String>,
    /// Seconds to send in `Retry-After` (429 and 503).
    pub retry_after: Option<u16>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.detail)
    }
}

impl ApiError {
    /// An error with a detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            existing: None,
            allow: Vec::new(),
            retry_after: None,
        }
    }

    /// 422 with field errors.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed, detail)
        }
    }

    /// 404 that does not say whether the object exists.
    pub fn not_found() -> Self {
        Self::new(
            ErrorCode::NotFound,
            "no such resource, or it is outside your scope",
        )
    }

    /// 403 for a role that may never call the operation.
    pub fn forbidden(role: &str) -> Self {
        Self::new(
            ErrorCode::ForbiddenForRole,
            format!("the role {role} may not call this operation"),
        )
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let (status, name, title) = self.code.describe();
        Problem {
            problem_type: format!("urn:sct:problem:{name}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail.clone(),
            code: name.to_owned(),
            errors: self.errors.clone(),
            existing_referral_id: self.existing.as_ref().map(|e| e.0),
            existing_reference: self.existing.as_ref().map(|e| e.1.clone()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.describe().0
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        match self.code {
            ErrorCode::MissingToken => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"sct\""));
            }
            ErrorCode::ForbiddenForRole | ErrorCode::WorkerDeactivated => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"sct\", error=\"insufficient_scope\"",
                ));
            }
            ErrorCode::InvalidToken => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"sct\", error=\"invalid_token\"",
                ));
            }
            ErrorCode::DatabaseUnavailable | ErrorCode::RateLimited | ErrorCode::RequestTimeout => {
                let seconds = self.retry_after.unwrap_or(2).max(1);
                res.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            ErrorCode::MethodNotAllowed => {
                res.insert_header((header::ALLOW, self.allow.join(", ")));
            }
            _ => {}
        }
        res.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Unavailable(why) => {
                log::warn!("database unavailable: {why}");
                ApiError::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database is unavailable; retry shortly",
                )
            }
            StoreError::ConsentWithdrawn => ApiError::new(
                ErrorCode::ConsentWithdrawn,
                "no consent for SCT involvement of the referral is in force: record one, or close or withdraw the referral",
            ),
            StoreError::Constraint { constraint, .. } => {
                log::warn!("constraint {constraint} refused a write");
                ApiError::new(
                    ErrorCode::AlreadyExists,
                    format!("the write conflicts with existing data ({constraint})"),
                )
            }
            StoreError::Database(err) => {
                log::error!("database error: {err}");
                ApiError::new(ErrorCode::Internal, "an internal error occurred")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_has_a_unique_name_and_an_error_status() {
        let mut names = HashSet::new();
        for code in ErrorCode::ALL {
            let (status, name, title) = code.describe();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{name}"
            );
            assert!(names.insert(name), "duplicate {name}");
            assert!(!title.is_empty());
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn a_problem_carries_type_status_and_code() {
        let e = ApiError::validation(vec![FieldError::new("child.upn", "invalid_upn", "bad")]);
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation_failed");
        assert_eq!(p.problem_type, "urn:sct:problem:validation_failed");
        assert_eq!(p.detail, "child.upn: bad");
    }
}
