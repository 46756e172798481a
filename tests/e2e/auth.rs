//! Authentication and the HTTP surface around the routes: bearer tokens
//! with a pinned algorithm and checked claims, problem+json for unknown
//! routes and methods, the OpenAPI document, Swagger UI, CORS and request ids.

use chrono::Utc;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::Method;
use sct_e2e::{assert_unauthorized, jwt_claims, Reply, TestApp, TEST_SECRET};
use serde_json::{json, Value};
use uuid::Uuid;

/// A protected route any authenticated caller may read.
const PROTECTED: &str = "/api/v1/zones";

fn now() -> i64 {
    Utc::now().timestamp()
}

/// Claims the test server accepts: an la_admin valid for ten minutes.
fn claims() -> Value {
    claims_with(&json!({}))
}

/// `claims()` with some fields replaced (`null` removes the field).
fn claims_with(changes: &Value) -> Value {
    jwt_claims("crafted-admin", "Crafted Admin", changes)
}

fn sign_with(alg: Algorithm, secret: &str, claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret.as_bytes()).expect("HMAC key");
    encode(&Header::new(alg), claims, &key).expect("sign")
}

/// Signs with the test server's secret and algorithm.
fn sign(claims: &Value) -> String {
    sign_with(Algorithm::HS256, TEST_SECRET, claims)
}

/// Unpadded base64url, to craft tokens no library would sign.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..=chunk.len() {
            let index = usize::try_from((n >> (18 - 6 * i)) & 63).expect("six bits");
            out.push(char::from(ALPHABET[index]));
        }
    }
    out
}

async fn call_with_authorization(app: &TestApp, value: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = value.map(|v| ("authorization", v)).into_iter().collect();
    app.call(Method::GET, PROTECTED, None, None, &headers).await
}

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let reply = app.get(PROTECTED, token).await;
    assert_unauthorized(&reply, "invalid_token", case);
}

#[tokio::test]
async fn a_well_formed_crafted_token_is_accepted() {
    let app = TestApp::spawn().await;
    let reply = app.get(PROTECTED, &sign(&claims())).await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    // Within the 30 seconds of clock leeway, expiry and not-before pass.
    let now = now();
    let edge = sign(&claims_with(&json!({"exp": now - 10, "nbf": now + 10})));
    assert_eq!(app.get(PROTECTED, &edge).await.status, 200);

    let t = app.team("A01").await;

    let urn = t.schools[0].urn.clone();
    let school = sign(&claims_with(
        &json!({"role": "school", "schools": [urn], "sub": "crafted-school"}),
    ));
    let own = app.get(&format!("/api/v1/schools/{urn}"), &school).await;
    assert_eq!(own.status, 200, "{}", own.text);
    let manager = sign(&claims_with(
        &json!({"role": "team_manager", "team_id": t.team.id, "sub": t.manager.subject}),
    ));
    let workers = app
        .get(&format!("/api/v1/teams/{}/workers", t.team.id), &manager)
        .await;
    assert_eq!(workers.status, 200, "{}", workers.text);
}

#[tokio::test]
async fn an_audience_array_naming_the_api_is_accepted() {
    let app = TestApp::spawn().await;
    let listed = sign(&claims_with(&json!({"aud": ["sct-api", "another-api"]})));
    let reply = app.get(PROTECTED, &listed).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let foreign = sign(&claims_with(&json!({"aud": ["another-api"]})));
    assert_refused(&app, &foreign, "audience array without sct-api").await;
}

