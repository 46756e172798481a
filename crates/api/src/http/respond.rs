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

/// 412 for a change sent with the ETag of an older version of the `what`
/// (a referral, an appointment), naming the version it is now at.
pub fn now_at(what: &str, current: i32) -> ApiError {
    ApiError::new(
        ErrorCode::VersionMismatch,
        format!("the {what} is now at version {current}; read it again and retry"),
    )
}

pub(crate) fn ok<T: serde::Serialize>(version: i32, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// A heavy read's 200 with `Age: <seconds>` when it was served by the read
/// replica (`age` from `sct_persistence::replica::ReadConn::age`); as is
/// when it was served by the primary.
pub fn with_age(mut resp: HttpResponse, age: Option<u32>) -> HttpResponse {
    if let Some(age) = age {
        resp.headers_mut()
            .insert(header::AGE, header::HeaderValue::from(age));
    }
    resp
}
