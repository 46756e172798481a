//! The date bound for query parameters (`crate::http::dates`): a date or
//! time parameter outside 1900-01-01..=2200-12-31, or one that does not
//! parse, is answered 400 naming the parameter before any handler runs.

use crate::http::dates::DateFields;
use actix_web::body::BoxBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::ResponseError;

/// Refuses date query parameters outside the bound.
pub async fn check_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.query_string().is_empty() {
        let fields = req.app_data::<web::Data<DateFields>>().cloned();
        if let (Some(fields), Some(route)) = (fields, req.match_pattern()) {
            if let Err(e) = fields.check_query(req.method().as_str(), &route, req.query_string()) {
                return Ok(req.into_response(e.error_response()));
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
