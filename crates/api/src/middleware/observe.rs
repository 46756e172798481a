//! The outermost middleware: the request id, the metrics by route pattern
//! and the access log line.

use crate::http::extract::sanitize_request_id;
use crate::http::extract::RequestId;
use crate::http::metrics::Metrics;
use crate::http::metrics::UNMATCHED;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderName;
use actix_web::http::header::HeaderValue;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use std::time::Instant;

/// The outermost middleware: gives the request its id (echoed from
/// `x-request-id` or generated) for the handlers, the log lines written
/// while it is handled and the response header; then records the request in
/// the metrics by route pattern and writes the access log line.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = sanitize_request_id(
        req.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let result = crate::middleware::logging::REQUEST_ID
        .scope(id.clone(), async move {
            let result = next.call(req).await;
            let seconds = started.elapsed().as_secs_f64();
            let (status, route) = match &result {
                Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
                Err(e) => (e.as_response_error().status_code().as_u16(), None),
            };
            let route = route.unwrap_or_else(|| UNMATCHED.to_owned());
            if let Some(m) = &metrics {
                m.observe(method.as_str(), &route, status, seconds);
            }
            // The route pattern, never the raw path or query: no identifiers
            // or personal data in the access log.
            log::info!(
                target: "access",
                "{method} {route} {status} {:.1}ms",
                seconds * 1000.0
            );
            result
        })
        .await;
    let mut res = result?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}
