//! Configuration from the environment (and an optional `.env`), read once at
//! start and passed down; secrets never reach a log line.

use crate::middleware::proxies::TrustedProxies;
use jsonwebtoken::Algorithm;
use sct_domain::{PrivateAddresses, RetryPolicy};
use std::path::PathBuf;
use std::time::Duration;
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

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    pub bind: String,
    pub jwt: JwtSettings,
    pub production: bool,
    pub cors_origins: Vec<String>,
    pub pool_size: usize,
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
}

/// The webhook delivery worker and the rules for subscription URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Which non-public addresses URLs may reach (`SCT_WEBHOOK_ALLOW_PRIVATE`
    /// = `none`, `loopback` or `all`; default `loopback` in development,
    /// `none` in production).
    pub allow_private: PrivateAddresses,
    /// Run the delivery worker in `sct serve` (`SCT_WEBHOOK_WORKER`, default on).
    pub worker: bool,
    /// Pause between polls of the outbox when idle (`SCT_WEBHOOK_POLL_MS`, default 1000).
    pub poll_interval: Duration,
    /// Time limit of one delivery attempt (`SCT_WEBHOOK_TIMEOUT_MS`, default 10000).
    pub timeout: Duration,
    /// Backoff: first wait `SCT_WEBHOOK_BACKOFF_BASE_MS` (default 10000),
    /// doubled up to `SCT_WEBHOOK_BACKOFF_CAP_MS` (default 3600000), at most
    /// `SCT_WEBHOOK_MAX_ATTEMPTS` attempts (default 10).
    pub retry: RetryPolicy,
    /// Consecutive failed attempts that disable a subscription
    /// (`SCT_WEBHOOK_DISABLE_AFTER`, default 20).
    pub disable_after: i32,
}

impl WebhookSettings {
    /// The development defaults.
    pub fn development() -> Self {
        Self {
            allow_private: PrivateAddresses::AllowLoopback,
            worker: true,
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                base: Duration::from_secs(10),
                cap: Duration::from_hours(1),
                max_attempts: 10,
            },
            disable_after: 20,
        }
    }

    fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        production: bool,
    ) -> Result<Self, ConfigError> {
        let d = Self::development();
        let millis =
            |name: &'static str, default: Duration, range: std::ops::RangeInclusive<i64>| {
                let default = i64::try_from(default.as_millis()).unwrap_or(i64::MAX);
                seconds(get, name, default, range)
                    .map(|n| Duration::from_millis(u64::try_from(n).unwrap_or(0)))
            };
        let allow_private = match get("SCT_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None if production => PrivateAddresses::Refuse,
            None => d.allow_private,
            Some("none") => PrivateAddresses::Refuse,
            Some("loopback") => PrivateAddresses::AllowLoopback,
            Some("all") => PrivateAddresses::AllowAll,
            Some(other) => {
                return Err(ConfigError::Invalid(
                    "SCT_WEBHOOK_ALLOW_PRIVATE",
                    format!("{other} (use none, loopback or all)"),
                ))
            }
        };
        let worker = match get("SCT_WEBHOOK_WORKER").as_deref() {
            None | Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(other) => {
                return Err(ConfigError::Invalid(
                    "SCT_WEBHOOK_WORKER",
                    format!("{other} (use on or off)"),
                ))
            }
        };
        Ok(Self {
            allow_private,
            worker,
            poll_interval: millis("SCT_WEBHOOK_POLL_MS", d.poll_interval, 10..=60_000)?,
            timeout: millis("SCT_WEBHOOK_TIMEOUT_MS", d.timeout, 100..=120_000)?,
            retry: RetryPolicy {
                base: millis("SCT_WEBHOOK_BACKOFF_BASE_MS", d.retry.base, 10..=3_600_000)?,
                cap: millis("SCT_WEBHOOK_BACKOFF_CAP_MS", d.retry.cap, 10..=86_400_000)?,
                max_attempts: u32::try_from(seconds(
                    get,
                    "SCT_WEBHOOK_MAX_ATTEMPTS",
                    i64::from(d.retry.max_attempts),
                    1..=100,
                )?)
                .unwrap_or(d.retry.max_attempts),
            },
            disable_after: i32::try_from(seconds(
                get,
                "SCT_WEBHOOK_DISABLE_AFTER",
                i64::from(d.disable_after),
                1..=10_000,
            )?)
            .unwrap_or(d.disable_after),
        })
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

/// Longest lifetime `sct token` mints without `--allow-long-ttl`: 12 hours.
pub const MAX_DEV_TOKEN_TTL_SECONDS: i64 = 12 * 3600;

