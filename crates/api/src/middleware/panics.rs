//! A panic in a handler is answered, not dropped: 500 problem+json with the
//! request id (in `x-request-id`, set by `observe`, and in the detail), and
//! one log line with the method, route pattern and request id. Never the
//! request body, the query or a formatted panic message, which may hold
//! what the request carried; a literal message (`expect("...")` text written
//! in the code) is logged.

use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::extract::RequestId;
use actix_web::body::BoxBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderName;
use actix_web::http::header::HeaderValue;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::HttpResponse;
use actix_web::ResponseError;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// The answer to a panic: 500 problem+json with the request id in the
/// detail and in `x-request-id`. It travels as an error (the request was
/// consumed by the handler that panicked, so no `ServiceResponse` can be
/// built), which is why it sets the security headers itself: the layers
/// outside it only add headers to answers, not to errors.
#[derive(Debug)]
pub struct Panicked {
    request_id: String,
}

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a handler panicked (request {})", self.request_id)
    }
}

impl ResponseError for Panicked {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = ApiError::new(
            ErrorCode::Internal,
            format!(
                "an internal error occurred (request id {})",
                self.request_id
            ),
        )
        .error_response();
        let headers = res.headers_mut();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
            ("content-security-policy", "frame-ancestors 'none'"),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            headers.insert(HeaderName::from_static("x-request-id"), v);
        }
        res
    }
}

/// Turns a panic below it into a 500 answer.
pub async fn catch(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Owned copies only: a clone of the request would stop the router below
    // from writing the path parameters into it.
    let method = req.method().to_string();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |r| r.0.clone());
    // The handler's state is dropped with its future: nothing of it is used
    // after the unwind, so asserting unwind safety is sound here.
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&'static str>()
                .copied()
                .unwrap_or("(a formatted message, withheld: it may hold request data)");
            log::error!("a handler panicked: {method} {route} (request {request_id}): {message}");
            Err(Panicked { request_id }.into())
        }
    }
}
