//! Configuration from the environment (and an optional `.env`), read once at
//! start and passed down; secrets never reach a log line. The limits, the
//! webhook worker's settings and the checks of credentials live in their own
//! modules and are re-exported here.

mod credentials;
mod limits;
mod webhooks;

pub use credentials::*;
pub use limits::*;
pub use webhooks::*;

use crate::middleware::proxies::TrustedProxies;
use jsonwebtoken::Algorithm;
use std::path::PathBuf;
use thiserror::Error;

/// The development HS256 secret. Refused in production mode.
pub const DEV_JWT_SECRET: &str = "sct-development-secret-change-me-before-production";
/// Development issuer.
pub const DEV_ISSUER: &str = "sct-dev";
/// Development audience.
pub const DEV_AUDIENCE: &str = "sct-api";

/// Default of `SCT_REPORT_WAITING_DAYS`.
pub const DEFAULT_WAITING_DAYS: u32 = 10;

/// Default of `SCT_RETENTION_CLOSED_YEARS`: a child's records are kept six
/// years after their last referral ended (see docs/architecture.md, "Data
/// protection", for the source and its limits).
pub const DEFAULT_RETENTION_CLOSED_YEARS: u32 = 6;

/// A string that prints as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How tokens are signed and checked.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The one algorithm accepted (pinned: no switching per token).
    pub algorithm: Algorithm,
    /// HS256 shared secret.
    pub secret: Option<Secret>,
    /// PEM public key for RS256/ES256 verification.
    pub public_key_file: Option<PathBuf>,
    /// PEM private key for `sct token` with RS256/ES256.
    pub private_key_file: Option<PathBuf>,
    pub issuer: String,
    pub audience: String,
    /// The identity provider's keys as a JWKS document in a file
    /// (`SCT_JWKS_FILE`): RS256/ES256 tokens are verified with the key their
    /// `kid` names, alongside the pinned algorithm above.
    pub jwks_file: Option<PathBuf>,
    /// The same, fetched from a URL (`SCT_JWKS_URL`): https only, without
    /// following redirects; plain http only to a loopback address and only
    /// with `SCT_JWKS_ALLOW_HTTP_LOOPBACK=true` (for tests).
    pub jwks_url: Option<String>,
    /// How often the JWKS is reloaded (`SCT_JWKS_REFRESH_SECONDS`, default
    /// 300); an unknown `kid` also reloads it, at most every 10 seconds.
    pub jwks_refresh_seconds: u64,
}

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    /// A PostgreSQL hot standby of `database_url` (`SCT_DATABASE_READ_URL`,
    /// optional): the reports and the audit list read from it; everything
    /// else, and every write, stays on the primary.
    pub database_read_url: Option<Secret>,
    pub bind: String,
    pub jwt: JwtSettings,
    pub production: bool,
    pub cors_origins: Vec<String>,
    pub pool_size: usize,
    /// HTTP worker threads of `sct serve` (`SCT_WORKERS`); `None`: one per
    /// core.
    pub workers: Option<usize>,
    /// Days after submission beyond which a referral still waiting for
    /// acceptance or allocation is flagged in the responsiveness report.
    pub waiting_days: u32,
    pub integration: IntegrationSettings,
    /// Whole years a child's records are kept after their last referral
    /// ended (closed, declined or withdrawn): `SCT_RETENTION_CLOSED_YEARS`.
    pub retention_closed_years: u32,
    /// `statement_timeout` of the server's connections
    /// (`SCT_DB_STATEMENT_TIMEOUT_MS`, default 15000).
    pub statement_timeout_ms: u64,
    pub webhooks: WebhookSettings,
    /// Rate and time limits, and whether to send HSTS.
    pub limits: LimitSettings,
    /// The service's public base URL as others reach it (`SCT_PUBLIC_URL`,
    /// e.g. `https://sct.example`; unset: the request's host). The ORUK feed
    /// builds its absolute `openapi_url` from it.
    pub public_url: Option<String>,
    /// When a closure's follow-ups fall due, months after it
    /// (`SCT_FOLLOW_UP_MONTHS`, comma-separated, default `3,6`).
    pub follow_ups: sct_domain::escalation::FollowUpSchedule,
}

/// A whole number of seconds within `range`, or `default` when unset.
pub(crate) fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ConfigError> {
    match get(name) {
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(ConfigError::Invalid(name, v)),
        None => Ok(default),
    }
}

