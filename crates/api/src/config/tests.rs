//! Tests of reading the configuration.

use super::*;
use sct_domain::PrivateAddresses;
use std::collections::HashMap;
use std::time::Duration;

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
    let s = settings(&[("DATABASE_URL", "x"), ("SCT_RETENTION_CLOSED_YEARS", "25")]).expect("ok");
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
        ("SCT_DUE_SWEEP_SECS", "2"),
    ])
    .expect("ok");
    assert_eq!(s.webhooks.due_sweep, Duration::from_secs(2));
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
    assert!(matches!(
        settings(&[("DATABASE_URL", "x"), ("SCT_DUE_SWEEP_SECS", "0")]),
        Err(ConfigError::Invalid("SCT_DUE_SWEEP_SECS", _))
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
    let s = settings(&[
        ("DATABASE_URL", "postgres://user:pw@x/y"),
        ("SCT_DATABASE_READ_URL", "postgres://user:readpw@standby/y"),
    ])
    .expect("ok");
    let printed = format!("{s:?}");
    assert!(!printed.contains("pw@"));
    assert!(!printed.contains("readpw"));
    assert!(!printed.contains("standby"));
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
    for bad in ["0", "65", "two"] {
        assert!(matches!(
            settings(&[("DATABASE_URL", "x"), ("SCT_WORKERS", bad)]),
            Err(ConfigError::Invalid("SCT_WORKERS", _))
        ));
    }
    let s = settings(&[("DATABASE_URL", "x"), ("SCT_WORKERS", "3")]).expect("settings");
    assert_eq!(s.workers, Some(3));
    assert_eq!(
        settings(&[("DATABASE_URL", "x")])
            .expect("settings")
            .workers,
        None
    );
    assert!(matches!(
        settings(&[]),
        Err(ConfigError::Missing("DATABASE_URL"))
    ));
}

#[test]
fn the_read_url_is_optional_and_blank_means_unset() {
    let none = settings(&[("DATABASE_URL", "postgres://x/y")]).expect("ok");
    assert!(none.database_read_url.is_none());
    let blank = settings(&[
        ("DATABASE_URL", "postgres://x/y"),
        ("SCT_DATABASE_READ_URL", "  "),
    ])
    .expect("ok");
    assert!(blank.database_read_url.is_none());
    let set = settings(&[
        ("DATABASE_URL", "postgres://x/y"),
        (
            "SCT_DATABASE_READ_URL",
            " postgres://standby:5433/y?application_name=sct-read ",
        ),
    ])
    .expect("ok");
    assert_eq!(
        set.database_read_url.as_ref().map(Secret::expose),
        Some("postgres://standby:5433/y?application_name=sct-read")
    );
}
