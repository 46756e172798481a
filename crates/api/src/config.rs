//! Configuration from the environment (and an optional `.env`), read once at
//! start and passed down; secrets never reach a log line.

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
    /// The same, fetched from a URL (`SCT_JWKS_URL`).
    pub jwks_url: Option<String>,
    /// How often the JWKS is reloaded (`SCT_JWKS_REFRESH_SECONDS`, default
    /// 300); an unknown `kid` also reloads it, at most every 10 seconds.
    pub jwks_refresh_seconds: u64,
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
    pub limits: crate::limits::LimitSettings,
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
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        Self {
            token_ttl_seconds: 900,
            secret_rotation_grace_seconds: 86_400,
        }
    }
}

/// A whole number of seconds within `range`, or `default` when unset.
fn seconds(
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
        let limit_defaults = crate::limits::LimitSettings::default();
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
        let limits = crate::limits::LimitSettings {
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
        };
        let jwks_file = get("SCT_JWKS_FILE").map(PathBuf::from);
        let jwks_url = get("SCT_JWKS_URL");
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
            limits,
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
    fn development_defaults_are_safe_and_local() {
        let s = settings(&[("DATABASE_URL", "postgres://x/y")]).expect("ok");
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.jwt.algorithm, Algorithm::HS256);
        assert!(s.cors_origins.is_empty());
        assert!(!s.production);
        assert_eq!(s.integration, IntegrationSettings::default());
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
