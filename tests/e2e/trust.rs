//! Trust at the edge: the identity provider's RS256/ES256 keys from a JWKS
//! with rotation by `kid` and the attacks on it (wrong key, HS/RS confusion,
//! `alg: none`, unknown kid), RFC 6750 challenges on 401 and 403, abuse
//! limits (rate, body size, JSON depth and string length), security headers,
//! the 429/503 documentation on every operation, and logs free of personal
//! data and tokens.

use chrono::Utc;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::Method;
use sct_e2e::{assert_unauthorized, jwt_claims, Reply, TestApp};
use serde_json::{json, Value};
use std::sync::{Mutex, OnceLock};

/// A key or key set of `tests/fixtures/jwks`.
fn fixture(name: &str) -> std::path::PathBuf {
    sct_e2e::fixture("jwks").join(name)
}

/// The identity provider's claims for an la_admin, with `changes`.
fn claims(changes: &Value) -> Value {
    jwt_claims("idp-user-1", "IdP Admin", changes)
}

/// Signs with a fixture private key as the identity provider would.
fn idp_token(alg: Algorithm, key_file: &str, kid: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(key_file)).expect("key");
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .expect("pem");
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, &key).expect("sign")
}

/// An app that trusts the JWKS in a copy of `file` (returned, to rotate).
async fn idp_app(file: &str) -> (TestApp, tempfile_path::TempPath) {
    let copy = tempfile_path::TempPath::new();
    std::fs::copy(fixture(file), &copy.0).expect("copy");
    let path = copy.0.to_string_lossy().into_owned();
    let app = TestApp::spawn_with(&[("SCT_JWKS_FILE", path.as_str())]).await;
    (app, copy)
}

/// A temporary file path removed on drop (no extra crate for one file).
mod tempfile_path {
    pub struct TempPath(pub std::path::PathBuf);

    impl TempPath {
        pub fn new() -> Self {
            Self(std::env::temp_dir().join(format!("sct-jwks-{}.json", uuid::Uuid::new_v4())))
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

const PROTECTED: &str = "/api/v1/zones";

/// An `invalid_token` 401 whose challenge says so (RFC 6750).
#[track_caller]
fn assert_refused(reply: &Reply, case: &str) {
    assert_unauthorized(reply, "invalid_token", case);
    reply.assert_problem(401, "invalid_token");
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
        "{case}: {challenge:?}"
    );
}

#[tokio::test]
async fn identity_provider_tokens_are_verified_by_kid_and_attacks_refused() {
    let (app, _jwks) = idp_app("before-rotation.json").await;
    let rs = idp_token(Algorithm::RS256, "rsa-a.pem", "key-a", &claims(&json!({})));
    let reply = app.get(PROTECTED, &rs).await;
    assert_eq!(reply.status, 200, "RS256 from the JWKS: {}", reply.text);
    let es = idp_token(Algorithm::ES256, "ec-a.pem", "key-ec", &claims(&json!({})));
    let reply = app.get(PROTECTED, &es).await;
    assert_eq!(reply.status, 200, "ES256 from the JWKS: {}", reply.text);
    // The development HS256 secret keeps working alongside.
    assert_eq!(app.get(PROTECTED, &app.admin()).await.status, 200);

    let now = Utc::now().timestamp();
    let cases = [
        (
            "wrong key under a known kid",
            idp_token(Algorithm::RS256, "rsa-b.pem", "key-a", &claims(&json!({}))),
        ),
        (
            "unknown kid",
            idp_token(Algorithm::RS256, "rsa-b.pem", "key-b", &claims(&json!({}))),
        ),
        (
            "an RSA kid with an ES256 header",
            idp_token(Algorithm::ES256, "ec-a.pem", "key-a", &claims(&json!({}))),
        ),
        (
            "expired",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"exp": now - 120, "nbf": now - 600})),
            ),
        ),
        (
            "not yet valid",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"nbf": now + 300})),
            ),
        ),
        (
            "wrong issuer",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"iss": "https://evil.example"})),
            ),
        ),
        (
            "wrong audience",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"aud": "another-api"})),
            ),
        ),
        (
            "no role",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"role": null})),
            ),
        ),
        (
            "unknown role",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"role": "root"})),
            ),
        ),
        (
            "school without schools",
            idp_token(
                Algorithm::RS256,
                "rsa-a.pem",
                "key-a",
                &claims(&json!({"role": "school"})),
            ),
        ),
    ];
    for (case, token) in &cases {
        assert_refused(&app.get(PROTECTED, token).await, case);
    }

    // HS/RS confusion: the RSA public key used as an HMAC secret, with and
    // without the RSA key's kid.
    let public = std::fs::read(fixture("rsa-a.pub.pem")).expect("public key");
    let hmac = EncodingKey::from_secret(&public).expect("hmac");
    for kid in [Some("key-a".to_owned()), None] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid.clone_from(&kid);
        let forged = encode(&header, &claims(&json!({})), &hmac).expect("sign");
        assert_refused(
            &app.get(PROTECTED, &forged).await,
            &format!("HS256 keyed with the RSA public key, kid {kid:?}"),
        );
    }
    // alg none under a known kid.
    let valid = idp_token(Algorithm::RS256, "rsa-a.pem", "key-a", &claims(&json!({})));
    let payload = valid.split('.').nth(1).expect("payload");
    let none_header = "eyJhbGciOiJub25lIiwia2lkIjoia2V5LWEifQ"; // {"alg":"none","kid":"key-a"}
    assert_refused(
        &app.get(PROTECTED, &format!("{none_header}.{payload}."))
            .await,
        "alg none with a kid",
    );

    // A valid token without the right: 403 with the RFC 6750 challenge.
    let school_token = idp_token(
        Algorithm::RS256,
        "rsa-a.pem",
        "key-a",
        &claims(&json!({"role": "school", "schools": ["100001"]})),
    );
    let reply = app
        .post(
            "/api/v1/zones",
            &school_token,
            &json!({"code": "Z99", "name": "Zone 99"}),
        )
        .await;
    reply.assert_problem(403, "forbidden_for_role");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"sct\", error=\"insufficient_scope\"")
    );
}

