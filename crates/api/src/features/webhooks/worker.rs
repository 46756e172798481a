//! Webhook delivery (Standard Webhooks): subscription secrets, signatures,
//! the URL rules that keep deliveries off private networks (SSRF), and the
//! worker `sct serve` runs to fan out the outbox and deliver it.
//!
//! The worker polls; each round it fans out new outbox events to deliveries
//! (one process at a time, under an advisory lock), claims due deliveries
//! with `FOR UPDATE SKIP LOCKED` and a lease, posts them concurrently and
//! records every attempt. Several processes may share one database: a
//! delivery is claimed by one of them at a time.

use crate::config::WebhookSettings;
use base64::Engine;
use reqwest::Url;
use sct_domain::AfterFailure;
use sct_domain::PrivateAddresses;
use sct_domain::WireName;
use sct_persistence::webhooks as wh;
use sct_persistence::webhooks::Claimed;
use sct_persistence::webhooks::Outcome;
use sct_persistence::Db;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Deliveries one worker claims per round.
const BATCH: i64 = 16;

/// A new subscription secret: `whsec_` + base64 of 32 random bytes.
///
/// # Errors
/// When the operating system's random source fails.
pub fn generate_secret() -> Result<String, getrandom::Error> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
}

/// The `webhook-signature` header value, `v1,` + base64 of the HMAC-SHA256
/// of `{id}.{timestamp}.{body}` keyed with the secret's decoded bytes, as the
/// Standard Webhooks library computes it (receivers verify with the same
/// library in their language). `None` when the secret is not a `whsec_`
/// base64 string or the body is not UTF-8.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    secret.strip_prefix(SECRET_PREFIX)?;
    standardwebhooks::Webhook::new(secret)
        .ok()?
        .sign(id, timestamp, body)
        .ok()
}

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("the URL is not a valid absolute URL")]
    Invalid,
    #[error("the URL must use http or https")]
    Scheme,
    #[error("the URL must not carry user name or password")]
    Credentials,
    #[error("the URL's host cannot be resolved")]
    Unresolvable,
    /// The host resolves to an address the policy refuses. The answer
    /// names neither the address nor its kind: echoing them would let a
    /// caller map the internal network's DNS through the API.
    #[error("the URL's host resolves to a non-public address, which webhooks may not reach")]
    Address {
        host: String,
        address: IpAddr,
        why: sct_domain::AddressRefusal,
    },
}

/// Parses a webhook URL and resolves its host; every address must be one the
/// policy allows (a name that resolves to one public and one private address
/// is refused).
///
/// # Errors
/// `UrlRefusal` saying why.
pub async fn check_url(url: &str, policy: PrivateAddresses) -> Result<Url, UrlRefusal> {
    let parsed = Url::parse(url).map_err(|_| UrlRefusal::Invalid)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(UrlRefusal::Scheme);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefusal::Credentials);
    }
    let host = parsed.host_str().ok_or(UrlRefusal::Invalid)?.to_owned();
    let port = parsed.port_or_known_default().ok_or(UrlRefusal::Invalid)?;
    let addrs = resolve(&host, port)
        .await
        .map_err(|()| UrlRefusal::Unresolvable)?;
    for a in &addrs {
        policy.check(a.ip()).map_err(|why| UrlRefusal::Address {
            host: host.clone(),
            address: a.ip(),
            why,
        })?;
    }
    Ok(parsed)
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, ()> {
    // `[::1]` is how a URL writes an IPv6 literal.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|_| ())?
        .collect();
    if addrs.is_empty() {
        Err(())
    } else {
        Ok(addrs)
    }
}

