//! Community and place over HTTP: Family Hubs, programmes and their status,
//! sessions, enrolments with a waiting list (also under concurrent
//! requests), cancellation promoting the next family, attendance and
//! completion, and who may see what.

use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

fn hub(zone: &str) -> Value {
    json!({"name": "Thetford Family Hub", "address": "1 Example Street, Thetford", "postcode": "ip24 1aa", "zone_id": zone})
}

fn programme(zone: &str, hub: Option<&str>, capacity: i32) -> Value {
    json!({
        "programme_type": "parenting_programme",
        "title": "Triple P Group",
        "description": "Eight weekly sessions",
        "zone_id": zone,
        "hub_id": hub,
        "capacity": capacity,
        "starts_on": "2027-01-11",
        "ends_on": "2027-03-01",
        "audience": {"age_from": 2, "age_to": 12, "needs": ["behaviour"]}
    })
}

/// An open programme of the team's zone with one session; returns its id.
pub(crate) async fn open_programme(app: &TestApp, team: &TestTeam, capacity: i32) -> String {
    let token = app.manager(team);
    let p = app
        .post(
            "/api/v1/programmes",
            &token,
            &programme(&team.zone.id.to_string(), None, capacity),
        )
        .await;
    assert_status(&p, 201);
    let id = p.id();
    let s = app
        .post(&format!("/api/v1/programmes/{id}/sessions"), &token, &json!({"date": "2027-01-11", "starts_at": "10:00:00", "ends_at": "12:00:00", "topic": "Welcome"}))
        .await;
    assert_status(&s, 201);
    let r = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/programmes/{id}/status"),
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_status(&r, 200);
    id
}

pub(crate) async fn enrol(app: &TestApp, id: &str, token: &str, name: &str) -> Reply {
    app.post(
        &format!("/api/v1/programmes/{id}/enrolments"),
        token,
        &json!({"parent_carer_name": name, "contact_consent": true}),
    )
    .await
}

#[tokio::test]
async fn family_hubs_are_written_by_la_admin_with_uk_postcodes() {
    let app = TestApp::spawn().await;
    let team = app.team("FH1").await;
    let zone = team.zone.id.to_string();
    let r = app
        .post("/api/v1/family-hubs", &app.manager(&team), &hub(&zone))
        .await;
    r.assert_problem(403, "forbidden_for_role");
    let mut bad = hub(&zone);
    bad["postcode"] = json!("NOT A CODE");
    assert_field_error(
        &app.post("/api/v1/family-hubs", &app.admin(), &bad).await,
        "postcode",
        "invalid_postcode",
    );
    let mut bad = hub(&uuid::Uuid::nil().to_string());
    bad["name"] = json!("");
    let r = app.post("/api/v1/family-hubs", &app.admin(), &bad).await;
    assert_field_error(&r, "name", "length");
    bad["name"] = json!("Hub");
    assert_field_error(
        &app.post("/api/v1/family-hubs", &app.admin(), &bad).await,
        "zone_id",
        "unknown_zone",
    );
    assert_eq!(app.db.count("family_hubs").await, 0);

    let r = app
        .post("/api/v1/family-hubs", &app.admin(), &hub(&zone))
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["postcode"], "IP24 1AA");
    let id = r.id();
    // Staff read.
    assert_status(
        &app.get(
            &format!("/api/v1/family-hubs/{id}"),
            &app.practitioner(&team, 0),
        )
        .await,
        200,
    );
    // Schools read their zone's hubs (tests/e2e/hub_connections.rs).
    assert_status(
        &app.get("/api/v1/family-hubs", &app.school(&team.schools[0].urn))
            .await,
        200,
    );
    let list = app
        .get(
            &format!("/api/v1/family-hubs?zone_id={zone}"),
            &app.manager(&team),
        )
        .await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);

    let path = format!("/api/v1/family-hubs/{id}");
    let mut change = hub(&zone);
    change["name"] = json!("Thetford Hub");
    app.call_if_match(Method::PUT, &path, &app.admin(), None, Some(&change))
        .await
        .assert_problem(428, "if_match_required");
    app.call_if_match(
        Method::PUT,
        &path,
        &app.admin(),
        Some("\"v2\""),
        Some(&change),
    )
    .await
    .assert_problem(412, "version_mismatch");
    let r = app
        .call_if_match(
            Method::PUT,
            &path,
            &app.admin(),
            Some("\"v1\""),
            Some(&change),
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["name"], "Thetford Hub");
}

