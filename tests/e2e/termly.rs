//! Termly conversations over HTTP: offering a zone at once (idempotent),
//! schools booking their own, the team recording the conversation held,
//! links to referrals, the coverage report, and every refusal.

use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, upn, Reply, TestApp};
use serde_json::{json, Value};

async fn action(
    app: &TestApp,
    id: &str,
    what: &str,
    token: &str,
    etag: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let path = format!("/api/v1/termly-conversations/{id}/{what}");
    app.call_if_match(Method::POST, &path, token, etag, body)
        .await
}

fn offer(zone: &str) -> Value {
    json!({"zone_id": zone, "academic_year": "2026/27", "term": "spring"})
}

#[tokio::test]
async fn offering_a_zone_reaches_every_open_school_once() {
    let app = TestApp::spawn().await;
    let t = app.team("TC1").await;
    let other = app.team("TC2").await;
    // A closed school of the zone is not offered.
    let closed = app
        .post(
            "/api/v1/schools",
            &app.admin(),
            &json!({"urn": "990001", "name": "Closed school", "status": "closed", "zone_id": t.zone.id}),
        )
        .await;
    assert_status(&closed, 201);
    let zone = t.zone.id.to_string();

    let r = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.manager(&t),
            &offer(&zone),
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["schools"], 2);
    assert_eq!(r.body["created"], 2);
    assert_eq!(r.body["already_offered"], 0);
    assert_eq!(r.body["term"], "spring");

    // Idempotent: a repeat (by a practitioner of the team) creates nothing.
    let again = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.practitioner(&t, 0),
            &offer(&zone),
        )
        .await;
    assert_status(&again, 200);
    assert_eq!(again.body["created"], 0);
    assert_eq!(again.body["already_offered"], 2);
    assert_eq!(app.db.count("termly_conversations").await, 2);

    // Another term is another conversation.
    let summer = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.manager(&t),
            &json!({"zone_id": zone, "academic_year": "2026/27", "term": "summer"}),
        )
        .await;
    assert_eq!(summer.body["created"], 2);

    // Another team's zone is not this manager's: 422, nothing created.
    let theirs = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.manager(&t),
            &offer(&other.zone.id.to_string()),
        )
        .await;
    assert_field_error(&theirs, "zone_id", "unknown_zone");
    // Schools may not offer.
    let school = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.school(&t.schools[0].urn),
            &offer(&zone),
        )
        .await;
    school.assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("termly_conversations").await, 4);

    // Concurrent offers of one term to one zone create each conversation once.
    let year = json!({"zone_id": zone, "academic_year": "2027/28", "term": "autumn"});
    let token = app.manager(&t);
    let calls = (0..6).map(|_| app.post("/api/v1/termly-conversations/offer", &token, &year));
    let replies = futures_util::future::join_all(calls).await;
    let created: i64 = replies
        .iter()
        .map(|r| r.body["created"].as_i64().expect("created"))
        .sum();
    assert_eq!(created, 2);
    assert_eq!(app.db.count("termly_conversations").await, 6);
}

