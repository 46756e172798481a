//! The fail-closed audit trail of reads and refusals: after a handler
//! answers, the middleware writes who read which subjects (from the route's
//! parameters and the handler's notes) before the response leaves, through
//! the group-commit writer (`crate::http::audit_writer`). A write
//! recorded its own rows in its transaction (`crate::http::write`) and is
//! skipped here.

use crate::http::audit::rows_of;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use actix_web::body::EitherBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::middleware::Next;
use actix_web::ResponseError;

/// The middleware (innermost, so that the request id and the matched route
/// are known).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/v1/");
    let res = next.call(req).await?;
    if !is_api {
        return Ok(res.map_into_left_body());
    }
    let status = res.status().as_u16();
    let Some((rows, state)) = rows_of(res.request(), status) else {
        return Ok(res.map_into_left_body());
    };
    if status == 503 {
        // The database is unavailable or saturated: nothing was shown or
        // changed, and waiting for it again would only slow the answer.
        log::warn!(target: "audit", "not recorded (503): {} rows", rows.len());
        return Ok(res.map_into_left_body());
    }
    let stored = match state {
        Some(state) => state.audit.record(rows).await,
        None => Ok(()),
    };
    match stored {
        Ok(()) => Ok(res.map_into_left_body()),
        Err(e) if (200..300).contains(&status) => {
            log::error!(target: "audit", "audit row not stored, answering 503: {e}");
            let (http, _) = res.into_parts();
            let refused = ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the request could not be recorded in the audit trail; retry shortly",
            )
            .error_response();
            Ok(ServiceResponse::new(http, refused).map_into_right_body())
        }
        Err(e) => {
            log::warn!(target: "audit", "audit row of a refused request not stored: {e}");
            Ok(res.map_into_left_body())
        }
    }
}
