//! Abuse limits around every request: a per-client rate limit (429 with
//! `Retry-After`) and a time limit on handling (503 with `Retry-After`).
//!
//! The rate limit is keyed by the verified token's role and subject, so one
//! integration client or user cannot starve the others; a request without a
//! valid token is keyed by its client's address: the peer, or behind the
//! reverse proxies of `SCT_TRUSTED_PROXIES` the address their forwarding
//! header names (`middleware::proxies`). Keys are kept in a `governor`
//! keyed limiter (GCRA), pruned of idle keys every minute. The limits are
//! per process: several processes each allow the full rate (see
//! docs/deployment.md for limits at the edge).

use crate::config::LimitSettings;
use crate::http::auth::JwtKeys;
use crate::http::error::ApiError;
use crate::http::error::ErrorCode;
use crate::http::write::Deadline;
use crate::middleware::proxies::TrustedProxies;
use actix_web::body::BoxBody;
use actix_web::body::MessageBody;
use actix_web::dev::ServiceRequest;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::HttpMessage;
use actix_web::ResponseError;
use governor::clock::Clock;
use governor::clock::DefaultClock;
use governor::DefaultKeyedRateLimiter;
use governor::Quota;
use governor::RateLimiter;
use sct_domain::WireName;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// The shared limiter and the settings it was built from.
pub struct Limiter {
    keyed: Option<DefaultKeyedRateLimiter<String>>,
    timeout: Duration,
    proxies: TrustedProxies,
}

impl Limiter {
    /// Builds the limiter; `per_minute == 0` turns rate limiting off.
    pub fn new(s: LimitSettings) -> Arc<Self> {
        let keyed = NonZeroU32::new(s.per_minute).map(|rate| {
            let burst = NonZeroU32::new(s.burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Arc::new(Self {
            keyed,
            timeout: Duration::from_secs(s.request_timeout_seconds.max(1)),
            proxies: s.trusted_proxies,
        })
    }

    /// Forgets clients idle long enough to be back at a full burst.
    pub fn prune(&self) {
        if let Some(l) = &self.keyed {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// `Err(seconds to wait)` when the key is over its rate.
    fn check(&self, key: &str) -> Result<(), u16> {
        let Some(l) = &self.keyed else {
            return Ok(());
        };
        l.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            u16::try_from(secs).unwrap_or(u16::MAX)
        })
    }
}

/// The rate-limit key of a request: `role:subject` of a valid token, else
/// the client's address.
fn key_of(req: &ServiceRequest, proxies: &TrustedProxies) -> String {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    if let (Some(token), Some(keys)) = (token, req.app_data::<web::Data<JwtKeys>>()) {
        if let Ok(caller) = keys.verify(token) {
            return format!("{}:{}", caller.role.as_str(), caller.subject);
        }
    }
    let client = req.peer_addr().map_or_else(
        || "unknown".to_owned(),
        |a| proxies.client_address(a.ip(), req.headers()).to_string(),
    );
    format!("ip:{client}")
}

/// Middleware: refuses a client over its rate with 429 problem+json and
/// `Retry-After`, and abandons a request that takes longer than the time
/// limit with 503 problem+json and `Retry-After`.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limiter) = req.app_data::<web::Data<Arc<Limiter>>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // PostgreSQL text cannot hold NUL: a `%00` in the path or query would
    // reach it as a parameter and fail there, so it is refused here.
    let raw = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    if raw.to_ascii_lowercase().contains("%00") {
        let res = ApiError::new(
            ErrorCode::InvalidParameter,
            "the path or query contains a NUL character (%00)",
        )
        .error_response();
        return Ok(req.into_response(res));
    }
    if !req.path().starts_with("/health") {
        if let Err(wait) = limiter.check(&key_of(&req, &limiter.proxies)) {
            let err = ApiError {
                retry_after: Some(wait.max(1)),
                ..ApiError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "too many requests from this client; retry in {} s",
                        wait.max(1)
                    ),
                )
            };
            let res = err.error_response();
            return Ok(req.into_response(res));
        }
    }
    req.extensions_mut()
        .insert(Deadline(std::time::Instant::now() + limiter.timeout));
    if let Ok(res) = tokio::time::timeout(limiter.timeout, next.call(req)).await {
        return res.map(ServiceResponse::map_into_boxed_body);
    }
    // The request was moved into the abandoned call, so the answer travels
    // as an error, rendered by `ApiError`'s `error_response`.
    log::warn!("request abandoned after {:?}", limiter.timeout);
    Err(ApiError {
        retry_after: Some(5),
        ..ApiError::new(
            ErrorCode::RequestTimeout,
            "the request took too long and was abandoned; retry shortly",
        )
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_burst_waits_and_others_do_not() {
        let l = Limiter::new(LimitSettings {
            per_minute: 60,
            burst: 2,
            ..LimitSettings::default()
        });
        assert!(l.check("a").is_ok());
        assert!(l.check("a").is_ok());
        let wait = l.check("a").expect_err("over the burst");
        assert!((1..=1).contains(&wait), "one a second: {wait}");
        assert!(l.check("b").is_ok());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let l = Limiter::new(LimitSettings {
            per_minute: 0,
            ..LimitSettings::default()
        });
        for _ in 0..1000 {
            assert!(l.check("a").is_ok());
        }
    }
}
