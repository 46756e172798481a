//! Consultations over HTTP: advice without a referral (no names, UPN only),
//! who may record and read them, and turning one into a referral in one
//! call through the ordinary submission path.

use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, referral_body, upn, Reply, TestApp};
use serde_json::{json, Value};

fn consultation(urn: &str) -> Value {
    json!({
        "school_urn": urn,
        "held_on": "2026-11-20",
        "topic": "School avoidance",
        "subject": "child",
        "upn": upn(7),
        "indes_areas": ["social_emotional_mental_health"],
        "advice": "Graded re-entry; key adult",
        "follow_up": "Review in four weeks"
    })
}

async fn refer(app: &TestApp, id: &str, token: &str, etag: Option<&str>, body: &Value) -> Reply {
    let path = format!("/api/v1/consultations/{id}/referral");
    app.call_if_match(Method::POST, &path, token, etag, Some(body))
        .await
}

#[tokio::test]
async fn the_zone_team_records_consultations_and_schools_read_their_own() {
    let app = TestApp::spawn().await;
    let t = app.team("CA1").await;
    let other = app.team("CA2").await;
    let urn = t.schools[0].urn.clone();
    let token = app.practitioner(&t, 0);

    let r = app
        .post("/api/v1/consultations", &token, &consultation(&urn))
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["subject"], "child");
    assert_eq!(r.body["upn"], upn(7).as_str());
    assert!(r.body["referral_id"].is_null());
    let id = r.id();

    // The school's MIS hears of it: one `consultation.recorded` event in
    // the outbox, with identifiers only (no UPN, topic or advice).
    let events = app
        .db
        .sql(&format!(
            "SELECT data::text FROM outbox_events WHERE event_type = 'consultation.recorded' AND subject_id = '{id}'"
        ))
        .await
        .expect("outbox");
    assert_eq!(events.len(), 1);
    let data: String = events[0].get(0);
    assert!(data.contains(&urn), "{data}");
    assert!(!data.contains(upn(7).as_str()), "{data}");
    assert!(!data.contains("advice"), "{data}");

    // Refusals: school (403), other zone's team (422), names (unknown field),
    // bad UPN, UPN with a cohort, duplicate areas, future date.
    let school = app.school(&urn);
    app.post("/api/v1/consultations", &school, &consultation(&urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    let r = app
        .post(
            "/api/v1/consultations",
            &app.manager(&other),
            &consultation(&urn),
        )
        .await;
    assert_field_error(&r, "school_urn", "unknown_school");
    let mut named = consultation(&urn);
    named["child_name"] = json!("Sam Example");
    assert_field_error(
        &app.post("/api/v1/consultations", &token, &named).await,
        "child_name",
        "unknown_field",
    );
    let mut bad = consultation(&urn);
    bad["upn"] = json!("A801200005001");
    assert_field_error(
        &app.post("/api/v1/consultations", &token, &bad).await,
        "upn",
        "invalid_upn_check_letter",
    );
    let mut cohort = consultation(&urn);
    cohort["subject"] = json!("cohort");
    assert_field_error(
        &app.post("/api/v1/consultations", &token, &cohort).await,
        "upn",
        "upn_with_cohort",
    );
    let mut dup = consultation(&urn);
    dup["indes_areas"] = json!(["deafness", "deafness"]);
    assert_field_error(
        &app.post("/api/v1/consultations", &token, &dup).await,
        "indes_areas[1]",
        "duplicate_area",
    );
    let mut future = consultation(&urn);
    future["held_on"] = json!("2099-01-01");
    assert_field_error(
        &app.post("/api/v1/consultations", &token, &future).await,
        "held_on",
        "in_future",
    );
    assert_eq!(app.db.count("consultations").await, 1);

    // Reads: the school its own, not another school; other team 404.
    let got = app
        .get(&format!("/api/v1/consultations/{id}"), &school)
        .await;
    assert_status(&got, 200);
    app.get(
        &format!("/api/v1/consultations/{id}"),
        &app.school(&t.schools[1].urn),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/consultations/{id}"), &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    let list = app.get("/api/v1/consultations", &school).await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
    let list = app.get("/api/v1/consultations", &app.manager(&other)).await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 0);

    // Update with If-Match.
    let mut change = consultation(&urn);
    change.as_object_mut().expect("object").remove("school_urn");
    change["advice"] = json!("Revised advice");
    let path = format!("/api/v1/consultations/{id}");
    let r = app
        .call(Method::PUT, &path, Some(&token), Some(&change), &[])
        .await;
    r.assert_problem(428, "if_match_required");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&token),
            Some(&change),
            &[("if-match", "\"v5\"")],
        )
        .await;
    r.assert_problem(412, "version_mismatch");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&school),
            Some(&change),
            &[("if-match", "\"v1\"")],
        )
        .await;
    r.assert_problem(403, "forbidden_for_role");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&token),
            Some(&change),
            &[("if-match", "\"v1\"")],
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["advice"], "Revised advice");
    assert_eq!(r.body["version"], 2);
}

