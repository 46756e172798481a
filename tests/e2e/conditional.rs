//! `If-Match` as RFC 9110 §13.1.1 reads it (issue 17, defect 9): `*`
//! matches any current representation, a list of tags matches when any of
//! them does; a stale list is 412 and no header at all is 428.

use sct_e2e::{assert_status, TestApp};
use serde_json::json;

#[tokio::test]
async fn if_match_star_and_lists_match_on_a_put() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = app
        .post(
            "/api/v1/zones",
            &admin,
            &json!({"code": "CM1", "name": "Zone CM1"}),
        )
        .await;
    assert_status(&created, 201);
    let path = format!("/api/v1/zones/{}", created.id());
    let body = |name: &str| json!({"name": name});

    let star = app.put(&path, &admin, Some("*"), &body("Star")).await;
    assert_status(&star, 200);
    assert_eq!(star.etag(), "\"v2\"");
    let listed = app
        .put(&path, &admin, Some("\"v1\", \"v2\""), &body("Listed"))
        .await;
    assert_status(&listed, 200);
    assert_eq!(listed.etag(), "\"v3\"");
    app.put(&path, &admin, Some("\"v1\", \"v2\""), &body("Stale"))
        .await
        .assert_problem(412, "version_mismatch");
    app.put(&path, &admin, None, &body("Blind"))
        .await
        .assert_problem(428, "if_match_required");
    assert_eq!(app.get(&path, &admin).await.body["name"], "Listed");
    // `*` needs a current representation: a missing zone is still 404.
    let missing = format!("/api/v1/zones/{}", uuid::Uuid::new_v4());
    app.put(&missing, &admin, Some("*"), &body("Nobody"))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn if_match_star_and_lists_match_on_an_action() {
    let app = TestApp::spawn().await;
    let t = app.team("CM2").await;
    let manager = app.manager(&t);
    let (id, _) = app.submitted(&t, 1, 4).await;

    let accepted = app.act(&id, "accept", &manager, "*", &json!({})).await;
    assert_status(&accepted, 200);
    assert_eq!(accepted.etag(), "\"v2\"");
    let body = json!({"worker_id": t.practitioners[0].id});
    app.act(&id, "allocate", &manager, "\"v1\", \"v7\"", &body)
        .await
        .assert_problem(412, "version_mismatch");
    // If-Match compares strongly: a weak tag never matches.
    app.act(&id, "allocate", &manager, "W/\"v2\"", &body)
        .await
        .assert_problem(412, "version_mismatch");
    let allocated = app
        .act(&id, "allocate", &manager, "\"v9\", \"v2\"", &body)
        .await;
    assert_status(&allocated, 200);
    assert_eq!(allocated.etag(), "\"v3\"");
}
