//! Schools' feedback over HTTP (issue 14, item 7): after a closure, a
//! consultation or a held termly conversation the school answers once; the
//! refusals (not involved, not due, twice, off the scale, wrong role); and
//! who reads what.

use crate::delivery::active_referral;
use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, TestApp, TestTeam};
use serde_json::{json, Value};

fn answer(about: &str, id: &str) -> Value {
    json!({"about": about, "item_id": id, "rating": 5, "confidence": 4, "comment": "The advice helped us plan support in class."})
}

/// A consultation with the team's first school.
async fn consultation(app: &TestApp, t: &TestTeam) -> String {
    let r = app
        .post(
            "/api/v1/consultations",
            &app.practitioner(t, 0),
            &json!({
                "school_urn": t.schools[0].urn,
                "held_on": "2026-11-20",
                "topic": "School avoidance",
                "subject": "cohort",
                "cohort": "Year 4",
                "indes_areas": ["social_emotional_mental_health"],
                "advice": "Graded re-entry; key adult"
            }),
        )
        .await;
    assert_status(&r, 201);
    r.id()
}

/// A termly conversation of the team's first school, offered, and its ETag.
async fn conversation(app: &TestApp, t: &TestTeam) -> (String, String) {
    let r = app
        .post(
            "/api/v1/termly-conversations",
            &app.manager(t),
            &json!({"school_urn": t.schools[0].urn, "academic_year": "2026/27", "term": "autumn"}),
        )
        .await;
    assert_status(&r, 201);
    (r.id(), r.etag())
}

#[tokio::test]
async fn a_school_answers_once_about_each_finished_item_of_its_own() {
    let app = TestApp::spawn().await;
    let t = app.team("FB1").await;
    let other = app.team("FB2").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);

    // A referral of the school, active: not due yet.
    let (referral, etag) = active_referral(&app, &t, 0, 1).await;
    app.post("/api/v1/feedback", &school, &answer("referral", &referral))
        .await
        .assert_problem(409, "feedback_not_due");
    // Another school, or none, is not told the item exists.
    for token in [
        app.school(&t.schools[1].urn),
        app.school(&other.schools[0].urn),
    ] {
        app.post("/api/v1/feedback", &token, &answer("referral", &referral))
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        "/api/v1/feedback",
        &school,
        &answer("referral", &uuid::Uuid::nil().to_string()),
    )
    .await
    .assert_problem(404, "not_found");
    // Staff do not answer for schools.
    app.post(
        "/api/v1/feedback",
        &app.manager(&t),
        &answer("referral", &referral),
    )
    .await
    .assert_problem(403, "forbidden_for_role");

    let closed = app
        .act(
            &referral,
            "close",
            &app.practitioner(&t, 0),
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_status(&closed, 200);
    for (field, bad) in [("rating", 0), ("rating", 6), ("confidence", 0)] {
        let mut body = answer("referral", &referral);
        body[field] = json!(bad);
        assert_field_error(
            &app.post("/api/v1/feedback", &school, &body).await,
            field,
            "off_scale",
        );
    }
    let mut blank = answer("referral", &referral);
    blank["comment"] = json!("   ");
    assert_field_error(
        &app.post("/api/v1/feedback", &school, &blank).await,
        "comment",
        "length",
    );
    let mut extra = answer("referral", &referral);
    extra["child_name"] = json!("Ada");
    assert_field_error(
        &app.post("/api/v1/feedback", &school, &extra).await,
        "child_name",
        "unknown_field",
    );
    assert_eq!(app.db.count("school_feedback").await, 0);

    let given = app
        .post("/api/v1/feedback", &school, &answer("referral", &referral))
        .await;
    assert_status(&given, 201);
    assert_eq!(given.body["rating"], 5);
    assert_eq!(given.body["confidence"], 4);
    assert_eq!(given.body["zone_id"], json!(t.zone.id));
    let location = format!("/api/v1/feedback/{}", given.id());
    assert_eq!(given.header("location"), Some(location.as_str()));
    app.post("/api/v1/feedback", &school, &answer("referral", &referral))
        .await
        .assert_problem(409, "already_exists");

    // A consultation is finished when recorded.
    let c = consultation(&app, &t).await;
    assert_status(
        &app.post("/api/v1/feedback", &school, &answer("consultation", &c))
            .await,
        201,
    );
    // A termly conversation once held; its MIS client may answer for the school.
    let (conv, etag) = conversation(&app, &t).await;
    let (client, secret, _) = app.register_client(&[&urn]).await;
    let mis = app.client_token(&client, &secret).await;
    app.post(
        "/api/v1/feedback",
        &mis,
        &answer("termly_conversation", &conv),
    )
    .await
    .assert_problem(409, "feedback_not_due");
    let scheduled = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/termly-conversations/{conv}/schedule"),
            &school,
            Some(&etag),
            Some(&json!({"date": "2026-11-20"})),
        )
        .await;
    assert_status(&scheduled, 200);
    app.post(
        "/api/v1/feedback",
        &mis,
        &answer("termly_conversation", &conv),
    )
    .await
    .assert_problem(409, "feedback_not_due");
    let held = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/termly-conversations/{conv}/hold"),
            &app.practitioner(&t, 0),
            Some(&scheduled.etag()),
            Some(
                &json!({"held_on": "2026-11-20", "attendees": ["SENCo"], "children_discussed": 4}),
            ),
        )
        .await;
    assert_status(&held, 200);
    let mut no_comment = answer("termly_conversation", &conv);
    no_comment
        .as_object_mut()
        .expect("object")
        .remove("comment");
    let by_mis = app.post("/api/v1/feedback", &mis, &no_comment).await;
    assert_status(&by_mis, 201);
    assert!(by_mis.body.get("comment").is_none(), "absent, not null");
    assert_eq!(app.db.count("school_feedback").await, 3);
}

#[tokio::test]
async fn the_zone_team_reads_its_schools_feedback_and_a_school_its_own() {
    let app = TestApp::spawn().await;
    let t = app.team("FC1").await;
    let other = app.team("FC2").await;
    let c = consultation(&app, &t).await;
    let given = app
        .post(
            "/api/v1/feedback",
            &app.school(&t.schools[0].urn),
            &answer("consultation", &c),
        )
        .await;
    assert_status(&given, 201);
    let one = format!("/api/v1/feedback/{}", given.id());
    for token in [
        app.admin(),
        app.manager(&t),
        app.practitioner(&t, 1),
        app.school(&t.schools[0].urn),
    ] {
        let list = app.get("/api/v1/feedback", &token).await;
        assert_status(&list, 200);
        assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
        assert_status(&app.get(&one, &token).await, 200);
    }
    for token in [
        app.manager(&other),
        app.school(&t.schools[1].urn),
        app.school(&other.schools[0].urn),
    ] {
        let list = app.get("/api/v1/feedback", &token).await;
        assert_status(&list, 200);
        assert!(list.body["items"].as_array().expect("items").is_empty());
        app.get(&one, &token).await.assert_problem(404, "not_found");
    }
    let filtered = app
        .get("/api/v1/feedback?about=referral", &app.admin())
        .await;
    assert!(filtered.body["items"].as_array().expect("items").is_empty());
    app.get("/api/v1/feedback?about=sessions", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/feedback?school_urn=12", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");
}
