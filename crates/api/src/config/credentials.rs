//! Checks of credentials: the development signing secret stays on loopback,
//! `sct token`'s lifetimes and subjects, and where a key set may come from.

use super::ConfigError;
use super::JwtSettings;
use super::Settings;
use super::DEV_JWT_SECRET;
use jsonwebtoken::Algorithm;

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