/// The HTTP client's resolver: the same address rule at connection time,
/// so that a name re-pointed at a private address after subscribing (DNS
/// rebinding) is still refused.
struct GuardedResolver(PrivateAddresses);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(&host, 0)
                .await
                .map_err(|()| format!("cannot resolve {host}"))?;
            if let Some((a, why)) = addrs
                .iter()
                .find_map(|a| policy.check(a.ip()).err().map(|w| (a.ip(), w)))
            {
                // The error reaches the subscriber's delivery attempts: it
                // names no address (a re-pointed name would otherwise map
                // the internal DNS); the log keeps it for operators.
                log::info!(target: "webhooks", "refused to connect: {host} resolves to {a} ({why})");
                return Err(format!("{host} resolves to a non-public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Installs the rustls crypto provider (ring) once per process; every
/// reqwest client needs it.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The delivery worker.
pub struct Worker {
    db: Db,
    settings: WebhookSettings,
    client: reqwest::Client,
}

impl Worker {
    /// A worker on its own pool.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(db: Db, settings: WebhookSettings) -> Result<Self, reqwest::Error> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent("sct-webhooks/1")
            .dns_resolver(Arc::new(GuardedResolver(settings.allow_private)))
            .build()?;
        Ok(Self {
            db,
            settings,
            client,
        })
    }

    /// Polls forever.
    pub async fn run(self) {
        loop {
            match self.round().await {
                // A full batch: more may be waiting, go again at once.
                Ok(n) if n >= usize::try_from(BATCH).unwrap_or(16) => {}
                Ok(_) => tokio::time::sleep(self.settings.poll_interval).await,
                Err(e) => {
                    log::warn!(target: "webhooks", "delivery round failed: {e}");
                    tokio::time::sleep(self.settings.poll_interval).await;
                }
            }
        }
    }

    /// One round: fan out new events, claim due deliveries, send them and
    /// record the attempts. Returns how many deliveries it attempted.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn round(&self) -> Result<usize, sct_persistence::StoreError> {
        let mut conn = self.db.conn().await?;
        while wh::fan_out(&mut conn, 200).await? == 200 {}
        let lease = (self.settings.timeout + Duration::from_secs(30)).as_secs_f64();
        let claimed = wh::claim_due(&mut conn, BATCH, lease).await?;
        drop(conn);
        let n = claimed.len();
        let results = futures_util::future::join_all(claimed.into_iter().map(|c| async move {
            let started = Instant::now();
            let outcome = self.attempt(&c).await;
            let ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
            (c, outcome, ms)
        }))
        .await;
        let mut conn = self.db.conn().await?;
        for (c, outcome, ms) in results {
            let recorded = wh::record_attempt(
                &mut conn,
                &c,
                &outcome,
                ms,
                self.settings.disable_after,
                sct_persistence::now(),
            )
            .await?;
            if recorded.disabled {
                log::warn!(
                    target: "webhooks",
                    "subscription {} disabled after {} consecutive failures",
                    c.subscription_id,
                    self.settings.disable_after
                );
            }
        }
        Ok(n)
    }

    async fn attempt(&self, c: &Claimed) -> Outcome {
        if !c.in_scope {
            return Outcome::OutOfScope;
        }
        let failed = |status_code: Option<i32>, error: String| Outcome::Failed {
            status_code,
            error,
            retry_at: match self
                .settings
                .retry
                .after_failure(u32::try_from(c.attempts).unwrap_or(0) + 1)
            {
                AfterFailure::RetryIn(wait) => Some(
                    sct_persistence::now()
                        + chrono::Duration::from_std(wait)
                            .unwrap_or_else(|_| chrono::Duration::hours(1)),
                ),
                AfterFailure::GiveUp => None,
            },
        };
        // An IP literal never reaches the resolver: check it here (the
        // policy may have tightened since the subscription was made).
        if let Ok(url) = Url::parse(&c.url) {
            if let Some(ip) = url.host_str().and_then(|h| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .ok()
            }) {
                if let Err(why) = self.settings.allow_private.check(ip) {
                    return failed(None, format!("refused address {ip}: {why}"));
                }
            }
        }
        let body = serde_json::json!({
            "type": c.event_type.as_str(),
            "timestamp": c.occurred_at,
            "data": c.data,
        })
        .to_string();
        let msg_id = c.id.to_string();
        let timestamp = chrono::Utc::now().timestamp();
        let Some(signature) = sign(&c.secret, &msg_id, timestamp, body.as_bytes()) else {
            return failed(None, "the subscription's secret is unusable".to_owned());
        };
        let sent = self
            .client
            .post(&c.url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => Outcome::Delivered {
                status_code: i32::from(res.status().as_u16()),
            },
            Ok(res) => failed(
                Some(i32::from(res.status().as_u16())),
                format!("the receiver answered {}", res.status()),
            ),
            Err(e) if e.is_timeout() => failed(None, "timed out".to_owned()),
            Err(e) => failed(None, describe(&e)),
        }
    }
}