#[tokio::test]
async fn the_identity_provider_rotates_its_keys_without_a_restart() {
    let (app, jwks) = idp_app("before-rotation.json").await;
    let old = idp_token(Algorithm::RS256, "rsa-a.pem", "key-a", &claims(&json!({})));
    let new = idp_token(Algorithm::RS256, "rsa-b.pem", "key-b", &claims(&json!({})));
    assert_eq!(app.get(PROTECTED, &old).await.status, 200);
    assert_refused(&app.get(PROTECTED, &new).await, "kid not published yet");
    std::fs::copy(fixture("after-rotation.json"), &jwks.0).expect("rotate");
    // An unknown kid reloads the set, at most once per 10 seconds.
    tokio::time::sleep(std::time::Duration::from_millis(10_500)).await;
    let reply = app.get(PROTECTED, &new).await;
    assert_eq!(
        reply.status, 200,
        "the new kid after rotation: {}",
        reply.text
    );
    assert_refused(&app.get(PROTECTED, &old).await, "the retired kid");
    let es = idp_token(Algorithm::ES256, "ec-a.pem", "key-ec", &claims(&json!({})));
    assert_eq!(app.get(PROTECTED, &es).await.status, 200, "kept key");
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = TestApp::spawn_with(&[
        ("SCT_RATE_LIMIT_PER_MINUTE", "60"),
        ("SCT_RATE_LIMIT_BURST", "3"),
    ])
    .await;
    let admin = app.admin();
    for i in 0..3 {
        let reply = app.get(PROTECTED, &admin).await;
        assert_eq!(reply.status, 200, "call {i}: {}", reply.text);
    }
    let reply = app.get(PROTECTED, &admin).await;
    reply.assert_problem(429, "rate_limited");
    let wait: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(reply.header("x-request-id").is_some());
    // Another client (another subject) is not throttled by the first.
    let other = app.token(sct_domain::Role::LaAdmin, &[], None, "admin-2");
    assert_eq!(app.get(PROTECTED, &other).await.status, 200);
    // Health checks are never throttled.
    for _ in 0..5 {
        let live = app.call(Method::GET, "/health/live", None, None, &[]).await;
        assert_eq!(live.status, 200);
    }
}

