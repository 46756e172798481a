//! Request limits and integration credentials' lifetimes.

use crate::middleware::proxies::TrustedProxies;

/// Limits read from the environment (see `config.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// Requests per minute per client (`SCT_RATE_LIMIT_PER_MINUTE`,
    /// default 1200; 0 turns the limit off).
    pub per_minute: u32,
    /// Requests a client may send at once before the rate applies
    /// (`SCT_RATE_LIMIT_BURST`, default 200).
    pub burst: u32,
    /// Longest time a request may take before it is abandoned with 503
    /// (`SCT_REQUEST_TIMEOUT_SECONDS`, default 30).
    pub request_timeout_seconds: u64,
    /// Send `Strict-Transport-Security` (`SCT_HSTS=true`; only behind TLS).
    pub hsts: bool,
    /// Reverse proxies whose forwarding header names the client of an
    /// anonymous request (`SCT_TRUSTED_PROXIES`, comma-separated CIDRs,
    /// default none; `SCT_TRUSTED_PROXY_HEADER`, `x-forwarded-for` by default
    /// or `forwarded`). See docs/deployment.md.
    pub trusted_proxies: TrustedProxies,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            per_minute: 1200,
            burst: 200,
            request_timeout_seconds: 30,
            hsts: false,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Lifetimes around integration clients' credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrationSettings {
    /// Lifetime of a token from `POST /oauth/token`
    /// (`SCT_INTEGRATION_TOKEN_TTL_SECONDS`, default 900).
    pub token_ttl_seconds: i64,
    /// How long a rotated-out secret keeps working
    /// (`SCT_SECRET_ROTATION_GRACE_SECONDS`, default 86400; 0 ends it at once).
    pub secret_rotation_grace_seconds: i64,
    /// Delta sync's settling horizon: a list with `updated_since` only shows
    /// changes older than this, so that a change committed late never lands
    /// behind a cursor already handed out (`SCT_SYNC_SETTLE_MS`, default 2000).
    pub sync_settle_ms: i64,
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        Self {
            token_ttl_seconds: 900,
            secret_rotation_grace_seconds: 86_400,
            sync_settle_ms: 2_000,
        }
    }
}
