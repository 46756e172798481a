//! Reads of child data name the child or referral in the audit trail, so
//! that "who saw this child" and the subject access export find them: one
//! test per read that answered without a subject before (issue 17, item 6).

use sct_e2e::{assert_status, referral_body, upn, TestApp, TestTeam};
use serde_json::json;

/// How many audit rows of `action` name the subject (alone, or among the
/// several a request showed: `subject_ids`).
async fn rows(app: &TestApp, action: &str, kind: &str, id: &str) -> i64 {
    let r = app
        .db
        .sql(&format!(
            "SELECT count(*) FROM audit_events WHERE action = '{action}' \
             AND subject_type = '{kind}' \
             AND coalesce(subject_ids, ARRAY[subject_id]) @> ARRAY['{id}']"
        ))
        .await
        .expect("audit");
    r[0].get::<_, i64>(0)
}

/// A referral of the team, accepted, allocated to practitioner 0 and
/// started: its id.
async fn active(app: &TestApp, t: &TestTeam, child: u32) -> String {
    let created = app.submit(&t.schools[0].urn, &upn(child), 4).await;
    assert_status(&created, 201);
    let id = created.id();
    let manager = app.manager(t);
    let a = app
        .act(&id, "accept", &manager, &created.etag(), &json!({}))
        .await;
    let b = app
        .act(
            &id,
            "allocate",
            &manager,
            &a.etag(),
            &json!({"worker_id": t.practitioners[0].id}),
        )
        .await;
    let s = app
        .act(&id, "start", &app.practitioner(t, 0), &b.etag(), &json!({}))
        .await;
    assert_status(&s, 200);
    id
}

#[tokio::test]
async fn reading_child_conflicts_names_the_child_and_the_referral() {
    let app = TestApp::spawn().await;
    let t = app.team("RS01").await;
    let first = app.submit(&t.schools[0].urn, &upn(1), 4).await;
    assert_status(&first, 201);
    let child = first.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let mut other_birthday = referral_body(&t.schools[0].urn, &upn(1), 4);
    other_birthday["child"]["date_of_birth"] = json!("2015-01-01");
    let second = app
        .post(
            "/api/v1/referrals",
            &app.school(&t.schools[0].urn),
            &other_birthday,
        )
        .await;
    assert_status(&second, 201);
    let listed = app.get("/api/v1/child-conflicts", &app.admin()).await;
    assert_status(&listed, 200);
    assert_eq!(rows(&app, "list_conflicts", "child", &child).await, 1);
    assert_eq!(
        rows(&app, "list_conflicts", "referral", &second.id()).await,
        1
    );
    let id = listed.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_status(
        &app.get(&format!("/api/v1/child-conflicts/{id}"), &app.admin())
            .await,
        200,
    );
    assert_eq!(rows(&app, "get_conflict", "child", &child).await, 1);
}

#[tokio::test]
async fn reading_a_session_names_every_referral_it_covered() {
    let app = TestApp::spawn().await;
    let t = app.team("RS02").await;
    let a = active(&app, &t, 1).await;
    let b = active(&app, &t, 2).await;
    let attended = json!({"child": true, "parent_carer": false, "school_staff": false});
    let grouped = app
        .post(
            "/api/v1/group-sessions",
            &app.practitioner(&t, 0),
            &json!({
                "held_on": "2026-11-21",
                "duration_minutes": 60,
                "participants": [
                    {"referral_id": a, "attendance": "attended", "attendees": attended},
                    {"referral_id": b, "attendance": "attended", "attendees": attended}
                ]
            }),
        )
        .await;
    assert_status(&grouped, 201);
    let path = grouped.header("location").expect("location").to_owned();
    assert_status(&app.get(&path, &app.manager(&t)).await, 200);
    assert_eq!(rows(&app, "get_session", "referral", &a).await, 1);
    assert_eq!(rows(&app, "get_session", "referral", &b).await, 1);
}