#[tokio::test]
async fn oversized_deep_and_long_bodies_are_refused_in_problem_json() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let zones_before = app.db.count("zones").await;
    let big = format!(
        "{{\"code\": \"Z98\", \"name\": \"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let reply = app
        .post_bytes(
            "/api/v1/zones",
            &admin,
            "application/json",
            big.into_bytes(),
        )
        .await;
    reply.assert_problem(413, "payload_too_large");
    let deep = format!(
        "{{\"code\": \"Z98\", \"name\": {}1{}}}",
        "[".repeat(40),
        "]".repeat(40)
    );
    let reply = app
        .post_bytes(
            "/api/v1/zones",
            &admin,
            "application/json",
            deep.into_bytes(),
        )
        .await;
    reply.assert_problem(400, "json_too_deep");
    let long = json!({"code": "Z98", "name": "y".repeat(9 * 1024)});
    let reply = app.post("/api/v1/zones", &admin, &long).await;
    reply.assert_problem(422, "string_too_long");
    let page = app.get("/api/v1/zones?limit=100000", &admin).await;
    page.assert_problem(400, "invalid_parameter");
    // Found by Schemathesis: a filter longer than the contract allows.
    let long_filter = format!("/api/v1/referrals?external_reference={}", "0".repeat(101));
    app.get(&long_filter, &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    // Found by Schemathesis: NUL reached PostgreSQL and answered 500.
    let nul = json!({"code": "Z98", "name": "Zone\u{0}"});
    let reply = app.post("/api/v1/zones", &admin, &nul).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["code"], "nul_character");
    app.get("/api/v1/referrals?external_reference=a%00b", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    assert_eq!(app.db.count("zones").await, zones_before, "nothing stored");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let api = app.get(PROTECTED, &app.admin()).await;
    let ui = app.call(Method::GET, "/swagger-ui/", None, None, &[]).await;
    let problem = app.call(Method::GET, PROTECTED, None, None, &[]).await;
    for (what, reply) in [("API", &api), ("Swagger UI", &ui), ("problem", &problem)] {
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(
            reply.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{what}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{what}"
        );
        assert!(
            reply.header("strict-transport-security").is_none(),
            "{what}"
        );
    }
    assert_eq!(api.header("cache-control"), Some("no-store"));
    let hsts = TestApp::spawn_with(&[("SCT_HSTS", "true")]).await;
    let reply = hsts.get(PROTECTED, &hsts.admin()).await;
    assert!(reply
        .header("strict-transport-security")
        .is_some_and(|v| v.starts_with("max-age=")));
}

#[test]
fn every_operation_documents_429_and_503_with_retry_after() {
    let doc: Value = serde_json::from_str(&sct_api::openapi::render()).expect("json");
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for status in ["429", "503"] {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} lacks {status}"
                );
            }
            n += 1;
        }
    }
    assert!(n > 40);
    for name in ["TooManyRequests", "ServiceUnavailable"] {
        assert!(
            doc["components"]["responses"][name]["headers"]["Retry-After"].is_object(),
            "{name}"
        );
    }
}

/// Every log line the process writes, kept for the test to search.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!(
                "{} {} {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}

static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();