#[tokio::test]
async fn signatures_and_algorithms_are_checked() {
    let app = TestApp::spawn().await;
    assert_eq!(
        base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    );

    let other_secret = sign_with(
        Algorithm::HS256,
        "another-secret-0123456789abcdef0123456789",
        &claims(),
    );
    assert_refused(&app, &other_secret, "another secret").await;

    let hs384 = sign_with(Algorithm::HS384, TEST_SECRET, &claims());
    assert_refused(&app, &hs384, "HS384 with the right secret").await;
    let hs512 = sign_with(Algorithm::HS512, TEST_SECRET, &claims());
    assert_refused(&app, &hs512, "HS512 with the right secret").await;

    let valid = sign(&claims());
    let mut parts = valid.split('.');
    let (_, payload, signature) = (
        parts.next().expect("header"),
        parts.next().expect("payload"),
        parts.next().expect("signature"),
    );
    for alg in ["none", "None", "NONE"] {
        let header = base64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        assert_refused(&app, &format!("{header}.{payload}."), &format!("alg {alg}")).await;
        assert_refused(
            &app,
            &format!("{header}.{payload}.{signature}"),
            &format!("alg {alg} signed"),
        )
        .await;
    }

    // The payload changed under a valid signature.
    let forged = base64url(
        serde_json::to_string(&claims_with(&json!({"sub": "someone-else"})))
            .expect("json")
            .as_bytes(),
    );
    let header = valid.split('.').next().expect("header");
    assert_refused(
        &app,
        &format!("{header}.{forged}.{signature}"),
        "tampered payload",
    )
    .await;

    for garbage in ["abc", "abc.def.ghi", "a.b", "..."] {
        assert_refused(&app, garbage, garbage).await;
    }
}

#[tokio::test]
async fn time_claims_are_checked() {
    let app = TestApp::spawn().await;
    let now = now();
    let expired = sign(&claims_with(
        &json!({"exp": now - 120, "nbf": now - 600, "iat": now - 600}),
    ));
    assert_refused(&app, &expired, "expired").await;
    let early = sign(&claims_with(&json!({"nbf": now + 300})));
    assert_refused(&app, &early, "not yet valid").await;
    let no_exp = sign(&claims_with(&json!({"exp": null})));
    assert_refused(&app, &no_exp, "without exp").await;
    let no_nbf = sign(&claims_with(&json!({"nbf": null})));
    assert_refused(&app, &no_nbf, "without nbf").await;
}

#[tokio::test]
async fn issuer_and_audience_are_checked() {
    let app = TestApp::spawn().await;
    for (case, changes) in [
        ("wrong issuer", json!({"iss": "someone-else"})),
        ("wrong audience", json!({"aud": "another-api"})),
        ("no issuer", json!({"iss": null})),
        ("no audience", json!({"aud": null})),
    ] {
        assert_refused(&app, &sign(&claims_with(&changes)), case).await;
    }
}

#[tokio::test]
async fn the_role_claims_must_hang_together() {
    let app = TestApp::spawn().await;
    let team = Uuid::new_v4();
    for (case, changes) in [
        ("no role", json!({"role": null})),
        ("unknown role", json!({"role": "superuser"})),
        ("role in capitals", json!({"role": "LA_ADMIN"})),
        ("school without schools", json!({"role": "school"})),
        (
            "school with an empty list",
            json!({"role": "school", "schools": []}),
        ),
        (
            "school with a non-URN",
            json!({"role": "school", "schools": ["not-a-urn"]}),
        ),
        (
            "integration without schools",
            json!({"role": "integration"}),
        ),
        (
            "team_manager without team_id",
            json!({"role": "team_manager"}),
        ),
        (
            "practitioner without team_id",
            json!({"role": "practitioner"}),
        ),
        (
            "team_id that is not a UUID",
            json!({"role": "team_manager", "team_id": "team-1"}),
        ),
        ("no subject", json!({"sub": null})),
        ("blank subject", json!({"sub": "   "})),
    ] {
        assert_refused(&app, &sign(&claims_with(&changes)), case).await;
    }
    // The control: the same shapes done right are accepted.
    let manager = sign(&claims_with(
        &json!({"role": "team_manager", "team_id": team}),
    ));
    assert_eq!(app.get(PROTECTED, &manager).await.status, 200);
}

