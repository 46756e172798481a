//! The service boots, is ready, serves its contract and takes a referral.

use sct_e2e::{upn, TestApp};

#[tokio::test]
async fn health_and_request_ids() {
    let app = TestApp::spawn().await;
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("live");
    assert_eq!(live.status(), 200);
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.headers()["x-request-id"], "trace-abc-123");
    let generated = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("live");
    assert_eq!(generated.headers()["x-request-id"].len(), 36);
}

#[tokio::test]
async fn a_school_refers_a_child_and_reads_it_back() {
    let app = TestApp::spawn().await;
    let t = app.team("S01").await;
    let urn = &t.schools[0].urn;
    let created = app.submit(urn, &upn(1), 4).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/referrals/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.body["status"], "submitted");
    assert_eq!(created.body["team"]["id"], t.team.id.to_string());
    assert_eq!(created.body["eligibility"]["outcome"], "eligible");
    let read = app
        .get(&format!("/api/v1/referrals/{id}"), &app.school(urn))
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["reference"], created.body["reference"]);
    assert_eq!(app.db.count("referrals").await, 1);
}