#[tokio::test]
async fn academic_years_and_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let t = app.team("TV1").await;
    let urn = t.schools[0].urn.clone();
    let token = app.manager(&t);
    for (year, code) in [
        ("2026/28", "academic_year_not_consecutive"),
        ("2026-27", "invalid_academic_year"),
        ("26/27", "invalid_academic_year"),
    ] {
        let r = app
            .post(
                "/api/v1/termly-conversations",
                &token,
                &json!({"school_urn": urn, "academic_year": year, "term": "autumn"}),
            )
            .await;
        assert_field_error(&r, "academic_year", code);
    }
    let r = app
        .post(
            "/api/v1/termly-conversations",
            &token,
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "winter"}),
        )
        .await;
    assert_field_error(&r, "term", "invalid_value");
    let r = app
        .post(
            "/api/v1/termly-conversations",
            &token,
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "autumn", "status": "held"}),
        )
        .await;
    assert_field_error(&r, "status", "unknown_field");
    assert_eq!(app.db.count("termly_conversations").await, 0);

    let ok = app
        .post(
            "/api/v1/termly-conversations",
            &token,
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "autumn"}),
        )
        .await;
    assert_status(&ok, 201);
    assert_eq!(ok.body["status"], "offered");
    assert!(ok.header("location").expect("location").ends_with(&ok.id()));
    let dup = app
        .post(
            "/api/v1/termly-conversations",
            &token,
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "autumn"}),
        )
        .await;
    dup.assert_problem(409, "already_exists");

    // Another zone's manager cannot offer this school's conversation.
    let other = app.team("TV2").await;
    let r = app
        .post(
            "/api/v1/termly-conversations",
            &app.manager(&other),
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "spring"}),
        )
        .await;
    assert_field_error(&r, "school_urn", "unknown_school");
    let r = app
        .get("/api/v1/termly-conversations?academic_year=2026-27", &token)
        .await;
    r.assert_problem(400, "invalid_parameter");
    assert_eq!(app.db.count("termly_conversations").await, 1);
}