#[tokio::test]
async fn a_missing_token_is_asked_for() {
    let app = TestApp::spawn().await;
    let none = call_with_authorization(&app, None).await;
    assert_unauthorized(&none, "missing_token", "no Authorization");
    let empty = call_with_authorization(&app, Some("Bearer ")).await;
    assert_unauthorized(&empty, "missing_token", "Bearer with no token");
    let spaces = call_with_authorization(&app, Some("Bearer    ")).await;
    assert_unauthorized(&spaces, "missing_token", "Bearer with spaces");
    let basic = call_with_authorization(&app, Some("Basic YWRtaW46YWRtaW4=")).await;
    assert_eq!(basic.status, 401, "{}", basic.text);
    assert!(basic
        .header("www-authenticate")
        .is_some_and(|c| c.contains("Bearer")));
    let raw = call_with_authorization(&app, Some(&sign(&claims()))).await;
    assert_eq!(
        raw.status, 401,
        "a token without the Bearer scheme: {}",
        raw.text
    );
    let lower = call_with_authorization(&app, Some(&format!("bearer {}", sign(&claims())))).await;
    assert_eq!(
        lower.status, 200,
        "the scheme is case-insensitive: {}",
        lower.text
    );
}

#[tokio::test]
async fn unknown_routes_answer_404_in_problem_json() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/nothing-here", "/api/v2/referrals", "/nope"] {
        let anonymous = app.call(Method::GET, path, None, None, &[]).await;
        anonymous.assert_problem(404, "not_found");
        let authenticated = app.get(path, &app.admin()).await;
        authenticated.assert_problem(404, "not_found");
    }
    let bad_id = app.get("/api/v1/referrals/not-a-uuid", &app.admin()).await;
    bad_id.assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_wrong_method_answers_405_with_allow() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let id = Uuid::new_v4();
    for (method, path, allowed) in [
        (
            Method::DELETE,
            "/api/v1/referrals".to_owned(),
            vec!["GET", "POST"],
        ),
        (
            Method::PUT,
            "/api/v1/referrals".to_owned(),
            vec!["GET", "POST"],
        ),
        (
            Method::GET,
            format!("/api/v1/referrals/{id}/accept"),
            vec!["POST"],
        ),
        (
            Method::DELETE,
            format!("/api/v1/zones/{id}"),
            vec!["GET", "PUT"],
        ),
        (Method::POST, "/health/live".to_owned(), vec!["GET"]),
    ] {
        let reply = app
            .call(method.clone(), &path, Some(&admin), None, &[])
            .await;
        reply.assert_problem(405, "method_not_allowed");
        let allow = reply.header("allow").expect("Allow header");
        let mut listed: Vec<&str> = allow.split(',').map(str::trim).collect();
        listed.sort_unstable();
        assert_eq!(listed, allowed, "{method} {path}: Allow {allow:?}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_public_and_matches_the_committed_file() {
    let app = TestApp::spawn().await;
    let reply = app
        .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    assert!(
        reply.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "OpenAPI 3.1"
    );
    assert!(reply.body["paths"]["/api/v1/referrals/{id}/accept"]["post"].is_object());
    assert!(
        reply.body["components"]["securitySchemes"]["bearer"].is_object(),
        "the bearer scheme is wired for Swagger UI"
    );

    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if let Ok(text) = std::fs::read_to_string(&committed) {
        let file: Value = serde_json::from_str(&text).expect("committed openapi.json is JSON");
        assert!(
            file == reply.body,
            "openapi/openapi.json differs from the served document: regenerate it with `sct openapi`"
        );
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let bare = client
        .get(app.url("/swagger-ui"))
        .send()
        .await
        .expect("request");
    assert!(bare.status().is_redirection(), "{}", bare.status());
    assert_eq!(
        bare.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/swagger-ui/")
    );

    let page = client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 200);
    let content_type = page
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text().await.expect("body");
    assert!(html.to_lowercase().contains("swagger"), "{html}");
    for cdn in ["unpkg.com", "cdn.jsdelivr", "cdnjs"] {
        assert!(!html.contains(cdn), "Swagger UI loads from a CDN: {cdn}");
    }

    let bundle = client
        .get(app.url("/swagger-ui/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("request");
    assert_eq!(bundle.status(), 200, "the bundle is served by the binary");
    let initializer = client
        .get(app.url("/swagger-ui/swagger-initializer.js"))
        .send()
        .await
        .expect("request");
    assert_eq!(initializer.status(), 200);
    let script = initializer.text().await.expect("body");
    assert!(script.contains("/api/v1/openapi.json"), "{script}");
}

async fn preflight(app: &TestApp, origin: &str) -> Reply {
    app.call(
        Method::OPTIONS,
        "/api/v1/referrals",
        None,
        None,
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type, if-match",
            ),
        ],
    )
    .await
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::spawn().await;
    let allowed = preflight(&app, "https://frontend.example").await;
    assert!(
        (200..300).contains(&allowed.status),
        "{} {}",
        allowed.status,
        allowed.text
    );
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://frontend.example")
    );
    let methods = allowed
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        headers.contains("if-match") && headers.contains("authorization"),
        "{headers}"
    );

    let evil = preflight(&app, "https://evil.example").await;
    assert!(
        evil.header("access-control-allow-origin").is_none(),
        "{:?}",
        evil.headers
    );

    let admin = app.admin();
    let simple = app
        .call(
            Method::GET,
            PROTECTED,
            Some(&admin),
            None,
            &[("origin", "https://frontend.example")],
        )
        .await;
    assert_eq!(simple.status, 200);
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://frontend.example")
    );
    let exposed = simple
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("x-request-id") && exposed.contains("age"),
        "{exposed}"
    );
    let foreign = app
        .call(
            Method::GET,
            PROTECTED,
            Some(&admin),
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert!(foreign.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let replies = vec![
        ("ok", app.get(PROTECTED, &admin).await),
        (
            "401",
            app.call(Method::GET, PROTECTED, None, None, &[]).await,
        ),
        (
            "403",
            app.post(
                PROTECTED,
                &app.school("123456"),
                &json!({"code": "X", "name": "X"}),
            )
            .await,
        ),
        ("404", app.get("/api/v1/nothing", &admin).await),
        (
            "405",
            app.call(Method::DELETE, "/api/v1/referrals", Some(&admin), None, &[])
                .await,
        ),
        (
            "422",
            app.post(PROTECTED, &admin, &json!({"code": "bad code", "name": "X"}))
                .await,
        ),
        (
            "openapi",
            app.call(Method::GET, "/api/v1/openapi.json", None, None, &[])
                .await,
        ),
        (
            "swagger",
            app.call(Method::GET, "/swagger-ui/", None, None, &[]).await,
        ),
        (
            "preflight",
            preflight(&app, "https://frontend.example").await,
        ),
        (
            "refused preflight",
            preflight(&app, "https://evil.example").await,
        ),
    ];
    for (case, reply) in &replies {
        let id = reply.header("x-request-id").unwrap_or_default();
        assert!(
            !id.is_empty(),
            "{case} ({}) has no x-request-id",
            reply.status
        );
    }

    let echoed = app
        .call(
            Method::GET,
            PROTECTED,
            None,
            None,
            &[("x-request-id", "trace-401-abc")],
        )
        .await;
    assert_eq!(echoed.status, 401);
    assert_eq!(echoed.header("x-request-id"), Some("trace-401-abc"));
    let unsafe_id = app
        .call(
            Method::GET,
            PROTECTED,
            Some(&admin),
            None,
            &[("x-request-id", "evil id\twith spaces")],
        )
        .await;
    let replaced = unsafe_id.header("x-request-id").expect("request id");
    assert_ne!(replaced, "evil id\twith spaces");
    assert!(Uuid::parse_str(replaced).is_ok(), "{replaced}");
}
