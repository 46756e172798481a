//! Headers every response carries, and CORS (the ORUK feed is public to
//! every origin).

use actix_cors::Cors;
use actix_web::middleware::DefaultHeaders;

/// Headers on every response: no sniffing, no caching of personal data, no
/// framing (Swagger UI is served top-level, so `frame-ancestors 'none'` does
/// not hinder it), no referrer, and HSTS when configured behind TLS.
pub fn security_headers(hsts: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "no-referrer"))
        .add(("cache-control", "no-store"))
        .add(("x-frame-options", "DENY"))
        .add(("content-security-policy", "frame-ancestors 'none'"));
    if hsts {
        headers.add((
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        headers
    }
}

pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers(["etag", "location", "x-request-id", "retry-after"])
        .max_age(600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    // The Open Referral UK feed is public: any origin may read it.
    cors.allowed_origin_fn(|_, req| {
        req.uri.path().starts_with("/oruk/") || req.uri.path() == "/oruk"
    })
}