/// A short error text without the URL's query (it may carry a token).
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if e.is_connect() {
        "cannot connect".to_owned()
    } else if e.is_request() {
        "the request failed".to_owned()
    } else {
        "the delivery failed".to_owned()
    };
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text.chars().take(500).collect()
}

/// Starts the worker on a tokio task when the settings enable it.
pub fn spawn(db: Db, settings: WebhookSettings) {
    if !settings.worker {
        log::info!(target: "webhooks", "webhook worker off (SCT_WEBHOOK_WORKER=off)");
        return;
    }
    match Worker::new(db, settings) {
        Ok(w) => {
            tokio::spawn(w.run());
        }
        Err(e) => log::error!(target: "webhooks", "cannot start the webhook worker: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_standard_webhooks_test_vector() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1_614_265_330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("no-prefix", id, 1, body), None);
        assert_eq!(sign("whsec_not base64!", id, 1, body), None);
    }

    #[test]
    fn the_library_verifies_what_we_sign_and_refuses_a_changed_body() {
        let secret = generate_secret().expect("random");
        let id = "msg_0190c4d2";
        let body = br#"{"type":"referral.submitted","data":{}}"#;
        let now = chrono::Utc::now().timestamp();
        let signature = sign(&secret, id, now, body).expect("signed");
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in [
            (standardwebhooks::HEADER_WEBHOOK_ID, id.to_owned()),
            (standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, now.to_string()),
            (standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature),
        ] {
            headers.insert(name, value.parse().expect("header value"));
        }
        let receiver = standardwebhooks::Webhook::new(&secret).expect("secret");
        assert!(receiver.verify(body, &headers).is_ok());
        assert!(receiver
            .verify(br#"{"type":"referral.closed","data":{}}"#, &headers)
            .is_err());
        let other =
            standardwebhooks::Webhook::new(&generate_secret().expect("random")).expect("secret");
        assert!(other.verify(body, &headers).is_err());
    }

    #[test]
    fn secrets_are_prefixed_base64_of_32_bytes() {
        let s = generate_secret().expect("random");
        let key = base64::engine::general_purpose::STANDARD
            .decode(s.strip_prefix(SECRET_PREFIX).expect("prefix"))
            .expect("base64");
        assert_eq!(key.len(), 32);
        assert_ne!(s, generate_secret().expect("random"));
    }

    #[tokio::test]
    async fn urls_must_be_http_without_credentials_and_public() {
        let refuse = PrivateAddresses::Refuse;
        assert_eq!(
            check_url("ftp://example.com/x", refuse).await,
            Err(UrlRefusal::Scheme)
        );
        assert_eq!(
            check_url("not a url", refuse).await,
            Err(UrlRefusal::Invalid)
        );
        assert_eq!(
            check_url("https://u:p@93.184.215.14/x", refuse).await,
            Err(UrlRefusal::Credentials)
        );
        for url in [
            "http://127.0.0.1:9/x",
            "http://[::1]/x",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/hook",
            "http://localhost:8080/hook",
        ] {
            assert!(
                matches!(
                    check_url(url, refuse).await,
                    Err(UrlRefusal::Address { .. } | UrlRefusal::Unresolvable)
                ),
                "{url}"
            );
        }
        assert!(
            check_url("http://127.0.0.1:9/x", PrivateAddresses::AllowLoopback)
                .await
                .is_ok()
        );
        assert!(check_url("https://93.184.215.14/x", refuse).await.is_ok());
    }

    #[tokio::test]
    async fn a_refusal_names_neither_the_address_nor_its_kind() {
        let refused = check_url("http://localhost:8080/x", PrivateAddresses::Refuse)
            .await
            .expect_err("loopback");
        let said = refused.to_string();
        assert!(matches!(refused, UrlRefusal::Address { .. }), "{said}");
        assert!(said.contains("non-public"), "{said}");
        for leak in ["127.0.0.1", "::1", "loopback", "localhost"] {
            assert!(!said.contains(leak), "{leak}: {said}");
        }
    }
}
