//! The write path (issue 17): every create and action honours
//! `Idempotency-Key` through one implementation, a write commits with its
//! audit rows and its key's answer or not at all, and the contract documents
//! the key once on every such operation.

use reqwest::Method;
use sct_e2e::{assert_status, upn, Reply, TestApp};
use serde_json::{json, Value};

/// Sends `body` twice with one key: the second answer is the first,
/// replayed, and `table` grew by exactly one row.
async fn once(app: &TestApp, path: &str, token: &str, body: &Value, table: &str) -> Reply {
    let before = app.db.count(table).await;
    let key = uuid::Uuid::new_v4().to_string();
    let first = app.post_keyed(path, token, &key, body).await;
    assert!(
        first.status == 201 || first.status == 200,
        "{path}: {}",
        first.text
    );
    let again = app.post_keyed(path, token, &key, body).await;
    assert_eq!(again.status, first.status, "{path}");
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}");
    assert_eq!(again.body, first.body, "{path}");
    assert_eq!(again.header("etag"), first.header("etag"), "{path}");
    assert_eq!(app.db.count(table).await, before + 1, "{path}");
    // The same key with another body is refused and stores nothing.
    let mut other = body.clone();
    let field = ["name", "advice", "url"]
        .into_iter()
        .find(|f| body.get(f).is_some())
        .expect("a field to change");
    other[field] = json!(format!("{}-2", body[field].as_str().expect("text")));
    app.post_keyed(path, token, &key, &other)
        .await
        .assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.db.count(table).await, before + 1, "{path}");
    first
}

#[tokio::test]
async fn every_kind_of_create_is_stored_once_per_key() {
    let app = TestApp::spawn().await;
    let t = app.team("K01").await;
    let admin = app.admin();
    let zone = t.zone.id.to_string();
    let urn = t.schools[0].urn.clone();
    once(
        &app,
        "/api/v1/zones",
        &admin,
        &json!({"code": "K99", "name": "Zone K"}),
        "zones",
    )
    .await;
    once(
        &app,
        "/api/v1/family-hubs",
        &admin,
        &json!({"name": "Hub", "address": "1 Example Street, Thetford", "postcode": "IP24 1AA", "zone_id": zone}),
        "family_hubs",
    )
    .await;
    once(
        &app,
        "/api/v1/partners",
        &admin,
        &json!({"name": "CAMHS", "kind": "health", "email": "team@example.nhs.uk", "phone": "01603 000000", "zone_ids": [zone]}),
        "partners",
    )
    .await;
    once(
        &app,
        "/api/v1/consultations",
        &app.manager(&t),
        &json!({"school_urn": urn, "held_on": "2026-11-20", "topic": "School avoidance", "subject": "child", "upn": upn(7), "indes_areas": ["social_emotional_mental_health"], "advice": "Graded re-entry", "follow_up": "Review"}),
        "consultations",
    )
    .await;
    // A client's once-only secret survives a lost answer: the replay
    // carries it.
    let client = once(
        &app,
        "/api/v1/integration-clients",
        &admin,
        &json!({"name": "Example MIS", "schools": [urn]}),
        "integration_clients",
    )
    .await;
    let id = client.body["client_id"].as_str().expect("id").to_owned();
    let secret = client.body["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let token = app.client_token(&id, &secret).await;
    once(
        &app,
        "/api/v1/webhook-subscriptions",
        &token,
        &json!({"url": "http://127.0.0.1:9/hooks", "events": ["referral.submitted"]}),
        "webhook_subscriptions",
    )
    .await;
    // An action retried after its answer was lost replays the answer
    // instead of failing on the version it changed.
    let created = app.submit(&urn, &upn(8), 4).await;
    assert_status(&created, 201);
    let rid = created.id();
    let accept = |key: &'static str| {
        let path = format!("/api/v1/referrals/{rid}/accept");
        let etag = created.etag();
        let manager = app.manager(&t);
        let app = &app;
        async move {
            app.call(
                Method::POST,
                &path,
                Some(&manager),
                Some(&json!({})),
                &[("if-match", etag.as_str()), ("idempotency-key", key)],
            )
            .await
        }
    };
    let first = accept("a-1").await;
    assert_status(&first, 200);
    let again = accept("a-1").await;
    assert_status(&again, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["version"], first.body["version"]);
    // Without the key, the same retry is stale.
    app.act(
        &rid,
        "accept",
        &app.manager(&t),
        &created.etag(),
        &json!({}),
    )
    .await
    .assert_problem(412, "version_mismatch");
}

#[tokio::test]
async fn a_key_whose_answer_cannot_be_stored_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let t = app.team("K02").await;
    let urn = t.schools[0].urn.clone();
    let token = app.school(&urn);
    let body = sct_e2e::referral_body(&urn, &upn(9), 4);
    // Storing a key's answer fails from now on.
    app.db
        .sql(
            "CREATE FUNCTION refuse_completion() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN IF NEW.state = 'completed' THEN RAISE EXCEPTION 'refused by the test'; \
             END IF; RETURN NEW; END $$",
        )
        .await
        .expect("function");
    app.db
        .sql(
            "CREATE TRIGGER refuse_completion BEFORE INSERT OR UPDATE ON idempotency_keys \
             FOR EACH ROW EXECUTE FUNCTION refuse_completion()",
        )
        .await
        .expect("trigger");
    let refused = app
        .post_keyed("/api/v1/referrals", &token, "k-1", &body)
        .await;
    assert!(refused.status >= 500, "{}", refused.text);
    // The referral was not stored without its key's answer...
    assert_eq!(app.db.count("referrals").await, 0);
    // ...and the key is not stuck in progress: the retry goes through at once.
    app.db
        .sql("DROP TRIGGER refuse_completion ON idempotency_keys")
        .await
        .expect("drop");
    let stored = app
        .post_keyed("/api/v1/referrals", &token, "k-1", &body)
        .await;
    assert_status(&stored, 201);
    let replayed = app
        .post_keyed("/api/v1/referrals", &token, "k-1", &body)
        .await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.id(), stored.id());
    assert_eq!(app.db.count("referrals").await, 1);
}

#[tokio::test]
async fn the_contract_documents_the_key_on_every_create_and_action() {
    let app = TestApp::spawn().await;
    let doc = app
        .call(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_status(&doc, 200);
    let mut keyed = 0;
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post") else {
            continue;
        };
        let has_key = post["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        });
        // Queries by POST (the child lookup stores only its audit trail).
        let stores_nothing = path == "/api/v1/oauth/token"
            || path == "/api/v1/eligibility/check"
            || path == "/api/v1/eligibility/policies/{version}/simulate"
            || path == "/api/v1/children/lookup";
        assert_eq!(has_key, !stores_nothing, "{path}");
        if has_key {
            keyed += 1;
            for status in ["409", "422"] {
                assert!(post["responses"].get(status).is_some(), "{path} {status}");
            }
        }
    }
    assert!(keyed >= 40, "{keyed}");
}
