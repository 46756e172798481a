//! Headers every response carries, and CORS (the ORUK feed is public to
//! every origin).

use actix_cors::Cors;
use actix_web::http::header::HeaderValue;
use actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
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
        .expose_headers(["etag", "location", "x-request-id", "retry-after", "age"])
        .max_age(600);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    // The Open Referral UK feed is public: any origin may read it.
    cors.allowed_origin_fn(|_, req| {
        req.uri.path().starts_with("/oruk/") || req.uri.path() == "/oruk"
    })
}

/// `Access-Control-Allow-Origin: *` on every response under `/oruk`, errors
/// included (the ORUK profile's compliance rules: the feed is public to every
/// origin, with or without an `Origin` header). Outside CORS, the rate limits
/// and the panic catcher, so their answers carry it too; an error from below
/// (a panic, a timeout) travels on wrapped so that its response carries it.
///
/// # Errors
/// Those from below, wrapped in [`AnyOrigin`].
pub async fn oruk_any_origin(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let path = req.path();
    let oruk = path == "/oruk" || path.starts_with("/oruk/");
    match next.call(req).await {
        Ok(res) => {
            let mut res = res.map_into_boxed_body();
            if oruk {
                res.headers_mut()
                    .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            }
            Ok(res)
        }
        Err(e) if oruk => Err(AnyOrigin(e).into()),
        Err(e) => Err(e),
    }
}

/// An error of an ORUK request: answered as the error itself would be, with
/// `Access-Control-Allow-Origin: *`.
#[derive(Debug)]
pub struct AnyOrigin(actix_web::Error);

impl std::fmt::Display for AnyOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl actix_web::ResponseError for AnyOrigin {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.0.as_response_error().status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut res = self.0.error_response();
        res.headers_mut()
            .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        res
    }
}
