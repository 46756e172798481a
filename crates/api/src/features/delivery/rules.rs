//! What service delivery shares: who may record it, the referral scope, dates
//! not in the future and the translation of delivery errors.

use crate::http::access::scope_of;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::error::FieldError;
use crate::http::respond::stale;
use chrono::NaiveDate;
use chrono::Utc;
use sct_domain::DeliveryOp;
use sct_domain::WireName;
use sct_persistence::delivery::DeliveryError;
use sct_persistence::Db;
use sct_persistence::Scope;

/// Refuses a role that may never take the operation.
pub(crate) fn allow(caller: &Caller, op: DeliveryOp) -> Result<(), ApiError> {
    if op.permits(caller.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden(caller.role.as_str()))
    }
}

/// The scope of delivery records: the scope of the referral they belong to
/// (docs/adr/0007-practitioner-scope.md), so a practitioner works the plan,
/// reviews and sessions of the referrals allocated to them or co-worked.
pub async fn delivery_scope(caller: &Caller, db: &Db) -> Result<Scope, ApiError> {
    scope_of(caller, db).await
}

pub(crate) fn not_future(field: &str, day: NaiveDate) -> Result<(), ApiError> {
    if day > Utc::now().date_naive() {
        return Err(ApiError::validation(vec![FieldError::new(
            field,
            "in_future",
            "the date may not be in the future",
        )]));
    }
    Ok(())
}

pub(crate) fn delivery_error(e: DeliveryError) -> ApiError {
    ratings_error("ratings", e)
}

/// [`delivery_error`], naming the ratings' fields under `list` (the final
/// ratings of a closure are `final_ratings`).
pub(crate) fn ratings_error(list: &str, e: DeliveryError) -> ApiError {
    match e {
        DeliveryError::NotFound => ApiError::not_found(),
        DeliveryError::VersionMismatch { .. } => stale(),
        DeliveryError::IfMatchRequired => ApiError::new(ErrorCode::IfMatchRequired, e.to_string()),
        DeliveryError::NotOpen(..) => ApiError::new(ErrorCode::ReferralNotOpen, e.to_string()),
        DeliveryError::NoPlan => ApiError::new(ErrorCode::NoSupportPlan, e.to_string()),
        DeliveryError::Field {
            field,
            code,
            message,
        } => ApiError::validation(vec![FieldError::new(field, code, message)]),
        DeliveryError::Ratings(errors) => ApiError::validation(
            errors
                .iter()
                .map(|r| FieldError::new(r.field(list), r.code(), r.to_string()))
                .collect(),
        ),
        DeliveryError::Store(s) => s.into(),
    }
}

// ---------------------------------------------------------------- catalogue