#[tokio::test]
async fn a_consultation_becomes_a_referral_in_one_call() {
    let app = TestApp::spawn().await;
    let t = app.team("CB1").await;
    let urn = t.schools[0].urn.clone();
    let token = app.manager(&t);
    // From a termly conversation of the school.
    let conv = app
        .post(
            "/api/v1/termly-conversations",
            &token,
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "autumn"}),
        )
        .await;
    assert_status(&conv, 201);
    let mut body = consultation(&urn);
    body["termly_conversation_id"] = json!(conv.id());
    let c = app.post("/api/v1/consultations", &token, &body).await;
    assert_status(&c, 201);
    let id = c.id();
    let etag = c.etag();

    // Refusals change nothing: wrong child, wrong school, no If-Match, school role.
    let wrong_child = referral_body(&urn, &upn(8), 3);
    assert_field_error(
        &refer(&app, &id, &token, Some(&etag), &wrong_child).await,
        "child.upn",
        "upn_mismatch",
    );
    let wrong_school = referral_body(&t.schools[1].urn, &upn(7), 3);
    assert_field_error(
        &refer(&app, &id, &token, Some(&etag), &wrong_school).await,
        "school_urn",
        "school_mismatch",
    );
    let good = referral_body(&urn, &upn(7), 3);
    refer(&app, &id, &token, None, &good)
        .await
        .assert_problem(428, "if_match_required");
    refer(&app, &id, &token, Some("\"v7\""), &good)
        .await
        .assert_problem(412, "version_mismatch");
    refer(&app, &id, &app.school(&urn), Some(&etag), &good)
        .await
        .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("referrals").await, 0);

    let r = refer(&app, &id, &token, Some(&etag), &good).await;
    assert_status(&r, 201);
    let referral = r.id();
    assert_eq!(r.body["status"], "submitted");
    assert_eq!(r.body["eligibility"]["outcome"], "eligible");
    assert_eq!(r.body["team"]["id"], t.team.id.to_string().as_str());
    assert!(r.header("location").expect("location").ends_with(&referral));

    // Both are linked, the conversation lists it, and the history has the submission.
    let c = app
        .get(&format!("/api/v1/consultations/{id}"), &token)
        .await;
    assert_eq!(c.body["referral_id"], referral.as_str());
    assert_eq!(c.body["version"], 2);
    let conv = app
        .get(
            &format!("/api/v1/termly-conversations/{}", conv.id()),
            &token,
        )
        .await;
    assert_eq!(conv.body["referral_ids"], json!([referral]));
    assert_eq!(conv.body["consultation_ids"], json!([id]));
    let h = app
        .get(
            &format!("/api/v1/referrals/{referral}/history"),
            &app.admin(),
        )
        .await;
    assert_status(&h, 200);
    assert_eq!(h.body["items"][0]["action"], "submit");

    // Once only.
    let again = refer(&app, &id, &token, Some(&c.etag()), &good).await;
    again.assert_problem(409, "already_exists");
    assert_eq!(app.db.count("referrals").await, 1);
}