/// The lifetime `sct token` may mint: at most 12 hours unless the caller
/// says otherwise (`--allow-long-ttl`), and always at least a second.
///
/// # Errors
/// A message naming the limit and the flag.
pub fn dev_token_ttl(requested: i64, allow_long: bool) -> Result<i64, String> {
    if requested < 1 {
        return Err(format!("--ttl must be at least 1 second, not {requested}"));
    }
    if requested > MAX_DEV_TOKEN_TTL_SECONDS && !allow_long {
        return Err(format!(
            "--ttl {requested} is longer than {MAX_DEV_TOKEN_TTL_SECONDS} s (12 h); \
             pass --allow-long-ttl to mint a longer-lived token"
        ));
    }
    Ok(requested)
}

/// The subject of a token `sct token` mints without `--subject`: the role
/// and a random suffix, so that no two tokens share a subject (in the audit
/// trail and the rate limit).
pub fn dev_token_subject(role: &str) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{role}-{}", &random[..12])
}

/// Whether every address `bind` names is a loopback address; an address
/// that does not resolve counts as public (fail closed).
pub fn is_loopback_bind(bind: &str) -> bool {
    use std::net::ToSocketAddrs;
    match bind.to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())
        }
        Err(_) => false,
    }
}

/// The development credential the JWT settings use, if any: the HS256
/// secret printed in the source, or an HS256 secret too short to resist a
/// guess (under 32 characters).
pub fn development_credential(jwt: &JwtSettings) -> Option<&'static str> {
    match &jwt.secret {
        Some(s) if jwt.algorithm == Algorithm::HS256 && s.expose() == DEV_JWT_SECRET => Some(
            "the development signing secret (SCT_JWT_SECRET unset or the default printed in the source)",
        ),
        Some(s) if jwt.algorithm == Algorithm::HS256 && s.expose().len() < 32 => {
            Some("a development signing secret (SCT_JWT_SECRET shorter than 32 characters)")
        }
        _ => None,
    }
}

impl Settings {
    /// `sct serve`'s check, whatever `SCT_ENV` says: development credentials
    /// only on a loopback address.
    ///
    /// # Errors
    /// `DevCredentialsOffLoopback`, whose message says how to configure real
    /// credentials.
    pub fn check_serve(&self) -> Result<(), ConfigError> {
        match development_credential(&self.jwt) {
            Some(what) if !is_loopback_bind(&self.bind) => {
                Err(ConfigError::DevCredentialsOffLoopback {
                    bind: self.bind.clone(),
                    what,
                })
            }
            _ => Ok(()),
        }
    }
}