/// Why the configuration was refused.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("SCT_JWT_ALGORITHM must be HS256, RS256 or ES256, not {0}")]
    Algorithm(String),
    #[error("{0} must not be the development default in production (SCT_ENV=production)")]
    DevDefaultInProduction(&'static str),
    #[error("{0} is invalid: {1}")]
    Invalid(&'static str, String),
    #[error(
        "refusing to serve on {bind} with {what}: anyone who can reach that address could \
         sign an la_admin token. Configure real credentials: SCT_JWT_SECRET set to a random \
         secret of at least 32 characters (for example `openssl rand -base64 48`), or \
         SCT_JWT_ALGORITHM=RS256/ES256 with SCT_JWT_PUBLIC_KEY_FILE or SCT_JWKS_URL from the \
         identity provider; with SCT_ENV=production also SCT_JWT_ISSUER and SCT_JWT_AUDIENCE. \
         For local development, serve on a loopback address (SCT_BIND=127.0.0.1:8080)."
    )]
    DevCredentialsOffLoopback { bind: String, what: &'static str },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// A `ConfigError` naming the first missing or refused variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(var)
    }

    /// Reads the settings through `get` (a test passes its own map).
    ///
    /// # Errors
    /// As `from_env`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let production = get("SCT_ENV").is_some_and(|e| e.eq_ignore_ascii_case("production"));
        let database_url = get("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?;
        let algorithm = match get("SCT_JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
            "HS256" => Algorithm::HS256,
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            other => return Err(ConfigError::Algorithm(other.to_owned())),
        };
        let secret = get("SCT_JWT_SECRET");
        let public_key_file = get("SCT_JWT_PUBLIC_KEY_FILE").map(PathBuf::from);
        let private_key_file = get("SCT_JWT_PRIVATE_KEY_FILE").map(PathBuf::from);
        let issuer = get("SCT_JWT_ISSUER").unwrap_or_else(|| DEV_ISSUER.to_owned());
        let audience = get("SCT_JWT_AUDIENCE").unwrap_or_else(|| DEV_AUDIENCE.to_owned());
        let secret = if algorithm == Algorithm::HS256 {
            let s = secret.unwrap_or_else(|| DEV_JWT_SECRET.to_owned());
            if production && s == DEV_JWT_SECRET {
                return Err(ConfigError::DevDefaultInProduction("SCT_JWT_SECRET"));
            }
            if production && s.len() < 32 {
                return Err(ConfigError::Invalid(
                    "SCT_JWT_SECRET",
                    "use at least 32 characters".into(),
                ));
            }
            Some(Secret::new(s))
        } else if public_key_file.is_none() {
            return Err(ConfigError::Missing("SCT_JWT_PUBLIC_KEY_FILE"));
        } else {
            None
        };
        if production && (issuer == DEV_ISSUER || audience == DEV_AUDIENCE) {
            return Err(ConfigError::DevDefaultInProduction(
                "SCT_JWT_ISSUER / SCT_JWT_AUDIENCE",
            ));
        }
        let limit_defaults = LimitSettings::default();
        let whole = |name: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            match get(name) {
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or(ConfigError::Invalid(name, v)),
                None => Ok(default),
            }
        };
        let limits = LimitSettings {
            per_minute: u32::try_from(whole(
                "SCT_RATE_LIMIT_PER_MINUTE",
                u64::from(limit_defaults.per_minute),
                0..=1_000_000,
            )?)
            .unwrap_or(u32::MAX),
            burst: u32::try_from(whole(
                "SCT_RATE_LIMIT_BURST",
                u64::from(limit_defaults.burst),
                1..=1_000_000,
            )?)
            .unwrap_or(u32::MAX),
            request_timeout_seconds: whole(
                "SCT_REQUEST_TIMEOUT_SECONDS",
                limit_defaults.request_timeout_seconds,
                1..=600,
            )?,
            hsts: get("SCT_HSTS").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            trusted_proxies: TrustedProxies::parse(
                &get("SCT_TRUSTED_PROXIES").unwrap_or_default(),
                &get("SCT_TRUSTED_PROXY_HEADER").unwrap_or_default(),
            )
            .map_err(|e| ConfigError::Invalid("SCT_TRUSTED_PROXIES", e))?,
        };
        let jwks_file = get("SCT_JWKS_FILE").map(PathBuf::from);
        let jwks_url = get("SCT_JWKS_URL");
        let allow_http_loopback = get("SCT_JWKS_ALLOW_HTTP_LOOPBACK")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if let Some(url) = &jwks_url {
            if !jwks_url_allowed(url, allow_http_loopback) {
                return Err(ConfigError::Invalid(
                    "SCT_JWKS_URL",
                    format!(
                        "{url} (use https; plain http only to a loopback address, with SCT_JWKS_ALLOW_HTTP_LOOPBACK=true, for tests)"
                    ),
                ));
            }
        }
        let jwks_refresh_seconds = whole("SCT_JWKS_REFRESH_SECONDS", 300, 10..=86_400)?;
        let pool_size = match get("SCT_DB_POOL_SIZE") {
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| ConfigError::Invalid("SCT_DB_POOL_SIZE", v.clone()))?,
            None => 16,
        };
        let workers = match get("SCT_WORKERS") {
            Some(v) => Some(
                v.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| ConfigError::Invalid("SCT_WORKERS", v.clone()))?,
            ),
            None => None,
        };
        let waiting_days = match get("SCT_REPORT_WAITING_DAYS") {
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=365).contains(n))
                .ok_or_else(|| ConfigError::Invalid("SCT_REPORT_WAITING_DAYS", v.clone()))?,
            None => DEFAULT_WAITING_DAYS,
        };
        let retention_closed_years = seconds(
            &get,
            "SCT_RETENTION_CLOSED_YEARS",
            i64::from(DEFAULT_RETENTION_CLOSED_YEARS),
            1..=100,
        )?;
        let follow_ups = match get("SCT_FOLLOW_UP_MONTHS") {
            Some(v) => sct_domain::escalation::FollowUpSchedule::parse(&v)
                .map_err(|e| ConfigError::Invalid("SCT_FOLLOW_UP_MONTHS", format!("{v} ({e})")))?,
            None => sct_domain::escalation::FollowUpSchedule::default(),
        };
        let statement_timeout_ms =
            seconds(&get, "SCT_DB_STATEMENT_TIMEOUT_MS", 15_000, 100..=600_000)?;
        let defaults = IntegrationSettings::default();
        let integration = IntegrationSettings {
            token_ttl_seconds: seconds(
                &get,
                "SCT_INTEGRATION_TOKEN_TTL_SECONDS",
                defaults.token_ttl_seconds,
                60..=86_400,
            )?,
            secret_rotation_grace_seconds: seconds(
                &get,
                "SCT_SECRET_ROTATION_GRACE_SECONDS",
                defaults.secret_rotation_grace_seconds,
                0..=30 * 86_400,
            )?,
            sync_settle_ms: seconds(
                &get,
                "SCT_SYNC_SETTLE_MS",
                defaults.sync_settle_ms,
                0..=600_000,
            )?,
        };
        Ok(Self {
            waiting_days,
            follow_ups,
            database_url: Secret::new(database_url),
            database_read_url: get("SCT_DATABASE_READ_URL")
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .map(Secret::new),
            bind: get("SCT_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt: JwtSettings {
                algorithm,
                secret,
                public_key_file,
                private_key_file,
                issuer,
                audience,
                jwks_file,
                jwks_url,
                jwks_refresh_seconds,
            },
            production,
            cors_origins: get("SCT_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            pool_size,
            workers,
            integration,
            retention_closed_years: u32::try_from(retention_closed_years)
                .unwrap_or(DEFAULT_RETENTION_CLOSED_YEARS),
            statement_timeout_ms: u64::try_from(statement_timeout_ms).unwrap_or(15_000),
            webhooks: WebhookSettings::from_lookup(&get, production)?,
            limits,
            public_url: match get("SCT_PUBLIC_URL")
                .map(|u| u.trim().trim_end_matches('/').to_owned())
            {
                None => None,
                Some(u) if u.is_empty() => None,
                Some(u)
                    if (u.starts_with("https://") || u.starts_with("http://"))
                        && !u.contains(char::is_whitespace) =>
                {
                    Some(u)
                }
                Some(u) => {
                    return Err(ConfigError::Invalid(
                        "SCT_PUBLIC_URL",
                        format!("{u:?} is not an http(s) URL"),
                    ))
                }
            },
        })
    }
}

#[cfg(test)]
mod tests;