#[tokio::test]
async fn programmes_follow_their_status_rules_and_belong_to_a_zone() {
    let app = TestApp::spawn().await;
    let team = app.team("PR1").await;
    let other = app.team("PR2").await;
    let zone = team.zone.id.to_string();
    let foreign_hub = app
        .post(
            "/api/v1/family-hubs",
            &app.admin(),
            &hub(&other.zone.id.to_string()),
        )
        .await;
    let token = app.practitioner(&team, 0);

    // Another zone's hub, another zone, bad dates, a school: refused.
    assert_field_error(
        &app.post(
            "/api/v1/programmes",
            &token,
            &programme(&zone, Some(&foreign_hub.id()), 5),
        )
        .await,
        "hub_id",
        "unknown_hub",
    );
    assert_field_error(
        &app.post(
            "/api/v1/programmes",
            &token,
            &programme(&other.zone.id.to_string(), None, 5),
        )
        .await,
        "zone_id",
        "unknown_zone",
    );
    let mut bad = programme(&zone, None, 5);
    bad["ends_on"] = json!("2026-01-01");
    assert_field_error(
        &app.post("/api/v1/programmes", &token, &bad).await,
        "ends_on",
        "before_start",
    );
    assert_field_error(
        &app.post("/api/v1/programmes", &token, &programme(&zone, None, 0))
            .await,
        "capacity",
        "range",
    );
    app.post(
        "/api/v1/programmes",
        &app.school(&team.schools[0].urn),
        &programme(&zone, None, 5),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("programmes").await, 0);

    let p = app
        .post("/api/v1/programmes", &token, &programme(&zone, None, 5))
        .await;
    assert_status(&p, 201);
    assert_eq!(p.body["status"], "draft");
    assert_eq!(p.body["places_left"], 5);
    let id = p.id();
    let status = format!("/api/v1/programmes/{id}/status");
    // Draft cannot start; enrolment refused while draft.
    let r = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "running"})),
        )
        .await;
    r.assert_problem(409, "invalid_transition");
    enrol(&app, &id, &token, "A")
        .await
        .assert_problem(409, "invalid_transition");
    // Another team: 404 on writes.
    let r = app
        .call_if_match(
            Method::POST,
            &status,
            &app.manager(&other),
            Some(&p.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    r.assert_problem(404, "not_found");
    let r = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_status(&r, 200);
    // Running needs a session.
    let r2 = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&r.etag()),
            Some(&json!({"status": "running"})),
        )
        .await;
    r2.assert_problem(409, "invalid_transition");
    let s = app
        .post(
            &format!("/api/v1/programmes/{id}/sessions"),
            &token,
            &json!({"date": "2028-01-01"}),
        )
        .await;
    assert_field_error(&s, "date", "outside_programme");
    let s = app
        .post(
            &format!("/api/v1/programmes/{id}/sessions"),
            &token,
            &json!({"date": "2027-01-18", "starts_at": "10:00:00", "ends_at": "09:00:00"}),
        )
        .await;
    assert_field_error(&s, "ends_at", "before_start");
    let s = app
        .post(
            &format!("/api/v1/programmes/{id}/sessions"),
            &token,
            &json!({"date": "2027-01-18"}),
        )
        .await;
    assert_status(&s, 201);
    let r3 = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&r.etag()),
            Some(&json!({"status": "running"})),
        )
        .await;
    assert_status(&r3, 200);
    assert_eq!(r3.body["status"], "running");
    assert_eq!(r3.body["sessions"], 1);
    // Anyone authenticated reads programmes and sessions.
    let read = app
        .get(
            &format!("/api/v1/programmes/{id}"),
            &app.school(&team.schools[0].urn),
        )
        .await;
    assert_status(&read, 200);
    let sessions = app
        .get(
            &format!("/api/v1/programmes/{id}/sessions"),
            &app.school(&team.schools[0].urn),
        )
        .await;
    assert_eq!(sessions.body["items"][0]["date"], "2027-01-18");
    let list = app
        .get(
            &format!("/api/v1/programmes?zone_id={zone}&status=running"),
            &app.admin(),
        )
        .await;
    assert_eq!(list.body["items"].as_array().expect("items").len(), 1);
    // Cancelled is final.
    let c = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&r3.etag()),
            Some(&json!({"status": "cancelled"})),
        )
        .await;
    assert_status(&c, 200);
    let again = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&c.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    again.assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn beyond_capacity_families_wait_and_a_cancellation_promotes_the_first() {
    let app = TestApp::spawn().await;
    let team = app.team("EN1").await;
    let token = app.manager(&team);
    let id = open_programme(&app, &team, 2).await;
    let mut ids = Vec::new();
    for name in ["A", "B", "C", "D"] {
        let r = enrol(&app, &id, &token, name).await;
        assert_status(&r, 201);
        ids.push((
            r.id(),
            r.etag(),
            r.body["status"].clone(),
            r.body["waiting_position"].clone(),
        ));
    }
    assert_eq!(ids[0].2, "enrolled");
    assert_eq!(ids[1].2, "enrolled");
    assert_eq!(ids[2].2, "waiting");
    assert_eq!(ids[2].3, 1);
    assert_eq!(ids[3].3, 2);
    let p = app.get(&format!("/api/v1/programmes/{id}"), &token).await;
    assert_eq!(p.body["full"], true);
    assert_eq!(p.body["waiting"], 2);

    // Enrolments are personal data: schools may not read them; other teams 404.
    let school = app.school(&team.schools[0].urn);
    app.get(&format!("/api/v1/programmes/{id}/enrolments"), &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    let other = app.team("EN2").await;
    app.get(
        &format!("/api/v1/programmes/{id}/enrolments"),
        &app.manager(&other),
    )
    .await
    .assert_problem(404, "not_found");
    enrol(&app, &id, &app.manager(&other), "X")
        .await
        .assert_problem(404, "not_found");
    // A referral of another team cannot be linked.
    let foreign = app.submit(&other.schools[0].urn, &sct_e2e::upn(3), 3).await;
    let r = app
        .post(&format!("/api/v1/programmes/{id}/enrolments"), &token, &json!({"parent_carer_name": "E", "contact_consent": false, "referral_id": foreign.id()}))
        .await;
    assert_field_error(&r, "referral_id", "unknown_referral");

    // Cancelling B's place gives it to C (first on the list); D moves up.
    let cancel = format!("/api/v1/programmes/{id}/enrolments/{}/cancel", ids[1].0);
    app.call_if_match(Method::POST, &cancel, &token, None, None)
        .await
        .assert_problem(428, "if_match_required");
    app.call_if_match(Method::POST, &cancel, &token, Some("\"v9\""), None)
        .await
        .assert_problem(412, "version_mismatch");
    let r = app
        .call_if_match(Method::POST, &cancel, &token, Some(&ids[1].1), None)
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "cancelled");
    let again = app
        .call_if_match(Method::POST, &cancel, &token, Some(&r.etag()), None)
        .await;
    again.assert_problem(409, "invalid_transition");
    let c = app
        .get(
            &format!("/api/v1/programmes/{id}/enrolments/{}", ids[2].0),
            &token,
        )
        .await;
    assert_eq!(c.body["status"], "enrolled");
    assert!(c.body["waiting_position"].is_null());
    let d = app
        .get(
            &format!("/api/v1/programmes/{id}/enrolments/{}", ids[3].0),
            &token,
        )
        .await;
    assert_eq!(d.body["status"], "waiting");
    assert_eq!(d.body["waiting_position"], 1);
    let waiting = app
        .get(
            &format!("/api/v1/programmes/{id}/enrolments?status=waiting"),
            &token,
        )
        .await;
    assert_eq!(waiting.body["items"].as_array().expect("items").len(), 1);

    // Capacity cannot drop below the families enrolled; raising it promotes D.
    let p = app.get(&format!("/api/v1/programmes/{id}"), &token).await;
    let mut change = programme(&team.zone.id.to_string(), None, 1);
    change.as_object_mut().expect("object").remove("zone_id");
    let path = format!("/api/v1/programmes/{id}");
    let r = app
        .call_if_match(Method::PUT, &path, &token, Some(&p.etag()), Some(&change))
        .await;
    assert_field_error(&r, "capacity", "below_enrolled");
    change["capacity"] = json!(3);
    let r = app
        .call_if_match(Method::PUT, &path, &token, Some(&p.etag()), Some(&change))
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["enrolled"], 3);
    assert_eq!(r.body["waiting"], 0);

    // Attendance at a session, for families holding a place; then completion.
    let sessions = app
        .get(&format!("/api/v1/programmes/{id}/sessions"), &token)
        .await;
    let session = sessions.body["items"][0]["id"]
        .as_str()
        .expect("session")
        .to_owned();
    let att = format!("/api/v1/programmes/{id}/sessions/{session}/attendance");
    let before = app.get(&att, &token).await;
    assert_eq!(before.etag(), "\"v1\"");
    let bad = json!({"records": [{"enrolment_id": ids[1].0, "status": "attended"}]});
    let r = app
        .call_if_match(Method::PUT, &att, &token, Some("\"v1\""), Some(&bad))
        .await;
    assert_field_error(&r, "records[0].enrolment_id", "not_enrolled");
    let good = json!({"records": [
        {"enrolment_id": ids[0].0, "status": "attended"},
        {"enrolment_id": ids[2].0, "status": "did_not_attend"}
    ]});
    // Attendance takes If-Match like every other change (issue 17, item 7).
    app.call_if_match(Method::PUT, &att, &token, None, Some(&good))
        .await
        .assert_problem(428, "if_match_required");
    let r = app
        .call_if_match(Method::PUT, &att, &token, Some("\"v1\""), Some(&good))
        .await;
    assert_status(&r, 200);
    assert_eq!(r.etag(), "\"v2\"");
    assert_eq!(r.body["records"].as_array().expect("records").len(), 2);
    app.call_if_match(Method::PUT, &att, &token, Some("\"v1\""), Some(&good))
        .await
        .assert_problem(412, "version_mismatch");
    assert_eq!(app.get(&att, &token).await.etag(), "\"v2\"");
    app.get(&att, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    let read = app.get(&att, &app.practitioner(&team, 1)).await;
    assert_eq!(read.body["records"].as_array().expect("records").len(), 2);

    let complete = format!("/api/v1/programmes/{id}/enrolments/{}/complete", ids[0].0);
    let r = app
        .call_if_match(Method::POST, &complete, &token, Some(&ids[0].1), None)
        .await;
    r.assert_problem(409, "invalid_transition");
    let p = app.get(&format!("/api/v1/programmes/{id}"), &token).await;
    let run = app
        .call_if_match(
            Method::POST,
            &format!("/api/v1/programmes/{id}/status"),
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "running"})),
        )
        .await;
    assert_status(&run, 200);
    let r = app
        .call_if_match(Method::POST, &complete, &token, Some(&ids[0].1), None)
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["status"], "completed");
}