/// Whether the identity provider's key set may be fetched from `url`:
/// https, or plain http to a loopback address when `allow_http_loopback`.
pub fn jwks_url_allowed(url: &str, allow_http_loopback: bool) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    match parsed.scheme() {
        "https" => true,
        "http" if allow_http_loopback => {
            host == "localhost"
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
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
            database_url: Secret::new(database_url),
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn serve_refuses_development_credentials_off_loopback_whatever_the_env() {
        let strong = "0123456789abcdef0123456789abcdef-strong";
        for env in [None, Some("development"), Some("test")] {
            for (bind, secret, ok) in [
                ("127.0.0.1:8080", None, true),
                ("[::1]:8080", None, true),
                ("localhost:8080", None, true),
                ("0.0.0.0:8080", None, false),
                ("10.1.2.3:8080", None, false),
                ("[::]:8080", Some(DEV_JWT_SECRET), false),
                ("0.0.0.0:8080", Some("short"), false),
                ("no-such-host.invalid:8080", None, false),
                ("0.0.0.0:8080", Some(strong), true),
            ] {
                let mut vars = vec![("DATABASE_URL", "x"), ("SCT_BIND", bind)];
                vars.extend(env.map(|e| ("SCT_ENV", e)));
                vars.extend(secret.map(|s| ("SCT_JWT_SECRET", s)));
                let s = settings(&vars).expect("settings");
                let checked = s.check_serve();
                assert_eq!(checked.is_ok(), ok, "{env:?} {bind} {secret:?}");
                if let Err(e) = checked {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(bind) && msg.contains("SCT_JWT_SECRET"),
                        "{msg}"
                    );
                    assert!(msg.contains("openssl rand"), "{msg}");
                }
            }
        }
        // An identity provider's keys are not development credentials.
        let s = settings(&[
            ("DATABASE_URL", "x"),
            ("SCT_BIND", "0.0.0.0:8080"),
            ("SCT_JWT_ALGORITHM", "RS256"),
            ("SCT_JWT_PUBLIC_KEY_FILE", "/keys/idp.pem"),
        ])
        .expect("settings");
        assert!(s.check_serve().is_ok());
    }

    #[test]
    fn dev_tokens_are_capped_and_get_subjects_of_their_own() {
        assert_eq!(dev_token_ttl(3600, false), Ok(3600));
        assert_eq!(dev_token_ttl(MAX_DEV_TOKEN_TTL_SECONDS, false), Ok(43_200));
        let e = dev_token_ttl(MAX_DEV_TOKEN_TTL_SECONDS + 1, false).expect_err("capped");
        assert!(e.contains("--allow-long-ttl"), "{e}");
        assert_eq!(dev_token_ttl(86_400, true), Ok(86_400));
        assert!(dev_token_ttl(0, true).is_err());
        let (a, b) = (dev_token_subject("la_admin"), dev_token_subject("la_admin"));
        assert_ne!(a, b);
        assert!(
            a.starts_with("la_admin-") && a.len() == "la_admin-".len() + 12,
            "{a}"
        );
    }

    #[test]
    fn development_defaults_are_safe_and_local() {
        let s = settings(&[("DATABASE_URL", "postgres://x/y")]).expect("ok");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.jwt.algorithm, Algorithm::HS256);
        assert!(s.cors_origins.is_empty());
        assert!(!s.production);
        assert_eq!(s.integration, IntegrationSettings::default());
        assert_eq!(s.retention_closed_years, 6);
        assert_eq!(s.statement_timeout_ms, 15_000);
        assert_eq!(s.webhooks, WebhookSettings::development());
    }

    #[test]
    fn retention_years_are_read_and_bounded() {
        let s =
            settings(&[("DATABASE_URL", "x"), ("SCT_RETENTION_CLOSED_YEARS", "25")]).expect("ok");
        assert_eq!(s.retention_closed_years, 25);
        for bad in ["0", "101", "six"] {
            assert!(
                settings(&[("DATABASE_URL", "x"), ("SCT_RETENTION_CLOSED_YEARS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn webhook_settings_are_read_bounded_and_strict_in_production() {
        let s = settings(&[
            ("DATABASE_URL", "x"),
            ("SCT_WEBHOOK_ALLOW_PRIVATE", "all"),
            ("SCT_WEBHOOK_POLL_MS", "50"),
            ("SCT_WEBHOOK_MAX_ATTEMPTS", "3"),
            ("SCT_WEBHOOK_DISABLE_AFTER", "4"),
            ("SCT_WEBHOOK_WORKER", "off"),
        ])
        .expect("ok");
        assert_eq!(s.webhooks.allow_private, PrivateAddresses::AllowAll);
        assert_eq!(s.webhooks.poll_interval, Duration::from_millis(50));
        assert_eq!(s.webhooks.retry.max_attempts, 3);
        assert_eq!(s.webhooks.disable_after, 4);
        assert!(!s.webhooks.worker);
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_WEBHOOK_ALLOW_PRIVATE", "some")]),
            Err(ConfigError::Invalid("SCT_WEBHOOK_ALLOW_PRIVATE", _))
        ));
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_WEBHOOK_POLL_MS", "0")]),
            Err(ConfigError::Invalid("SCT_WEBHOOK_POLL_MS", _))
        ));
        let prod = settings(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SCT_ENV", "production"),
            (
                "SCT_JWT_SECRET",
                "a-long-enough-production-secret-value-123",
            ),
            ("SCT_JWT_ISSUER", "https://idp.example"),
            ("SCT_JWT_AUDIENCE", "sct"),
        ])
        .expect("ok");
        assert_eq!(prod.webhooks.allow_private, PrivateAddresses::Refuse);
    }

    #[test]
    fn integration_lifetimes_are_read_and_bounded() {
        let s = settings(&[
            ("DATABASE_URL", "x"),
            ("SCT_SECRET_ROTATION_GRACE_SECONDS", "0"),
            ("SCT_INTEGRATION_TOKEN_TTL_SECONDS", "300"),
        ])
        .expect("ok");
        assert_eq!(s.integration.secret_rotation_grace_seconds, 0);
        assert_eq!(s.integration.token_ttl_seconds, 300);
        assert!(matches!(
            settings(&[
                ("DATABASE_URL", "x"),
                ("SCT_INTEGRATION_TOKEN_TTL_SECONDS", "0")
            ]),
            Err(ConfigError::Invalid("SCT_INTEGRATION_TOKEN_TTL_SECONDS", _))
        ));
        assert!(matches!(
            settings(&[
                ("DATABASE_URL", "x"),
                ("SCT_SECRET_ROTATION_GRACE_SECONDS", "soon")
            ]),
            Err(ConfigError::Invalid("SCT_SECRET_ROTATION_GRACE_SECONDS", _))
        ));
    }

    #[test]
    fn production_refuses_development_defaults() {
        let err = settings(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SCT_ENV", "production"),
        ])
        .expect_err("refused");
        assert!(matches!(
            err,
            ConfigError::DevDefaultInProduction("SCT_JWT_SECRET")
        ));
        let err = settings(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SCT_ENV", "production"),
            (
                "SCT_JWT_SECRET",
                "a-long-enough-production-secret-value-123",
            ),
        ])
        .expect_err("refused");
        assert!(matches!(err, ConfigError::DevDefaultInProduction(_)));
        let ok = settings(&[
            ("DATABASE_URL", "postgres://x/y"),
            ("SCT_ENV", "production"),
            (
                "SCT_JWT_SECRET",
                "a-long-enough-production-secret-value-123",
            ),
            ("SCT_JWT_ISSUER", "https://idp.example"),
            ("SCT_JWT_AUDIENCE", "sct"),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn the_public_url_is_an_http_url_without_its_last_slash() {
        let url = |v: &str| settings(&[("DATABASE_URL", "postgres://x"), ("SCT_PUBLIC_URL", v)]);
        assert_eq!(
            url("https://sct.example/")
                .expect("ok")
                .public_url
                .as_deref(),
            Some("https://sct.example")
        );
        assert_eq!(url("").expect("ok").public_url, None);
        assert!(url("sct.example").is_err());
        assert!(url("https://a b").is_err());
    }

    #[test]
    fn trusted_proxies_are_read_and_checked() {
        let s = settings(&[
            ("DATABASE_URL", "x"),
            ("SCT_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"),
        ])
        .expect("ok");
        assert_eq!(
            s.limits.trusted_proxies,
            TrustedProxies::parse("10.0.0.0/8,192.0.2.1", "").expect("list")
        );
        assert_eq!(
            settings(&[("DATABASE_URL", "x")])
                .expect("ok")
                .limits
                .trusted_proxies,
            TrustedProxies::default()
        );
        for (list, header) in [("10.0.0.0/40", ""), ("proxy", ""), ("10.0.0.1", "via")] {
            assert!(
                matches!(
                    settings(&[
                        ("DATABASE_URL", "x"),
                        ("SCT_TRUSTED_PROXIES", list),
                        ("SCT_TRUSTED_PROXY_HEADER", header),
                    ]),
                    Err(ConfigError::Invalid("SCT_TRUSTED_PROXIES", _))
                ),
                "{list} {header}"
            );
        }
    }

    #[test]
    fn the_jwks_url_must_be_https_unless_loopback_http_is_allowed_for_tests() {
        let with = |url: &str, allow: &str| {
            settings(&[
                ("DATABASE_URL", "x"),
                ("SCT_JWKS_URL", url),
                ("SCT_JWKS_ALLOW_HTTP_LOOPBACK", allow),
            ])
        };
        assert!(with("https://idp.example/keys", "").is_ok());
        assert!(with("http://127.0.0.1:9/keys", "true").is_ok());
        assert!(with("http://[::1]:9/keys", "true").is_ok());
        for (url, allow) in [
            ("http://127.0.0.1:9/keys", ""),
            ("http://idp.example/keys", "true"),
            ("http://10.0.0.1/keys", "true"),
            ("ftp://idp.example/keys", "true"),
            ("not a url", "true"),
        ] {
            assert!(
                matches!(
                    with(url, allow),
                    Err(ConfigError::Invalid("SCT_JWKS_URL", _))
                ),
                "{url} {allow}"
            );
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let s = settings(&[("DATABASE_URL", "postgres://user:pw@x/y")]).expect("ok");
        let printed = format!("{s:?}");
        assert!(!printed.contains("pw@"));
        assert!(!printed.contains(DEV_JWT_SECRET));
    }

    #[test]
    fn asymmetric_algorithms_need_a_public_key_and_bad_values_are_refused() {
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_JWT_ALGORITHM", "RS256")]),
            Err(ConfigError::Missing("SCT_JWT_PUBLIC_KEY_FILE"))
        ));
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_JWT_ALGORITHM", "none")]),
            Err(ConfigError::Algorithm(_))
        ));
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_DB_POOL_SIZE", "0")]),
            Err(ConfigError::Invalid(..))
        ));
        assert!(matches!(
            settings(&[]),
            Err(ConfigError::Missing("DATABASE_URL"))
        ));
    }
}
