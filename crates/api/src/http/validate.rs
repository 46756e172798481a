//! Validation at the boundary: `validator` rules turned into field errors,
//! and query filters checked before they reach SQL.

use crate::http::error::ApiError;
use crate::http::error::FieldError;
use validator::Validate;

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

pub(crate) fn describe(path: &str, e: &validator::ValidationError) -> String {
    let min = e.params.get("min").map(ToString::to_string);
    let max = e.params.get("max").map(ToString::to_string);
    match (e.code.as_ref(), min, max) {
        ("length", Some(min), Some(max)) => format!("{path} must have {min} to {max} characters"),
        ("length", None, Some(max)) => format!("{path} may have at most {max} characters"),
        ("range", Some(min), Some(max)) => format!("{path} must be between {min} and {max}"),
        (code, _, _) => format!("{path} is invalid ({code})"),
    }
}

/// Refuses a `school_urn` query filter that is not a six-digit URN (400),
/// as the contract's pattern says, instead of answering an empty page.
pub(crate) fn check_urn_filter(urn: Option<&str>) -> Result<(), crate::http::error::ApiError> {
    match urn {
        Some(u) if u.len() != 6 || !u.bytes().all(|b| b.is_ascii_digit()) => {
            Err(crate::http::error::ApiError::new(
                crate::http::error::ErrorCode::InvalidParameter,
                "school_urn must be a six-digit URN",
            ))
        }
        _ => Ok(()),
    }
}