#[tokio::test]
async fn schools_book_their_own_and_the_team_records_it_held() {
    let app = TestApp::spawn().await;
    let t = app.team("TS1").await;
    let other = app.team("TS2").await;
    let zone = t.zone.id.to_string();
    app.post(
        "/api/v1/termly-conversations/offer",
        &app.manager(&t),
        &offer(&zone),
    )
    .await;
    app.post(
        "/api/v1/termly-conversations/offer",
        &app.manager(&other),
        &offer(&other.zone.id.to_string()),
    )
    .await;
    let mine = t.schools[0].urn.clone();
    let school = app.school(&mine);

    // The school sees only its own conversation.
    let list = app.get("/api/v1/termly-conversations", &school).await;
    assert_status(&list, 200);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["school_urn"], mine.as_str());
    let id = items[0]["id"].as_str().expect("id").to_owned();
    // The manager sees the zone's two; la_admin all four.
    let zone_list = app
        .get("/api/v1/termly-conversations", &app.manager(&t))
        .await;
    assert_eq!(zone_list.body["items"].as_array().expect("items").len(), 2);
    let all = app
        .get(
            "/api/v1/termly-conversations?term=spring&limit=3",
            &app.admin(),
        )
        .await;
    assert_eq!(all.body["items"].as_array().expect("items").len(), 3);
    let cursor = all.body["next_cursor"].as_str().expect("cursor");
    let rest = app
        .get(
            &format!("/api/v1/termly-conversations?term=spring&limit=3&cursor={cursor}"),
            &app.admin(),
        )
        .await;
    assert_eq!(rest.body["items"].as_array().expect("items").len(), 1);
    assert!(rest.body.get("next_cursor").is_none());

    // Another school, another team: 404, nothing changed.
    let read = app
        .get(
            &format!("/api/v1/termly-conversations/{id}"),
            &app.school(&t.schools[1].urn),
        )
        .await;
    read.assert_problem(404, "not_found");
    let read = app
        .get(
            &format!("/api/v1/termly-conversations/{id}"),
            &app.manager(&other),
        )
        .await;
    read.assert_problem(404, "not_found");

    let got = app
        .get(&format!("/api/v1/termly-conversations/{id}"), &school)
        .await;
    assert_status(&got, 200);
    let etag = got.etag();
    let date = json!({"date": "2027-01-20"});
    let r = action(
        &app,
        &id,
        "schedule",
        &app.school(&t.schools[1].urn),
        Some(&etag),
        Some(&date),
    )
    .await;
    r.assert_problem(404, "not_found");
    let r = action(&app, &id, "schedule", &school, None, Some(&date)).await;
    r.assert_problem(428, "if_match_required");
    let r = action(&app, &id, "schedule", &school, Some("\"v9\""), Some(&date)).await;
    r.assert_problem(412, "version_mismatch");
    let r = action(
        &app,
        &id,
        "schedule",
        &school,
        Some(&etag),
        Some(&json!({"date": "soon"})),
    )
    .await;
    assert_field_error(&r, "date", "invalid_value");
    let r = action(&app, &id, "schedule", &school, Some(&etag), Some(&date)).await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "scheduled");
    assert_eq!(r.body["scheduled_for"], "2027-01-20");
    let etag = r.etag();

    // Booking tells the school's MIS once, in the same transaction; the
    // refused attempts before it told nobody.
    let booked = app
        .db
        .sql(&format!(
            "SELECT data->>'scheduled_for' FROM outbox_events WHERE event_type = 'termly_conversation.scheduled' AND subject_id = '{id}'"
        ))
        .await
        .expect("outbox");
    assert_eq!(booked.len(), 1);
    assert_eq!(
        booked[0].get::<_, Option<String>>(0).as_deref(),
        Some("2027-01-20")
    );

    // Only the team records the conversation held.
    let held = json!({
        "held_on": "2026-11-20",
        "attendees": ["SENCo", "SCT practitioner"],
        "children_discussed": 5,
        "actions": [{"description": "Refer Y4 child", "owner": "SENCo", "due_on": "2026-12-01"}],
        "notes": "Year 4 cohort"
    });
    let r = action(&app, &id, "hold", &school, Some(&etag), Some(&held)).await;
    r.assert_problem(403, "forbidden_for_role");
    let future = json!({"held_on": "2099-01-01", "attendees": [], "children_discussed": 1});
    let r = action(
        &app,
        &id,
        "hold",
        &app.practitioner(&t, 1),
        Some(&etag),
        Some(&future),
    )
    .await;
    assert_field_error(&r, "held_on", "in_future");
    let negative = json!({"held_on": "2026-11-20", "attendees": [], "children_discussed": -1});
    let r = action(
        &app,
        &id,
        "hold",
        &app.practitioner(&t, 1),
        Some(&etag),
        Some(&negative),
    )
    .await;
    assert_field_error(&r, "children_discussed", "range");
    let r = action(
        &app,
        &id,
        "hold",
        &app.practitioner(&t, 1),
        Some(&etag),
        Some(&held),
    )
    .await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "held");
    assert_eq!(r.body["children_discussed"], 5);
    assert_eq!(r.body["attendees"], json!(["SENCo", "SCT practitioner"]));
    assert_eq!(r.body["actions"][0]["owner"], "SENCo");
    assert_eq!(r.body["actions"][0]["done"], false);
    let etag = r.etag();

    // Once held it cannot be declined or rescheduled.
    let r = action(&app, &id, "decline", &school, Some(&etag), Some(&json!({}))).await;
    r.assert_problem(409, "invalid_transition");
    let r = action(
        &app,
        &id,
        "schedule",
        &app.manager(&t),
        Some(&etag),
        Some(&date),
    )
    .await;
    r.assert_problem(409, "invalid_transition");

    // Referrals that came from it: the school's own only.
    let referral = app.submit(&mine, &upn(1), 3).await;
    assert_status(&referral, 201);
    let foreign = app.submit(&t.schools[1].urn, &upn(2), 3).await;
    let r = app
        .post(
            &format!("/api/v1/termly-conversations/{id}/referrals"),
            &app.manager(&t),
            &json!({"referral_id": foreign.id()}),
        )
        .await;
    assert_field_error(&r, "referral_id", "unknown_referral");
    let r = app
        .post(
            &format!("/api/v1/termly-conversations/{id}/referrals"),
            &school,
            &json!({"referral_id": referral.id()}),
        )
        .await;
    r.assert_problem(403, "forbidden_for_role");
    for _ in 0..2 {
        let r = app
            .post(
                &format!("/api/v1/termly-conversations/{id}/referrals"),
                &app.manager(&t),
                &json!({"referral_id": referral.id()}),
            )
            .await;
        assert_status(&r, 200);
        assert_eq!(r.body["referral_ids"], json!([referral.id()]));
    }
}