#[tokio::test]
async fn reading_practice_sessions_names_the_referrals_discussed() {
    let app = TestApp::spawn().await;
    let t = app.team("RS03").await;
    let referral = app.submit(&t.schools[0].urn, &upn(1), 4).await.id();
    let created = app
        .post(
            "/api/v1/practice-sessions",
            &app.manager(&t),
            &json!({
                "kind": "group_supervision",
                "zone_id": t.zone.id,
                "held_on": "2026-11-26",
                "facilitator_id": t.manager.id,
                "themes": ["emotionally based school avoidance"],
                "attendees": {"worker_ids": [t.practitioners[0].id], "partners": []},
                "case_discussions": [{"referral_id": referral, "summary": "Mornings improving"}],
                "actions": []
            }),
        )
        .await;
    assert_status(&created, 201);
    assert_status(
        &app.get("/api/v1/practice-sessions", &app.manager(&t)).await,
        200,
    );
    assert_eq!(
        rows(&app, "list_practice_sessions", "referral", &referral).await,
        1
    );
    let path = created.header("location").expect("location").to_owned();
    assert_status(&app.get(&path, &app.manager(&t)).await, 200);
    assert_eq!(
        rows(&app, "get_practice_session", "referral", &referral).await,
        1
    );
}

#[tokio::test]
async fn reading_consultations_names_the_child_of_the_upn() {
    let app = TestApp::spawn().await;
    let t = app.team("RS04").await;
    let referred = app.submit(&t.schools[0].urn, &upn(7), 4).await;
    assert_status(&referred, 201);
    let child = referred.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let created = app
        .post(
            "/api/v1/consultations",
            &app.manager(&t),
            &json!({
                "school_urn": t.schools[0].urn,
                "held_on": "2026-11-20",
                "topic": "School avoidance",
                "subject": "child",
                "upn": upn(7),
                "indes_areas": ["social_emotional_mental_health"],
                "advice": "Graded re-entry; key adult",
                "follow_up": "Review in four weeks"
            }),
        )
        .await;
    assert_status(&created, 201);
    assert_status(
        &app.get("/api/v1/consultations", &app.manager(&t)).await,
        200,
    );
    assert_eq!(rows(&app, "list_consultations", "child", &child).await, 1);
    assert_status(
        &app.get(
            &format!("/api/v1/consultations/{}", created.id()),
            &app.manager(&t),
        )
        .await,
        200,
    );
    assert_eq!(rows(&app, "get_consultation", "child", &child).await, 1);
}

#[tokio::test]
async fn reading_enrolments_names_the_linked_referral() {
    let app = TestApp::spawn().await;
    let t = app.team("RS05").await;
    let token = app.manager(&t);
    let referral = active(&app, &t, 1).await;
    let p = app
        .post(
            "/api/v1/programmes",
            &token,
            &json!({
                "programme_type": "parenting_programme",
                "title": "Triple P Group",
                "description": "Eight weekly sessions",
                "zone_id": t.zone.id,
                "hub_id": null,
                "capacity": 5,
                "starts_on": "2027-01-11",
                "ends_on": "2027-03-01",
                "audience": {"age_from": 2, "age_to": 12, "needs": ["behaviour"]}
            }),
        )
        .await;
    assert_status(&p, 201);
    let id = p.id();
    let s = app
        .post(&format!("/api/v1/programmes/{id}/sessions"), &token, &json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "12:00:00", "topic": "Welcome"}))
        .await;
    assert_status(&s, 201);
    let opened = app
        .call_if_match(
            reqwest::Method::POST,
            &format!("/api/v1/programmes/{id}/status"),
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_status(&opened, 200);
    let enrolled = app
        .post(
            &format!("/api/v1/programmes/{id}/enrolments"),
            &token,
            &json!({"parent_carer_name": "Alex Example", "contact_consent": true, "referral_id": referral}),
        )
        .await;
    assert_status(&enrolled, 201);
    assert_status(
        &app.get(&format!("/api/v1/programmes/{id}/enrolments"), &token)
            .await,
        200,
    );
    assert_eq!(
        rows(&app, "list_enrolments", "referral", &referral).await,
        1
    );
    assert_status(
        &app.get(
            &format!("/api/v1/programmes/{id}/enrolments/{}", enrolled.id()),
            &token,
        )
        .await,
        200,
    );
    assert_eq!(rows(&app, "get_enrolment", "referral", &referral).await, 1);
}