#[tokio::test]
async fn concurrent_enrolments_never_exceed_capacity() {
    let app = TestApp::spawn().await;
    let team = app.team("EC1").await;
    let token = app.manager(&team);
    let id = open_programme(&app, &team, 5).await;
    let calls = (0..20).map(|i| {
        let token = token.clone();
        let id = id.clone();
        let app = &app;
        async move { enrol(app, &id, &token, &format!("Family {i}")).await }
    });
    let replies = futures_util::future::join_all(calls).await;
    let statuses: Vec<&str> = replies
        .iter()
        .map(|r| r.body["status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "enrolled").count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == "waiting").count(), 15);
    // The waiting list is one queue: positions 1 to 15, each once.
    let waiting = app
        .get(
            &format!("/api/v1/programmes/{id}/enrolments?status=waiting&limit=200"),
            &token,
        )
        .await;
    let mut positions: Vec<i64> = waiting.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["waiting_position"].as_i64())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=15).collect::<Vec<_>>());
    let p = app.get(&format!("/api/v1/programmes/{id}"), &token).await;
    assert_eq!(p.body["enrolled"], 5);
    assert_eq!(p.body["waiting"], 15);

    // Concurrent cancellations of every place promote exactly as many.
    let list = app
        .get(
            &format!("/api/v1/programmes/{id}/enrolments?status=enrolled"),
            &token,
        )
        .await;
    let places: Vec<(String, String)> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().expect("id").to_owned(),
                format!("\"v{}\"", e["version"]),
            )
        })
        .collect();
    let calls = places.iter().map(|(eid, etag)| {
        let path = format!("/api/v1/programmes/{id}/enrolments/{eid}/cancel");
        let token = token.clone();
        let app = &app;
        async move {
            app.call_if_match(Method::POST, &path, &token, Some(etag), None)
                .await
        }
    });
    for r in futures_util::future::join_all(calls).await {
        assert_status(&r, 200);
    }
    let p = app.get(&format!("/api/v1/programmes/{id}"), &token).await;
    assert_eq!(p.body["enrolled"], 5);
    assert_eq!(p.body["waiting"], 10);
}

