//! The 200 of a read with its `ETag`, and the 412 of a stale `If-Match`
//! (a write's answers are `crate::http::write::Written`).

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::etag;
use actix_web::http::header;
use actix_web::HttpResponse;

/// 412 for a stale If-Match on a guarded update whose row still exists.
pub fn stale() -> ApiError {
    ApiError::new(
        ErrorCode::VersionMismatch,
        "the resource has changed since you read it; read it again and retry",
    )
}

pub(crate) fn ok<T: serde::Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}