#[tokio::test]
async fn a_declined_conversation_can_be_offered_again_and_coverage_counts_it_all() {
    let app = TestApp::spawn().await;
    let t = app
        .team_with(
            "TD1",
            chrono::NaiveDate::from_ymd_opt(2023, 6, 1).expect("d"),
            &[5],
            4,
        )
        .await;
    let other = app.team("TD2").await;
    let zone = t.zone.id.to_string();
    let token = app.manager(&t);
    // Two of the four schools are offered one by one.
    let mut ids = Vec::new();
    for s in &t.schools[..3] {
        let r = app
            .post(
                "/api/v1/termly-conversations",
                &token,
                &json!({"school_urn": s.urn, "academic_year": "2026/27", "term": "spring"}),
            )
            .await;
        assert_status(&r, 201);
        ids.push((r.id(), r.etag()));
    }
    let school0 = app.school(&t.schools[0].urn);
    let r = action(
        &app,
        &ids[0].0,
        "decline",
        &school0,
        Some(&ids[0].1),
        Some(&json!({"reason": "Inspection"})),
    )
    .await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "declined");
    assert_eq!(r.body["decline_reason"], "Inspection");
    let declined_etag = r.etag();
    let r = action(
        &app,
        &ids[0].0,
        "reoffer",
        &school0,
        Some(&declined_etag),
        None,
    )
    .await;
    r.assert_problem(403, "forbidden_for_role");
    let r = action(
        &app,
        &ids[1].0,
        "schedule",
        &token,
        Some(&ids[1].1),
        Some(&json!({"date": "2027-02-02"})),
    )
    .await;
    assert_status(&r, 200);

    let report = app
        .get(
            "/api/v1/reports/termly-coverage?academic_year=2026/27&term=spring",
            &app.admin(),
        )
        .await;
    assert_status(&report, 200);
    let zones = report.body["zones"].as_array().expect("zones");
    assert_eq!(zones.len(), 2);
    let mine = zones
        .iter()
        .find(|z| z["zone_id"] == zone.as_str())
        .expect("zone");
    assert_eq!(mine["schools"], 4);
    assert_eq!(mine["offered"], 3);
    assert_eq!(mine["awaiting_reply"], 1);
    assert_eq!(mine["scheduled"], 1);
    assert_eq!(mine["held"], 0);
    assert_eq!(mine["declined"], 1);
    assert_eq!(mine["not_offered"], 1);
    let theirs = zones
        .iter()
        .find(|z| z["zone_id"] == other.zone.id.to_string().as_str())
        .expect("zone");
    assert_eq!(theirs["not_offered"], 2);
    assert_eq!(theirs["offered"], 0);

    // A manager sees their zone only; schools may not read the report.
    let r = app
        .get(
            "/api/v1/reports/termly-coverage?academic_year=2026/27&term=spring",
            &token,
        )
        .await;
    assert_eq!(r.body["zones"].as_array().expect("zones").len(), 1);
    let r = app
        .get(
            "/api/v1/reports/termly-coverage?academic_year=2026/27&term=spring",
            &school0,
        )
        .await;
    r.assert_problem(403, "forbidden_for_role");
    let r = app
        .get(
            "/api/v1/reports/termly-coverage?academic_year=2026/28&term=spring",
            &token,
        )
        .await;
    r.assert_problem(400, "invalid_parameter");

    // Reoffering the declined one brings it back to offered.
    let r = action(
        &app,
        &ids[0].0,
        "reoffer",
        &token,
        Some(&declined_etag),
        None,
    )
    .await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "offered");
    assert!(r.body["decline_reason"].is_null());
}