#[tokio::test]
async fn logs_carry_no_child_names_and_no_tokens() {
    let capture = *CAPTURE.get_or_init(|| Box::leak(Box::new(Capture(Mutex::new(Vec::new())))));
    log::set_logger(capture).expect("one logger per test process");
    log::set_max_level(log::LevelFilter::Trace);

    let app = TestApp::spawn().await;
    let t = app.team("L01").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);
    let mut body = sct_e2e::referral_body(&urn, &sct_e2e::upn(42), 4);
    body["child"]["given_name"] = json!("Zebulon");
    body["child"]["family_name"] = json!("Quillfeather");
    let created = app.post("/api/v1/referrals", &school, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    // Reads, a refusal that echoes nothing, a bad body naming the child, and
    // a conflict: the paths most likely to log.
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{id}"), &school)
            .await
            .status,
        200
    );
    let dup = app.post("/api/v1/referrals", &school, &body).await;
    assert!(dup.status < 500, "{}", dup.text);
    let mut bad = body.clone();
    bad["child"]["date_of_birth"] = json!("Quillfeather");
    assert_eq!(
        app.post("/api/v1/referrals", &school, &bad).await.status,
        422
    );
    let other = app.school("999999");
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{id}"), &other)
            .await
            .status,
        404
    );
    let _ = app.get(PROTECTED, "not-a-token").await;

    let lines = capture.0.lock().expect("lines").clone();
    assert!(
        lines.iter().any(|l| l.contains("access")),
        "the capture saw the access log: {lines:?}"
    );
    let secrets = [
        "Zebulon",
        "Quillfeather",
        school.as_str(),
        // The token's signature alone is enough to leak it.
        school.rsplit('.').next().expect("signature"),
    ];
    for line in &lines {
        for s in secrets {
            assert!(!line.contains(s), "a log line leaks {s:?}: {line}");
        }
    }
    eprintln!("{} log lines searched", lines.len());
}

/// Found by Schemathesis: `GET /schools/import` reached the school reader
/// (404) and `OPTIONS` listed GET in `Allow`; both now say POST only.
#[tokio::test]
async fn the_import_resource_allows_post_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for method in [Method::GET, Method::OPTIONS] {
        let reply = app
            .call(
                method.clone(),
                "/api/v1/schools/import",
                Some(&admin),
                None,
                &[],
            )
            .await;
        reply.assert_problem(405, "method_not_allowed");
        assert_eq!(reply.header("allow"), Some("POST"), "{method}");
    }
}

/// Anonymous requests through the proxies of `SCT_TRUSTED_PROXIES` are
/// limited by the address the proxy reports (the rightmost one it did not
/// add itself), so that everyone behind a proxy does not share one bucket;
/// from any other peer, `Forwarded` and `X-Forwarded-For` are not believed.
#[tokio::test]
async fn anonymous_clients_behind_a_trusted_proxy_are_limited_by_their_own_address() {
    let limits = [
        ("SCT_RATE_LIMIT_PER_MINUTE", "60"),
        ("SCT_RATE_LIMIT_BURST", "2"),
    ];
    let anonymous = |app: &TestApp, name: &'static str, value: &'static str| {
        let app_url = app.url(PROTECTED);
        let client = app.client.clone();
        async move {
            let res = client
                .get(app_url)
                .header(name, value)
                .send()
                .await
                .expect("send");
            res.status().as_u16()
        }
    };
    let xff = "x-forwarded-for";

    // The test's requests come from 127.0.0.1: a trusted proxy here.
    let proxied = TestApp::spawn_with(&[
        limits[0],
        limits[1],
        ("SCT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1/32, ::1/128"),
    ])
    .await;
    assert_eq!(anonymous(&proxied, xff, "203.0.113.1").await, 401);
    assert_eq!(anonymous(&proxied, xff, "203.0.113.1").await, 401);
    assert_eq!(anonymous(&proxied, xff, "203.0.113.1").await, 429);
    // Another client behind the same proxy has its own bucket.
    assert_eq!(anonymous(&proxied, xff, "203.0.113.2").await, 401);
    // A client cannot escape its bucket by prepending an address: the
    // rightmost untrusted one counts (10.1.2.3 is another trusted proxy).
    assert_eq!(
        anonymous(&proxied, xff, "198.51.100.7, 203.0.113.1, 10.1.2.3").await,
        429
    );
    // Only the header the proxy is said to set is believed: a `Forwarded`
    // header passed through from the client is ignored (the peer's bucket,
    // 127.0.0.1, has not been used yet: its first two pass).
    let fwd = "forwarded";
    assert_eq!(anonymous(&proxied, fwd, "for=198.51.100.1").await, 401);
    assert_eq!(anonymous(&proxied, fwd, "for=198.51.100.2").await, 401);
    assert_eq!(anonymous(&proxied, fwd, "for=198.51.100.3").await, 429);

    // RFC 7239 `Forwarded` when the proxy sets that one; IPv6 quoted with a
    // port.
    let rfc7239 = TestApp::spawn_with(&[
        limits[0],
        limits[1],
        ("SCT_TRUSTED_PROXIES", "127.0.0.1"),
        ("SCT_TRUSTED_PROXY_HEADER", "forwarded"),
    ])
    .await;
    let v6 = "for=\"[2001:db8::17]:4711\";proto=https";
    assert_eq!(anonymous(&rfc7239, fwd, v6).await, 401);
    assert_eq!(anonymous(&rfc7239, fwd, v6).await, 401);
    assert_eq!(anonymous(&rfc7239, fwd, v6).await, 429);
    assert_eq!(
        anonymous(&rfc7239, fwd, "for=203.0.113.1;proto=http").await,
        401
    );
    assert_eq!(
        anonymous(&rfc7239, fwd, "for=192.0.2.1, for=\"[2001:db8::17]\"").await,
        429
    );

    // Without trusted proxies the headers are ignored: one peer, one bucket.
    let direct = TestApp::spawn_with(&limits).await;
    assert_eq!(anonymous(&direct, xff, "203.0.113.1").await, 401);
    assert_eq!(anonymous(&direct, xff, "203.0.113.2").await, 401);
    assert_eq!(anonymous(&direct, xff, "203.0.113.3").await, 429);
}

