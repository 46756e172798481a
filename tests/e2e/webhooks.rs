//! Webhooks over HTTP against PostgreSQL, with a real receiver on loopback:
//! signatures (Standard Webhooks), retries with backoff and the same
//! `webhook-id`, order per referral, disabling after repeated failures,
//! replay, scope (a client never hears about another school, checked again
//! at delivery time), SSRF refusals, two workers on one database delivering
//! each event once, and the refusals every endpoint owes.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, Mac};
use sct_domain::Role;
use sct_e2e::{upn, TestApp, TestTeam};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const SUBS: &str = "/api/v1/webhook-subscriptions";

/// Fast worker settings for tests.
pub(crate) const FAST: &[(&str, &str)] = &[
    ("SCT_WEBHOOK_BACKOFF_BASE_MS", "20"),
    ("SCT_WEBHOOK_BACKOFF_CAP_MS", "100"),
    ("SCT_WEBHOOK_TIMEOUT_MS", "2000"),
];

/// One request the receiver saw.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) id: String,
    timestamp: String,
    signature: String,
    pub(crate) raw: String,
    pub(crate) body: Value,
    answered: u16,
}

#[derive(Default)]
struct ReceiverState {
    seen: Vec<Received>,
    /// Statuses to answer first, in order; then `default`.
    plan: VecDeque<u16>,
    default: u16,
}

/// A webhook receiver on a loopback port.
pub(crate) struct Receiver {
    pub(crate) url: String,
    state: Arc<Mutex<ReceiverState>>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub(crate) fn start(plan: &[u16], default: u16) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState {
            seen: Vec::new(),
            plan: plan.iter().copied().collect(),
            default,
        }));
        let shared = web::Data::from(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let srv = HttpServer::new(move || {
            App::new().app_data(shared.clone()).default_service(web::to(
                |req: HttpRequest, body: web::Bytes, st: web::Data<Mutex<ReceiverState>>| async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let raw = String::from_utf8_lossy(&body).into_owned();
                    let mut s = st.lock().expect("lock");
                    let answered = s.plan.pop_front().unwrap_or(s.default);
                    s.seen.push(Received {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
                        raw,
                        answered,
                    });
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(answered).expect("status"),
                    )
                    .finish()
                },
            ))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = srv.handle();
        tokio::spawn(srv);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks"),
            state,
            handle,
        }
    }

    pub(crate) fn seen(&self) -> Vec<Received> {
        self.state.lock().expect("lock").seen.clone()
    }

    pub(crate) fn succeeded(&self) -> Vec<Received> {
        self.seen()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }

    fn set_default(&self, status: u16) {
        self.state.lock().expect("lock").default = status;
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Verifies a request as a receiver following Standard Webhooks would.
#[track_caller]
pub(crate) fn verify(r: &Received, secret: &str) {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.raw).as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert!(
        r.signature.split(' ').any(|s| s == expected),
        "signature {} does not verify",
        r.signature
    );
    let ts: i64 = r.timestamp.parse().expect("unix seconds");
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 300);
}

/// Registers an integration client for `schools`; returns (id, bearer token).
async fn client(app: &TestApp, schools: &[&str]) -> (String, String) {
    let (id, secret, _) = app.register_client(schools).await;
    let token = app.client_token(&id, &secret).await;
    (id, token)
}