#[tokio::test]
async fn advice_to_a_family_with_or_without_a_school() {
    let app = TestApp::spawn().await;
    let t = app.team("CF1").await;
    let other = app.team("CF2").await;
    let urn = t.schools[0].urn.clone();
    let token = app.practitioner(&t, 0);
    let fam = app.post("/api/v1/families", &token, &json!({})).await;
    assert_status(&fam, 201);
    let fam = fam.id();
    let events = app.db.count("outbox_events").await;

    // Without a school: the family's zone's team gave it; no school hears.
    let mut body = consultation(&urn);
    body.as_object_mut().map(|o| o.remove("school_urn"));
    body.as_object_mut().map(|o| o.remove("upn"));
    body["subject"] = json!("family");
    body["family_id"] = json!(fam);
    body["topic"] = json!("Morning routines at home");
    let r = app.post("/api/v1/consultations", &token, &body).await;
    assert_status(&r, 201);
    assert_eq!(r.body["subject"], "family");
    assert_eq!(r.body["family_id"], json!(fam));
    assert_eq!(r.body["zone_id"], json!(t.zone.id));
    assert!(r.body.get("school_urn").is_none(), "{}", r.text);
    assert_eq!(
        app.db.count("outbox_events").await,
        events,
        "no school's event"
    );
    let id = r.id();
    let read = app
        .get(&format!("/api/v1/consultations/{id}"), &app.manager(&t))
        .await;
    assert_status(&read, 200);
    let school = app.school(&urn);
    app.get(&format!("/api/v1/consultations/{id}"), &school)
        .await
        .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/consultations", &school).await;
    assert!(!listed.text.contains(&id), "{}", listed.text);
    // It cannot become a referral without a school.
    let refused = refer(
        &app,
        &id,
        &token,
        Some(&read.etag()),
        &referral_body(&urn, &upn(8), 4),
    )
    .await;
    assert_field_error(&refused, "school_urn", "school_mismatch");

    // With a school: the school reads it.
    let mut with = body.clone();
    with["school_urn"] = json!(urn);
    let r = app.post("/api/v1/consultations", &token, &with).await;
    assert_status(&r, 201);
    assert_eq!(r.body["school_urn"], json!(urn));
    assert_status(
        &app.get(&format!("/api/v1/consultations/{}", r.id()), &school)
            .await,
        200,
    );

    // Refusals: no family, a family with another subject, no school for a
    // child, another zone's family.
    let mut no_family = body.clone();
    no_family.as_object_mut().map(|o| o.remove("family_id"));
    let r = app.post("/api/v1/consultations", &token, &no_family).await;
    assert_field_error(&r, "family_id", "required");
    let mut child = with.clone();
    child["subject"] = json!("child");
    let r = app.post("/api/v1/consultations", &token, &child).await;
    assert_field_error(&r, "subject", "family_consultation");
    let mut schoolless = consultation(&urn);
    schoolless.as_object_mut().map(|o| o.remove("school_urn"));
    let r = app.post("/api/v1/consultations", &token, &schoolless).await;
    assert_field_error(&r, "school_urn", "required");
    let r = app
        .post("/api/v1/consultations", &app.practitioner(&other, 0), &body)
        .await;
    assert_field_error(&r, "family_id", "unknown_family");
    // A change keeps the family's subject.
    let mut changed = body.clone();
    changed.as_object_mut().map(|o| o.remove("family_id"));
    changed["advice"] = json!("A visual timetable at home");
    let r = app
        .put(
            &format!("/api/v1/consultations/{id}"),
            &token,
            Some(&read.etag()),
            &changed,
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["family_id"], json!(fam));
    changed["subject"] = json!("cohort");
    let r = app
        .put(
            &format!("/api/v1/consultations/{id}"),
            &token,
            Some(&r.etag()),
            &changed,
        )
        .await;
    assert_field_error(&r, "subject", "family_consultation");
}