/// A JWKS endpoint on the loopback interface: `/jwks` answers the key set,
/// `/moved` redirects there (spawned on the test's runtime).
fn jwks_server() -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{web, App, HttpResponse, HttpServer};
    let set = std::fs::read(fixture("before-rotation.json")).expect("jwks");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let srv = HttpServer::new(move || {
        let set = set.clone();
        App::new()
            .route(
                "/jwks",
                web::get().to(move || {
                    let set = set.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(set)
                    }
                }),
            )
            .route(
                "/moved",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("location", "/jwks"))
                        .finish()
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = srv.handle();
    tokio::spawn(srv);
    (base, handle)
}

/// The identity provider's key set is fetched over https only (plain http
/// only from a loopback address, and only when `SCT_JWKS_ALLOW_HTTP_LOOPBACK`
/// says so, for tests) and without following redirects.
#[tokio::test]
async fn the_jwks_is_fetched_over_https_only_and_redirects_are_not_followed() {
    let (base, handle) = jwks_server();
    let settings = |url: &str, allow: bool| {
        let mut vars = vec![
            ("DATABASE_URL", "postgres://unused/x".to_owned()),
            ("SCT_JWKS_URL", url.to_owned()),
        ];
        if allow {
            vars.push(("SCT_JWKS_ALLOW_HTTP_LOOPBACK", "true".to_owned()));
        }
        sct_api::config::Settings::from_lookup(move |k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })
    };
    sct_api::features::webhooks::worker::install_crypto_provider();
    let jwks = format!("{base}/jwks");
    for (url, allow) in [
        (jwks.as_str(), false),
        ("http://idp.example/jwks", false),
        ("http://idp.example/jwks", true),
        ("ftp://idp.example/jwks", true),
    ] {
        assert!(
            matches!(
                settings(url, allow),
                Err(sct_api::config::ConfigError::Invalid("SCT_JWKS_URL", _))
            ),
            "{url} (allow loopback: {allow})"
        );
    }
    assert!(settings("https://idp.example/jwks", false).is_ok());
    let direct = settings(&jwks, true).expect("loopback allowed");
    assert!(sct_api::http::auth::JwtKeys::load_with_jwks(&direct)
        .await
        .is_ok());
    let moved = settings(&format!("{base}/moved"), true).expect("loopback allowed");
    let e = sct_api::http::auth::JwtKeys::load_with_jwks(&moved)
        .await
        .err()
        .expect("a redirect is not followed");
    assert!(e.to_string().contains("302"), "{e}");
    handle.stop(false).await;
}
