//! Integration clients and the OAuth 2.0 client credentials grant over
//! HTTP: registration with a secret shown once, tokens by HTTP Basic and by
//! form, their use within the client's schools, OAuth error answers, secret
//! rotation with a grace period, revocation that stops tokens at once, and
//! the la_admin-only and If-Match refusals.

use sct_domain::Role;
use sct_e2e::{assert_one_referral_per_key, referral_body, upn, Reply, TestApp};
use serde_json::json;

const CLIENTS: &str = "/api/v1/integration-clients";
const TOKEN: &str = "/api/v1/oauth/token";
const GRANT: &str = "grant_type=client_credentials";

/// Sends a request as la_admin, with `If-Match` when `etag` is given.
async fn with_if_match(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    etag: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Reply {
    app.call_if_match(method, path, &app.admin(), etag, body)
        .await
}

/// A token by HTTP Basic.
async fn token_basic(app: &TestApp, id: &str, secret: &str) -> Reply {
    app.form(TOKEN, GRANT, Some((id, secret))).await
}

/// A token with the credentials in the form.
async fn token_form(app: &TestApp, id: &str, secret: &str) -> Reply {
    app.form(
        TOKEN,
        &format!("{GRANT}&client_id={id}&client_secret={secret}"),
        None,
    )
    .await
}

/// The access token of a successful answer.
#[track_caller]
fn access_token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Asserts an OAuth error answer (not problem+json).
#[track_caller]
fn assert_oauth(reply: &Reply, status: u16, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.body["error"], error, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_registered_client_gets_tokens_both_ways_and_acts_only_for_its_schools() {
    let app = TestApp::spawn().await;
    let a = app.team("IA").await;
    let b = app.team("IB").await;
    let (mine, other) = (&a.schools[0].urn, &b.schools[0].urn);

    let reply = app
        .post(
            CLIENTS,
            &app.admin(),
            &json!({"name": "Example MIS", "schools": [mine]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let id = reply.body["client_id"].as_str().expect("id").to_owned();
    let secret = reply.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(secret.len(), 43, "32 bytes in unpadded base64url");
    assert_eq!(
        reply.header("location"),
        Some(format!("{CLIENTS}/{id}").as_str())
    );
    assert_eq!(reply.body["client"]["schools"], json!([mine]));
    let stored = app
        .db
        .sql("SELECT secret_hash FROM integration_clients")
        .await
        .expect("sql");
    let hash: String = stored[0].get(0);
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&secret));

    let read = app.get(&format!("{CLIENTS}/{id}"), &app.admin()).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(read.header("etag").is_some());
    assert!(!read.text.contains(&secret) && !read.text.contains("secret_hash"));
    let list = app.get(CLIENTS, &app.admin()).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"], id.as_str());

    let by_basic = token_basic(&app, &id, &secret).await;
    let token = access_token(&by_basic);
    assert_eq!(by_basic.body["token_type"], "Bearer");
    assert_eq!(by_basic.body["expires_in"], 900);
    assert_eq!(by_basic.header("cache-control"), Some("no-store"));
    access_token(&token_form(&app, &id, &secret).await);

    let created = app
        .post(
            "/api/v1/referrals",
            &token,
            &referral_body(mine, &upn(1), 3),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let refused = app
        .post(
            "/api/v1/referrals",
            &token,
            &referral_body(other, &upn(2), 3),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["code"], "unknown_school");

    // Only the council manages clients, integration clients included.
    assert_eq!(app.get(CLIENTS, &token).await.status, 403);
}

#[tokio::test]
async fn bad_token_requests_answer_in_oauth_format() {
    let app = TestApp::spawn().await;
    let t = app.team("IC").await;
    let (id, secret, _) = app.register_client(&[&t.schools[0].urn]).await;

    let wrong = token_form(&app, &id, "not-the-secret").await;
    assert_oauth(&wrong, 401, "invalid_client");
    assert!(wrong.header("www-authenticate").is_none());
    let wrong_basic = token_basic(&app, &id, "not-the-secret").await;
    assert_oauth(&wrong_basic, 401, "invalid_client");
    assert!(wrong_basic
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Basic")));
    let unknown = token_basic(&app, &uuid::Uuid::now_v7().to_string(), &secret).await;
    assert_oauth(&unknown, 401, "invalid_client");
    assert_oauth(
        &token_basic(&app, "not-a-uuid", &secret).await,
        401,
        "invalid_client",
    );
    assert_oauth(&app.form(TOKEN, GRANT, None).await, 401, "invalid_client");

    let grant = app
        .form(TOKEN, "grant_type=password", Some((&id, &secret)))
        .await;
    assert_oauth(&grant, 400, "unsupported_grant_type");
    let both = app
        .form(
            TOKEN,
            &format!("{GRANT}&client_id={id}&client_secret={secret}"),
            Some((&id, &secret)),
        )
        .await;
    assert_oauth(&both, 400, "invalid_request");
    let no_grant = app.form(TOKEN, "", Some((&id, &secret))).await;
    assert_oauth(&no_grant, 400, "invalid_request");
    let repeated = app
        .form(TOKEN, &format!("{GRANT}&{GRANT}"), Some((&id, &secret)))
        .await;
    assert_oauth(&repeated, 400, "invalid_request");
    let no_secret = app
        .form(TOKEN, &format!("{GRANT}&client_id={id}"), None)
        .await;
    assert_oauth(&no_secret, 400, "invalid_request");
    let json_body = app
        .call(
            reqwest::Method::POST,
            TOKEN,
            None,
            Some(&json!({"grant_type": "client_credentials"})),
            &[],
        )
        .await;
    assert_oauth(&json_body, 400, "invalid_request");
}

#[tokio::test]
async fn a_rotated_secret_works_until_its_grace_period_ends() {
    let app = TestApp::spawn().await;
    let t = app.team("ID").await;
    let (id, old, etag) = app.register_client(&[&t.schools[0].urn]).await;
    let path = format!("{CLIENTS}/{id}/rotate-secret");

    with_if_match(&app, reqwest::Method::POST, &path, None, None)
        .await
        .assert_problem(428, "if_match_required");
    with_if_match(&app, reqwest::Method::POST, &path, Some("\"99\""), None)
        .await
        .assert_problem(412, "version_mismatch");
    let rotated = with_if_match(&app, reqwest::Method::POST, &path, Some(&etag), None).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new = rotated.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new, old);
    assert!(rotated.body["client"]["previous_secret_expires_at"].is_string());

    access_token(&token_basic(&app, &id, &old).await);
    access_token(&token_basic(&app, &id, &new).await);

    app.db
        .sql("UPDATE integration_clients SET previous_secret_expires_at = now() - interval '1 second'")
        .await
        .expect("sql");
    assert_oauth(&token_basic(&app, &id, &old).await, 401, "invalid_client");
    access_token(&token_form(&app, &id, &new).await);
}

/// A rotation after a leak cuts the old secret off at once
/// (`previous_secret_valid_for_seconds: 0`), and the grace period of an
/// earlier rotation can be ended once the vendor has switched, short of
/// revoking the client.
#[tokio::test]
async fn a_rotation_can_cut_the_old_secret_off_at_once_and_a_grace_period_can_be_ended() {
    let app = TestApp::spawn().await;
    let t = app.team("IK").await;
    let (id, first, etag) = app.register_client(&[&t.schools[0].urn]).await;
    let rotate = format!("{CLIENTS}/{id}/rotate-secret");
    let expire = format!("{CLIENTS}/{id}/expire-previous-secret");

    for bad in [
        json!({"previous_secret_valid_for_seconds": -1}),
        json!({"previous_secret_valid_for_seconds": 2_592_001}),
        json!({"previous_secret_valid_for_seconds": "0"}),
        json!({"previous_secret_valid_for": 0}),
    ] {
        with_if_match(
            &app,
            reqwest::Method::POST,
            &rotate,
            Some(&etag),
            Some(&bad),
        )
        .await
        .assert_problem(422, "validation_failed");
    }
    // A token got with the leaked secret stops working with it.
    let leaked = access_token(&token_basic(&app, &id, &first).await);
    assert_eq!(app.get("/api/v1/referrals", &leaked).await.status, 200);
    let now = with_if_match(
        &app,
        reqwest::Method::POST,
        &rotate,
        Some(&etag),
        Some(&json!({"previous_secret_valid_for_seconds": 0})),
    )
    .await;
    assert_eq!(now.status, 200, "{}", now.text);
    assert!(now.body["client"]["previous_secret_expires_at"].is_null());
    let second = now.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_oauth(&token_basic(&app, &id, &first).await, 401, "invalid_client");
    app.get("/api/v1/referrals", &leaked)
        .await
        .assert_problem(401, "invalid_token");
    let fresh = access_token(&token_basic(&app, &id, &second).await);
    assert_eq!(app.get("/api/v1/referrals", &fresh).await.status, 200);

    // A body that is sent must be the options: JSON null is refused.
    let refused = with_if_match(
        &app,
        reqwest::Method::POST,
        &rotate,
        Some(&now.etag()),
        Some(&serde_json::Value::Null),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    // No body asks for the default grace period.
    let null = with_if_match(
        &app,
        reqwest::Method::POST,
        &rotate,
        Some(&now.etag()),
        None,
    )
    .await;
    assert_eq!(null.status, 200, "{}", null.text);
    assert!(null.body["client"]["previous_secret_expires_at"].is_string());
    access_token(&token_basic(&app, &id, &second).await);
    let second = null.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let now = null;

    // A shorter grace period than the default is kept as asked.
    let short = with_if_match(
        &app,
        reqwest::Method::POST,
        &rotate,
        Some(&now.etag()),
        Some(&json!({"previous_secret_valid_for_seconds": 3600})),
    )
    .await;
    assert_eq!(short.status, 200, "{}", short.text);
    let until = chrono::DateTime::parse_from_rfc3339(
        short.body["client"]["previous_secret_expires_at"]
            .as_str()
            .expect("grace end"),
    )
    .expect("date");
    let left = until
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!((3000..=3600).contains(&left), "{left}");
    let third = short.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    access_token(&token_basic(&app, &id, &second).await);

    with_if_match(&app, reqwest::Method::POST, &expire, None, None)
        .await
        .assert_problem(428, "if_match_required");
    with_if_match(&app, reqwest::Method::POST, &expire, Some("\"99\""), None)
        .await
        .assert_problem(412, "version_mismatch");
    app.post(&expire, &app.school(&t.schools[0].urn), &json!({}))
        .await
        .assert_problem(403, "forbidden_for_role");
    let ended = with_if_match(
        &app,
        reqwest::Method::POST,
        &expire,
        Some(&short.etag()),
        None,
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text);
    assert!(ended.body["previous_secret_expires_at"].is_null());
    assert!(ended.body.get("client_secret").is_none());
    assert_oauth(
        &token_basic(&app, &id, &second).await,
        401,
        "invalid_client",
    );
    access_token(&token_basic(&app, &id, &third).await);
    // Nothing left to end: answered as it is, unchanged.
    let again = with_if_match(
        &app,
        reqwest::Method::POST,
        &expire,
        Some(&ended.etag()),
        None,
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.etag(), ended.etag());
    assert_eq!(
        app.db
            .count(&format!(
                "integration_clients WHERE id = '{id}' AND previous_secret_hash IS NOT NULL"
            ))
            .await,
        0
    );
}

#[tokio::test]
async fn revoking_stops_existing_tokens_at_once() {
    let app = TestApp::spawn().await;
    let t = app.team("IE").await;
    let (id, secret, etag) = app.register_client(&[&t.schools[0].urn]).await;
    let token = access_token(&token_basic(&app, &id, &secret).await);
    assert_eq!(app.get("/api/v1/referrals", &token).await.status, 200);

    let path = format!("{CLIENTS}/{id}/revoke");
    with_if_match(&app, reqwest::Method::POST, &path, None, None)
        .await
        .assert_problem(428, "if_match_required");
    with_if_match(&app, reqwest::Method::POST, &path, Some("\"99\""), None)
        .await
        .assert_problem(412, "version_mismatch");
    let revoked = with_if_match(&app, reqwest::Method::POST, &path, Some(&etag), None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert!(revoked.body["revoked_at"].is_string());

    app.get("/api/v1/referrals", &token)
        .await
        .assert_problem(401, "invalid_token");
    assert_oauth(
        &token_basic(&app, &id, &secret).await,
        401,
        "invalid_client",
    );
    let again = with_if_match(
        &app,
        reqwest::Method::POST,
        &format!("{CLIENTS}/{id}/rotate-secret"),
        Some(&revoked.etag()),
        None,
    )
    .await;
    again.assert_problem(409, "client_revoked");
}

#[tokio::test]
async fn changing_schools_applies_to_tokens_already_issued() {
    let app = TestApp::spawn().await;
    let a = app.team("IF").await;
    let b = app.team("IG").await;
    let (mine, other) = (&a.schools[0].urn, &b.schools[0].urn);
    let (id, secret, etag) = app.register_client(&[mine]).await;
    let token = access_token(&token_basic(&app, &id, &secret).await);
    let path = format!("{CLIENTS}/{id}/schools");
    let body = json!({"schools": [other]});

    with_if_match(&app, reqwest::Method::PUT, &path, None, Some(&body))
        .await
        .assert_problem(428, "if_match_required");
    with_if_match(
        &app,
        reqwest::Method::PUT,
        &path,
        Some("\"99\""),
        Some(&body),
    )
    .await
    .assert_problem(412, "version_mismatch");
    let unknown = with_if_match(
        &app,
        reqwest::Method::PUT,
        &path,
        Some(&etag),
        Some(&json!({"schools": ["999999"]})),
    )
    .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["field"], "schools[0]");
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_school");
    let changed = with_if_match(&app, reqwest::Method::PUT, &path, Some(&etag), Some(&body)).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["schools"], json!([other]));

    let now_ok = app
        .post(
            "/api/v1/referrals",
            &token,
            &referral_body(other, &upn(3), 3),
        )
        .await;
    assert_eq!(now_ok.status, 201, "{}", now_ok.text);
    let now_refused = app
        .post(
            "/api/v1/referrals",
            &token,
            &referral_body(mine, &upn(4), 3),
        )
        .await;
    now_refused.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn only_the_council_manages_clients_and_bodies_are_checked() {
    let app = TestApp::spawn().await;
    let t = app.team("IH").await;
    let urn = &t.schools[0].urn;
    let body = json!({"name": "Example MIS", "schools": [urn]});
    for token in [
        app.school(urn),
        app.manager(&t),
        app.practitioner(&t, 0),
        app.token(Role::Integration, &[urn], None, "mis-vendor"),
    ] {
        app.post(CLIENTS, &token, &body)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.get(CLIENTS, &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.call(reqwest::Method::POST, CLIENTS, None, Some(&body), &[])
        .await
        .assert_problem(401, "missing_token");

    for bad in [
        json!({"name": "", "schools": [urn]}),
        json!({"name": "MIS", "schools": []}),
        json!({"name": "MIS", "schools": ["12ab"]}),
        json!({"name": "MIS", "schools": ["999999"]}),
        json!({"name": "MIS"}),
        json!({"name": "MIS", "schools": [urn], "secret": "mine"}),
    ] {
        app.post(CLIENTS, &app.admin(), &bad)
            .await
            .assert_problem(422, "validation_failed");
    }
    assert_eq!(app.db.count("integration_clients").await, 0);
    app.get(&format!("{CLIENTS}/{}", uuid::Uuid::now_v7()), &app.admin())
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_retries_of_a_client_create_one_referral_and_keys_are_per_client() {
    let app = TestApp::spawn().await;
    let a = app.team("IJ").await;
    let b = app.team("IK").await;
    let (mine, theirs) = (&a.schools[0].urn, &b.schools[0].urn);
    let (id, secret, _) = app.register_client(&[mine]).await;
    let token = access_token(&token_basic(&app, &id, &secret).await);
    let body = referral_body(mine, &upn(7), 3);
    let headers = [("idempotency-key", "mis-burst-1")];

    let replies = futures_util::future::join_all((0..50).map(|_| {
        app.call(
            reqwest::Method::POST,
            "/api/v1/referrals",
            Some(&token),
            Some(&body),
            &headers,
        )
    }))
    .await;
    let referral = assert_one_referral_per_key(&replies);
    assert_eq!(app.db.count("referrals").await, 1);

    // A later retry replays the first answer.
    let replay = app
        .call(
            reqwest::Method::POST,
            "/api/v1/referrals",
            Some(&token),
            Some(&body),
            &headers,
        )
        .await;
    assert_eq!(replay.status, 201, "{}", replay.text);
    assert_eq!(replay.id(), referral);

    // Another client's key space is its own: the same key is a new request.
    let (other_id, other_secret, _) = app.register_client(&[theirs]).await;
    let other = access_token(&token_form(&app, &other_id, &other_secret).await);
    let theirs_reply = app
        .call(
            reqwest::Method::POST,
            "/api/v1/referrals",
            Some(&other),
            Some(&referral_body(theirs, &upn(8), 3)),
            &headers,
        )
        .await;
    assert_eq!(theirs_reply.status, 201, "{}", theirs_reply.text);
    assert_ne!(theirs_reply.id(), referral);
    assert_eq!(app.db.count("referrals").await, 2);
}