#[tokio::test]
async fn a_session_is_read_with_its_etag_and_moved_with_if_match() {
    let app = TestApp::spawn().await;
    let team = app.team("PS1").await;
    let other = app.team("PS2").await;
    let token = app.manager(&team);
    // Dates around today, so that "after today" means the same whenever
    // the test runs.
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let mut body = programme(&team.zone.id.to_string(), None, 5);
    body["starts_on"] = json!(day(-60));
    body["ends_on"] = json!(day(60));
    let p = app.post("/api/v1/programmes", &token, &body).await;
    assert_status(&p, 201);
    let id = p.id();
    let created = app
        .post(
            &format!("/api/v1/programmes/{id}/sessions"),
            &token,
            &json!({"date": day(-7), "starts_at": "10:00:00", "ends_at": "12:00:00", "topic": "Welcome"}),
        )
        .await;
    assert_status(&created, 201);
    assert_eq!(created.etag(), "\"v1\"");
    let sid = created.id();
    let path = format!("/api/v1/programmes/{id}/sessions/{sid}");

    // Read: any authenticated caller, as the list; with its ETag.
    let read = app.get(&path, &app.school(&team.schools[0].urn)).await;
    assert_status(&read, 200);
    assert_eq!(read.etag(), "\"v1\"");
    assert_eq!(read.body["version"], 1);
    assert_eq!(read.body["date"], json!(day(-7)));
    app.get(
        &format!("/api/v1/programmes/{id}/sessions/{}", uuid::Uuid::nil()),
        &token,
    )
    .await
    .assert_problem(404, "not_found");
    let other_programme = app
        .post(
            "/api/v1/programmes",
            &app.manager(&other),
            &programme(&other.zone.id.to_string(), None, 5),
        )
        .await;
    assert_status(&other_programme, 201);
    app.get(
        &format!("/api/v1/programmes/{}/sessions/{sid}", other_programme.id()),
        &token,
    )
    .await
    .assert_problem(404, "not_found");

    let put = |token: String, etag: Option<&'static str>, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.call_if_match(Method::PUT, &path, &token, etag, Some(&body))
                .await
        }
    };
    let moved = json!({"date": day(7), "starts_at": "13:00:00", "ends_at": "15:00:00", "topic": "Welcome back"});
    // Roles and scope: schools 403; another zone's team 404.
    put(
        app.school(&team.schools[0].urn),
        Some("\"v1\""),
        moved.clone(),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    put(app.manager(&other), Some("\"v1\""), moved.clone())
        .await
        .assert_problem(404, "not_found");
    // The payload is checked before If-Match.
    let mut unknown = moved.clone();
    unknown["location"] = json!("Hall");
    assert_field_error(
        &put(token.clone(), None, unknown).await,
        "location",
        "unknown_field",
    );
    let mut invalid = moved.clone();
    invalid["date"] = json!("2027-02-30");
    assert_field_error(
        &put(token.clone(), None, invalid).await,
        "date",
        "invalid_value",
    );
    let mut outside = moved.clone();
    outside["date"] = json!(day(61));
    assert_field_error(
        &put(token.clone(), None, outside).await,
        "date",
        "outside_programme",
    );
    let mut backwards = moved.clone();
    backwards["ends_at"] = json!("12:00:00");
    assert_field_error(
        &put(token.clone(), None, backwards).await,
        "ends_at",
        "before_start",
    );
    put(token.clone(), None, moved.clone())
        .await
        .assert_problem(428, "if_match_required");
    put(token.clone(), Some("\"v7\""), moved.clone())
        .await
        .assert_problem(412, "version_mismatch");
    assert_eq!(app.get(&path, &token).await.body["date"], json!(day(-7)));

    // No attendance yet: a practitioner of the team moves it into the future.
    let r = put(app.practitioner(&team, 0), Some("\"v1\""), moved.clone()).await;
    assert_status(&r, 200);
    assert_eq!(r.etag(), "\"v2\"");
    assert_eq!(r.body["date"], json!(day(7)));
    assert_eq!(r.body["starts_at"], "13:00:00");
    assert_eq!(r.body["topic"], "Welcome back");
    assert!(r.body["updated_at"].is_string());
    put(token.clone(), Some("\"v1\""), moved.clone())
        .await
        .assert_problem(412, "version_mismatch");

    // Attendance recorded: the session took place. Correcting it to a past
    // day stands; moving it to a day after today does not.
    let status = format!("/api/v1/programmes/{id}/status");
    let r = app
        .call_if_match(
            Method::POST,
            &status,
            &token,
            Some(&p.etag()),
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_status(&r, 200);
    let e = enrol(&app, &id, &token, "A").await;
    assert_status(&e, 201);
    let r = app
        .call_if_match(
            Method::PUT,
            &format!("{path}/attendance"),
            &token,
            Some("*"),
            Some(&json!({"records": [{"enrolment_id": e.id(), "status": "attended"}]})),
        )
        .await;
    assert_status(&r, 200);
    let mut later = moved.clone();
    later["date"] = json!(day(14));
    assert_field_error(
        &put(token.clone(), Some("\"v2\""), later).await,
        "date",
        "session_attended",
    );
    let mut retimed = moved.clone();
    retimed["starts_at"] = json!("14:00:00");
    assert_field_error(
        &put(token.clone(), Some("\"v2\""), retimed).await,
        "date",
        "session_attended",
    );
    let mut topic = moved.clone();
    topic["topic"] = json!("Welcome (corrected)");
    let r = put(token.clone(), Some("\"v2\""), topic).await;
    assert_status(&r, 200);
    assert_eq!(r.etag(), "\"v3\"");
    let mut back = moved.clone();
    back["date"] = json!(day(-6));
    let r = put(app.admin(), Some("\"v3\""), back).await;
    assert_status(&r, 200);
    assert_eq!(r.body["date"], json!(day(-6)));
    assert_eq!(r.etag(), "\"v4\"");
    let att = app.get(&format!("{path}/attendance"), &token).await;
    assert_eq!(att.body["records"][0]["status"], "attended");
}