/// Subscribes; returns (subscription id, secret).
async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let reply = app
        .post(SUBS, token, &json!({"url": url, "events": events}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let secret = reply.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    (reply.id(), secret)
}

const ALL_EVENTS: &[&str] = &[
    "referral.submitted",
    "referral.status_changed",
    "referral.allocated",
    "referral.closed",
];

/// Runs worker rounds until `done` holds or the deadline passes.
pub(crate) async fn drive(
    worker: &sct_api::features::webhooks::worker::Worker,
    deadline: Duration,
    done: impl Fn() -> bool,
) {
    let start = Instant::now();
    while !done() && start.elapsed() < deadline {
        worker.round().await.expect("round");
        if !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Submits, accepts, allocates and closes one referral; returns its id.
async fn full_lifecycle(app: &TestApp, t: &TestTeam, n: u32) -> String {
    let urn = t.schools[0].urn.clone();
    let r = app.submit(&urn, &upn(n), 4).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    let m = app.manager(t);
    let r = app.act(&id, "accept", &m, &r.etag(), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .act(&id, "allocate", &m, &r.etag(), &json!({"auto": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .act(
            &id,
            "close",
            &m,
            &r.etag(),
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

#[tokio::test]
async fn signed_events_arrive_in_order_with_retries_and_no_personal_data() {
    let app = TestApp::spawn_with(FAST).await;
    let t = app.team("HK1").await;
    let urn = t.schools[0].urn.clone();
    let (_, token) = client(&app, &[urn.as_str()]).await;
    // The first two answers are 500: the first event is retried, and the
    // later events of the same referral wait for it.
    let rx = Receiver::start(&[500, 500], 204);
    let (sub, secret) = subscribe(&app, &token, &rx.url, ALL_EVENTS).await;

    let started = Instant::now();
    let referral = full_lifecycle(&app, &t, 1).await;
    // A refused action writes no event.
    let before = app.db.count("outbox_events").await;
    let r = app
        .get(&format!("/api/v1/referrals/{referral}"), &app.admin())
        .await;
    let refused = app
        .act(&referral, "accept", &app.manager(&t), &r.etag(), &json!({}))
        .await;
    refused.assert_problem(409, "invalid_transition");
    assert_eq!(app.db.count("outbox_events").await, before);
    assert_eq!(before, 6);

    let worker = app.webhook_worker();
    drive(&worker, Duration::from_secs(20), || {
        rx.succeeded().len() >= 6
    })
    .await;
    let elapsed = started.elapsed();
    let seen = rx.seen();
    assert_eq!(seen.len(), 8, "two failures then six deliveries: {seen:?}");
    // Retries carry the same webhook-id.
    assert_eq!(seen[0].id, seen[1].id);
    assert_eq!(seen[1].id, seen[2].id);
    for r in &seen {
        verify(r, &secret);
        assert!(!r.raw.contains("Sam") && !r.raw.contains("Example"));
        assert!(!r.raw.contains("2016-03-14"));
        assert_eq!(r.body["data"]["referral_id"], referral);
    }
    let got: Vec<(String, String)> = rx
        .succeeded()
        .iter()
        .map(|r| {
            (
                r.body["type"].as_str().unwrap_or_default().to_owned(),
                r.body["data"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("referral.submitted", "submitted"),
        ("referral.status_changed", "accepted"),
        ("referral.status_changed", "allocated"),
        ("referral.allocated", "allocated"),
        ("referral.status_changed", "closed"),
        ("referral.closed", "closed"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(got, want);
    let distinct: HashSet<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(distinct.len(), 6);

    // Every attempt is recorded; pages follow the cursor.
    let page = app
        .get(&format!("{SUBS}/{sub}/deliveries?limit=4"), &token)
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let items = page.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["status"], "succeeded");
    assert_eq!(items[0]["id"], seen[0].id);
    let log = items[0]["attempt_log"].as_array().expect("log");
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["status_code"], 500);
    assert_eq!(log[0]["succeeded"], false);
    assert_eq!(log[2]["status_code"], 204);
    assert_eq!(log[2]["succeeded"], true);
    let cursor = page.body["next_cursor"].as_str().expect("cursor");
    let rest = app
        .get(
            &format!("{SUBS}/{sub}/deliveries?limit=4&cursor={cursor}"),
            &token,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().expect("items").len(), 2);
    assert!(rest.body.get("next_cursor").is_none());
    eprintln!(
        "webhook figures: 6 events of one referral, 2 forced 500s, 8 requests, delivered in {} ms",
        elapsed.as_millis()
    );
}

#[tokio::test]
async fn repeated_failure_disables_the_subscription_and_replay_resends_the_same_message() {
    let mut vars = FAST.to_vec();
    vars.extend([
        ("SCT_WEBHOOK_DISABLE_AFTER", "3"),
        ("SCT_WEBHOOK_MAX_ATTEMPTS", "2"),
    ]);
    let app = TestApp::spawn_with(&vars).await;
    let t = app.team("HK2").await;
    let urn = t.schools[0].urn.clone();
    let (_, token) = client(&app, &[urn.as_str()]).await;
    let rx = Receiver::start(&[], 503);
    let (sub, secret) = subscribe(&app, &token, &rx.url, &["referral.submitted"]).await;
    for n in 1..=2 {
        assert_eq!(app.submit(&urn, &upn(n), 4).await.status, 201);
    }
    let worker = app.webhook_worker();
    let path = format!("{SUBS}/{sub}");
    let disabled = || async { app.get(&path, &token).await.body["active"] == false };
    let start = Instant::now();
    while !disabled().await && start.elapsed() < Duration::from_secs(10) {
        worker.round().await.expect("round");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let s = app.get(&path, &token).await;
    assert_eq!(s.body["active"], false, "{}", s.text);
    assert_eq!(s.body["disabled_reason"], "3 consecutive failed deliveries");
    assert!(s.body.get("secret").is_none());
    // Nothing more goes out while disabled.
    let count = rx.seen().len();
    for _ in 0..3 {
        worker.round().await.expect("round");
    }
    assert_eq!(rx.seen().len(), count);

    let deliveries = app.get(&format!("{path}/deliveries"), &token).await;
    let first = deliveries.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let replay = format!("{path}/deliveries/{first}/replay");
    let r = app.post(&replay, &token, &json!({})).await;
    r.assert_problem(409, "subscription_disabled");

    // Re-enable, then replay the first delivery: the same webhook-id.
    rx.set_default(200);
    let r = app
        .call(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(&json!({"url": rx.url, "events": ["referral.submitted"], "active": true})),
            &[("if-match", &s.etag())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["consecutive_failures"], 0);
    let r = app.post(&replay, &token, &json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    drive(&worker, Duration::from_secs(10), || {
        !rx.succeeded().is_empty()
    })
    .await;
    let ok = rx.succeeded();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].id, first);
    verify(&ok[0], &secret);
    let d = app.get(&format!("{path}/deliveries"), &token).await;
    assert_eq!(d.body["items"][0]["status"], "succeeded");
    // The other delivery had used up its attempts: it stays failed.
    assert_eq!(d.body["items"][1]["status"], "failed");
    // An unknown delivery, or one of another subscription: 404.
    let r = app
        .post(
            &format!("{path}/deliveries/{}/replay", uuid::Uuid::now_v7()),
            &token,
            &json!({}),
        )
        .await;
    r.assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_client_only_hears_about_its_schools_even_after_losing_one() {
    // A slow retry, so that the client loses the school in between.
    let app = TestApp::spawn_with(&[
        ("SCT_WEBHOOK_BACKOFF_BASE_MS", "800"),
        ("SCT_WEBHOOK_BACKOFF_CAP_MS", "800"),
    ])
    .await;
    let team_a = app.team("HK3").await;
    let team_b = app.team("HK4").await;
    let (x, y) = (team_a.schools[0].urn.clone(), team_b.schools[0].urn.clone());
    let (client_id, token) = client(&app, &[x.as_str()]).await;
    let rx_client = Receiver::start(&[500], 204);
    let rx_council = Receiver::start(&[], 204);
    let (_, _) = subscribe(&app, &token, &rx_client.url, &["referral.submitted"]).await;
    let (_, council_secret) =
        subscribe(&app, &app.admin(), &rx_council.url, &["referral.submitted"]).await;
    let ref_x = app.submit(&x, &upn(1), 4).await.id();
    let ref_y = app.submit(&y, &upn(2), 4).await.id();
    let worker = app.webhook_worker();
    drive(&worker, Duration::from_secs(10), || {
        rx_council.succeeded().len() >= 2 && !rx_client.seen().is_empty()
    })
    .await;
    // The client's first attempt failed; before the retry, it loses school x.
    let current = app
        .get(
            &format!("/api/v1/integration-clients/{client_id}"),
            &app.admin(),
        )
        .await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/integration-clients/{client_id}/schools"),
            Some(&app.admin()),
            Some(&json!({"schools": [y]})),
            &[("if-match", &current.etag())],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let subs = app.get(SUBS, &token).await;
    let sub = subs.body["items"][0]["id"].as_str().expect("id").to_owned();
    let deliveries = format!("{SUBS}/{sub}/deliveries");
    let start = Instant::now();
    while app.get(&deliveries, &token).await.body["items"][0]["status"] != "cancelled"
        && start.elapsed() < Duration::from_secs(10)
    {
        worker.round().await.expect("round");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client_seen = rx_client.seen();
    assert_eq!(client_seen.len(), 1, "only the failed first attempt");
    assert_eq!(client_seen[0].body["data"]["referral_id"], ref_x);
    assert!(client_seen
        .iter()
        .all(|r| r.body["data"]["referral_id"] != ref_y));
    let council: HashSet<String> = rx_council
        .succeeded()
        .iter()
        .map(|r| {
            verify(r, &council_secret);
            r.body["data"]["referral_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(council, HashSet::from([ref_x.clone(), ref_y.clone()]));
    let d = app.get(&deliveries, &token).await;
    assert_eq!(d.body["items"][0]["status"], "cancelled", "{}", d.text);
    assert_eq!(d.body["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn who_may_subscribe_and_see_which_subscriptions() {
    let app = TestApp::spawn_with(FAST).await;
    let t = app.team("HK5").await;
    let urn = t.schools[0].urn.clone();
    let (_, token) = client(&app, &[urn.as_str()]).await;
    let (_, other) = client(&app, &[urn.as_str()]).await;
    let body = json!({"url": "http://127.0.0.1:9/hooks", "events": ["referral.submitted"]});
    // Roles that may not subscribe: 403, nothing stored (a team manager
    // may: tests/e2e/staff_webhooks.rs).
    for tok in [
        app.school(&urn),
        app.practitioner(&t, 0),
        app.token(Role::Integration, &[urn.as_str()], None, "dev-integration"),
    ] {
        app.post(SUBS, &tok, &body)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    assert_eq!(app.db.count("webhook_subscriptions").await, 0);
    app.call(reqwest::Method::POST, SUBS, None, Some(&body), &[])
        .await
        .assert_problem(401, "missing_token");
    let (sub, _) = subscribe(
        &app,
        &token,
        "http://127.0.0.1:9/hooks",
        &["referral.submitted"],
    )
    .await;
    let path = format!("{SUBS}/{sub}");
    // Another client: 404 everywhere, and an empty list.
    app.get(&path, &other)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{path}/deliveries"), &other)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.get(SUBS, &other).await.body["items"], json!([]));
    // la_admin sees it.
    let s = app.get(&path, &app.admin()).await;
    assert_eq!(s.status, 200);
    assert!(s.body.get("secret").is_none());
    let etag = s.etag();
    // Updates need If-Match: 428 without, 412 stale; bad bodies 422.
    let update =
        json!({"url": "http://127.0.0.1:10/hooks", "events": ["referral.closed"], "active": true});
    app.call(
        reqwest::Method::PUT,
        &path,
        Some(&token),
        Some(&update),
        &[],
    )
    .await
    .assert_problem(428, "if_match_required");
    app.call(
        reqwest::Method::PUT,
        &path,
        Some(&token),
        Some(&update),
        &[("if-match", "\"v9\"")],
    )
    .await
    .assert_problem(412, "version_mismatch");
    let bad = app
        .call(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(&json!({"url": "http://127.0.0.1:10/x", "events": ["referral.deleted"], "active": true})),
            &[("if-match", &etag)],
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "events[0]");
    let unknown = app
        .post(SUBS, &token, &json!({"url": "http://127.0.0.1:9/x", "events": ["referral.submitted"], "secret": "mine"}))
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_field");
    let empty = app
        .post(
            SUBS,
            &token,
            &json!({"url": "http://127.0.0.1:9/x", "events": []}),
        )
        .await;
    empty.assert_problem(422, "validation_failed");
    assert_eq!(empty.body["errors"][0]["field"], "events");
    let r = app
        .call(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(&update),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["events"], json!(["referral.closed"]));
    assert_eq!(r.body["url"], "http://127.0.0.1:10/hooks");
    // Delete: If-Match, then gone.
    app.call(
        reqwest::Method::DELETE,
        &path,
        Some(&other),
        None,
        &[("if-match", &r.etag())],
    )
    .await
    .assert_problem(404, "not_found");
    let d = app
        .call(
            reqwest::Method::DELETE,
            &path,
            Some(&token),
            None,
            &[("if-match", &r.etag())],
        )
        .await;
    assert_eq!(d.status, 204, "{}", d.text);
    app.get(&path, &token)
        .await
        .assert_problem(404, "not_found");
}

/// A refused URL's answer says only that its host resolves to a non-public
/// address, never which one: echoing it would let a caller map the
/// council's internal DNS through the API.
#[tokio::test]
async fn a_refused_url_does_not_echo_the_address_its_host_resolves_to() {
    let app = TestApp::spawn_with(&[("SCT_WEBHOOK_ALLOW_PRIVATE", "none")]).await;
    let t = app.team("HK8").await;
    let (_, token) = client(&app, &[t.schools[0].urn.as_str()]).await;
    let r = app
        .post(
            SUBS,
            &token,
            &json!({"url": "http://localhost:8080/hooks", "events": ["referral.submitted"]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "url_not_allowed");
    let message = r.body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("non-public"), "{message}");
    for leak in ["127.0.0.1", "::1", "loopback"] {
        assert!(!r.text.contains(leak), "{leak} in {}", r.text);
    }
}

#[tokio::test]
async fn private_loopback_and_non_http_urls_are_refused() {
    let app = TestApp::spawn_with(&[("SCT_WEBHOOK_ALLOW_PRIVATE", "none")]).await;
    let t = app.team("HK6").await;
    let (_, token) = client(&app, &[t.schools[0].urn.as_str()]).await;
    for url in [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://10.0.0.7/hooks",
        "http://192.168.1.20/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hooks",
        "http://0.0.0.0/hooks",
        "ftp://example.org/hooks",
        "file:///etc/passwd",
        "not a url",
        "https://user:pw@example.org/hooks",
    ] {
        let r = app
            .post(
                SUBS,
                &token,
                &json!({"url": url, "events": ["referral.submitted"]}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "url", "{url}");
        assert_eq!(r.body["errors"][0]["code"], "url_not_allowed", "{url}");
    }
    assert_eq!(app.db.count("webhook_subscriptions").await, 0);

    // Development allows loopback, but still not private networks.
    let dev = TestApp::spawn().await;
    let t = dev.team("HK7").await;
    let (_, token) = client(&dev, &[t.schools[0].urn.as_str()]).await;
    let ok = dev
        .post(
            SUBS,
            &token,
            &json!({"url": "http://127.0.0.1:9/hooks", "events": ["referral.submitted"]}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    dev.post(
        SUBS,
        &token,
        &json!({"url": "http://10.1.1.1/hooks", "events": ["referral.submitted"]}),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn two_workers_on_one_database_deliver_each_event_once_in_order() {
    let app = TestApp::spawn_with(FAST).await;
    let t = app.team("HK8").await;
    let urn = t.schools[0].urn.clone();
    let (_, token) = client(&app, &[urn.as_str()]).await;
    let rx = Receiver::start(&[], 204);
    let (_, secret) = subscribe(
        &app,
        &token,
        &rx.url,
        &["referral.submitted", "referral.status_changed"],
    )
    .await;
    let referrals: u32 = 40;
    let m = app.manager(&t);
    for n in 0..referrals {
        let r = app.submit(&urn, &upn(100 + n), 4).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let a = app.act(&r.id(), "accept", &m, &r.etag(), &json!({})).await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    let expected = usize::try_from(referrals * 2).expect("fits");
    let started = Instant::now();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let w = app.webhook_worker();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut rounds = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                w.round().await.expect("round");
                rounds += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            rounds
        }));
    }
    while rx.seen().len() < expected && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    // Let both workers run on a little: nothing more may arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut rounds = Vec::new();
    for t in tasks {
        rounds.push(t.await.expect("task"));
    }
    let seen = rx.seen();
    assert_eq!(seen.len(), expected, "each event exactly once");
    let ids: HashSet<&str> = seen.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), expected, "no webhook-id twice");
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for r in &seen {
        verify(r, &secret);
        order
            .entry(
                r.body["data"]["referral_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default()
            .push(r.body["type"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(order.len(), usize::try_from(referrals).expect("fits"));
    for types in order.values() {
        assert_eq!(types, &["referral.submitted", "referral.status_changed"]);
    }
    let rows = app
        .db
        .sql("SELECT count(*) FILTER (WHERE status = 'succeeded' AND attempts = 1), count(*) FROM webhook_deliveries")
        .await
        .expect("sql");
    assert_eq!(
        rows[0].get::<_, i64>(0),
        i64::try_from(expected).expect("fits")
    );
    assert_eq!(
        rows[0].get::<_, i64>(1),
        i64::try_from(expected).expect("fits")
    );
    eprintln!(
        "webhook figures: {expected} events ({referrals} referrals x 2) by two workers in {} ms, rounds {rounds:?}, 0 duplicates",
        elapsed.as_millis()
    );
}
