//! The council's configuration over HTTP: zones, teams, workers and schools,
//! who may change them, `If-Match` on updates, paging, and how they route
//! and allocate referrals.

use chrono::NaiveDate;
use sct_e2e::{
    assert_field_error, assert_status, days_from_today, items, upn, Reply, TestApp, TestTeam,
};
use serde_json::{json, Value};
use uuid::Uuid;

async fn create_zone(app: &TestApp, token: &str, code: &str) -> Reply {
    app.post(
        "/api/v1/zones",
        token,
        &json!({ "code": code, "name": format!("Zone {code}") }),
    )
    .await
}

fn operational() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 6, 1).expect("date")
}

/// A referral of the team's first school, accepted and allocated to `worker`.
async fn allocate_one(app: &TestApp, t: &TestTeam, child: u32, body: &Value) -> Reply {
    let created = app.submit(&t.schools[0].urn, &upn(child), 4).await;
    assert_status(&created, 201);
    let id = created.id();
    let manager = app.manager(t);
    let accepted = app
        .act(&id, "accept", &manager, &created.etag(), &json!({}))
        .await;
    assert_status(&accepted, 200);
    app.act(&id, "allocate", &manager, &accepted.etag(), body)
        .await
}

#[tokio::test]
async fn la_admin_creates_zones_with_unique_valid_codes() {
    let app = TestApp::spawn().await;
    let admin = app.admin();

    let created = create_zone(&app, &admin, "C-NORTH-1").await;
    assert_status(&created, 201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/zones/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.body["code"], "C-NORTH-1");
    assert_eq!(created.body["name"], "Zone C-NORTH-1");
    assert_eq!(created.body["version"], 1);

    let read = app
        .get(&format!("/api/v1/zones/{id}"), &app.school("123456"))
        .await;
    assert_status(&read, 200);
    assert_eq!(read.etag(), "\"v1\"");
    assert_eq!(read.body["code"], "C-NORTH-1");

    create_zone(&app, &admin, "C-NORTH-1")
        .await
        .assert_problem(409, "already_exists");
    let too_long = "C".repeat(33);
    for bad in ["lower case", "c01", "-C01", "", "C01_X", too_long.as_str()] {
        assert_field_error(
            &create_zone(&app, &admin, bad).await,
            "code",
            "invalid_zone_code",
        );
    }
    let t = app.team("C01").await;
    for token in [
        app.manager(&t),
        app.practitioner(&t, 0),
        app.school(&t.schools[0].urn),
    ] {
        create_zone(&app, &token, "C-SOUTH")
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    assert_eq!(app.db.count("zones").await, 2);
}

#[tokio::test]
async fn zones_list_in_pages_ordered_by_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for code in ["P3", "P1", "P2"] {
        assert_status(&create_zone(&app, &admin, code).await, 201);
    }
    let school = app.school("123456");

    let all = app.get("/api/v1/zones", &school).await;
    assert_status(&all, 200);
    let codes: Vec<&str> = items(&all)
        .iter()
        .map(|z| z["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["P1", "P2", "P3"]);
    assert!(all.body.get("next_cursor").is_none(), "{}", all.text);

    let mut seen = Vec::new();
    let mut path = "/api/v1/zones?limit=1".to_owned();
    for _ in 0..3 {
        let page = app.get(&path, &admin).await;
        assert_status(&page, 200);
        assert_eq!(items(&page).len(), 1, "{}", page.text);
        seen.push(items(&page)[0]["code"].as_str().expect("code").to_owned());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/zones?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["P1", "P2", "P3"], "the last page has no next_cursor");

    app.get("/api/v1/zones?limit=0", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/zones?cursor=!!", &admin)
        .await
        .assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn a_zone_is_renamed_with_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create_zone(&app, &admin, "R01").await;
    assert_status(&created, 201);
    let path = format!("/api/v1/zones/{}", created.id());
    let body = json!({"name": "Zone R01 (Thetford)"});

    app.put(&path, &admin, None, &body)
        .await
        .assert_problem(428, "if_match_required");
    let renamed = app.put(&path, &admin, Some("\"v1\""), &body).await;
    assert_status(&renamed, 200);
    assert_eq!(renamed.etag(), "\"v2\"");
    assert_eq!(renamed.body["version"], 2);
    assert_eq!(renamed.body["name"], "Zone R01 (Thetford)");
    assert_eq!(renamed.body["code"], "R01");

    app.put(&path, &admin, Some("\"v1\""), &json!({"name": "stale"}))
        .await
        .assert_problem(412, "version_mismatch");
    let read = app.get(&path, &admin).await;
    assert_eq!(read.etag(), "\"v2\"");
    assert_eq!(read.body["name"], "Zone R01 (Thetford)");

    let unknown = format!("/api/v1/zones/{}", Uuid::new_v4());
    app.put(&unknown, &admin, Some("\"v1\""), &body)
        .await
        .assert_problem(404, "not_found");
    let t = app.team("R02").await;
    app.put(&path, &app.manager(&t), Some("\"v2\""), &body)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.put(
        &path,
        &admin,
        Some("\"v2\""),
        &json!({"name": "x", "code": "HACK"}),
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn each_zone_has_at_most_one_team() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let zone = create_zone(&app, &admin, "T01").await.id();
    let body = json!({"zone_id": zone, "name": "SCT T01", "operational_from": "2027-01-04"});

    let created = app.post("/api/v1/teams", &admin, &body).await;
    assert_status(&created, 201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/teams/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.body["zone_id"], zone);
    assert_eq!(created.body["operational_from"], "2027-01-04");

    let second = json!({"zone_id": zone, "name": "SCT T01 bis", "operational_from": "2027-01-04"});
    app.post("/api/v1/teams", &admin, &second)
        .await
        .assert_problem(409, "already_exists");
    let nowhere =
        json!({"zone_id": Uuid::new_v4(), "name": "Lost", "operational_from": "2027-01-04"});
    assert_field_error(
        &app.post("/api/v1/teams", &admin, &nowhere).await,
        "zone_id",
        "unknown_zone",
    );
    let other = app.team("T02").await;
    let by_manager = app.post("/api/v1/teams", &app.manager(&other), &body).await;
    by_manager.assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("teams").await, 2);

    let filtered = app
        .get(
            &format!("/api/v1/teams?zone_id={zone}"),
            &app.school(&other.schools[0].urn),
        )
        .await;
    assert_status(&filtered, 200);
    let ids: Vec<&str> = items(&filtered)
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let all = app.get("/api/v1/teams", &admin).await;
    assert_eq!(items(&all).len(), 2, "{}", all.text);
}

#[tokio::test]
async fn a_team_is_updated_with_if_match_and_its_date_routes_referrals() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("U01").await;
    let path = format!("/api/v1/teams/{}", t.team.id);
    let later = days_from_today(30).to_string();
    let body = json!({"name": "SCT U01 (renamed)", "operational_from": later});

    app.put(&path, &admin, None, &body)
        .await
        .assert_problem(428, "if_match_required");
    let updated = app.put(&path, &admin, Some("\"v1\""), &body).await;
    assert_status(&updated, 200);
    assert_eq!(updated.etag(), "\"v2\"");
    assert_eq!(updated.body["name"], "SCT U01 (renamed)");
    assert_eq!(updated.body["operational_from"], later);
    app.put(&path, &admin, Some("\"v1\""), &body)
        .await
        .assert_problem(412, "version_mismatch");
    app.put(
        &format!("/api/v1/teams/{}", Uuid::new_v4()),
        &admin,
        Some("\"v1\""),
        &body,
    )
    .await
    .assert_problem(404, "not_found");
    app.put(&path, &app.manager(&t), Some("\"v2\""), &body)
        .await
        .assert_problem(403, "forbidden_for_role");

    // Not operational any more: new referrals wait for the council.
    let created = app.submit(&t.schools[0].urn, &upn(1), 4).await;
    assert_status(&created, 201);
    assert_eq!(created.body["triage_queue"], "council");
    assert!(created.body["team"].is_null(), "{}", created.text);
}

#[tokio::test]
async fn la_admin_adds_workers_with_unique_subjects_and_bounded_caps() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("W01").await;
    let path = format!("/api/v1/teams/{}/workers", t.team.id);
    let body = json!({"subject": "w01-new", "name": "Alex", "job_role": "practitioner", "caseload_cap": 12});

    let created = app.post(&path, &admin, &body).await;
    assert_status(&created, 201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("{path}/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.body["caseload"], 0);
    assert_eq!(created.body["caseload_cap"], 12);
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["team_id"], t.team.id.to_string());

    app.post(&path, &admin, &body)
        .await
        .assert_problem(409, "already_exists");
    let too_many = json!({"subject": "w01-big", "name": "Big", "job_role": "practitioner", "caseload_cap": 201});
    assert_field_error(
        &app.post(&path, &admin, &too_many).await,
        "caseload_cap",
        "range",
    );
    let negative = json!({"subject": "w01-neg", "name": "Neg", "job_role": "practitioner", "caseload_cap": -1});
    assert_eq!(app.post(&path, &admin, &negative).await.status, 422);
    let bad_role =
        json!({"subject": "w01-r", "name": "R", "job_role": "la_admin", "caseload_cap": 1});
    assert_eq!(app.post(&path, &admin, &bad_role).await.status, 422);
    app.post(
        &path,
        &app.manager(&t),
        &json!({"subject": "w01-m", "name": "M", "job_role": "practitioner", "caseload_cap": 1}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.post(
        &format!("/api/v1/teams/{}/workers", Uuid::new_v4()),
        &admin,
        &json!({"subject": "w01-x", "name": "X", "job_role": "practitioner", "caseload_cap": 1}),
    )
    .await
    .assert_problem(404, "not_found");
    // The manager and three practitioners of the harness, plus Alex.
    assert_eq!(app.db.count("workers").await, 5);
}

#[tokio::test]
async fn a_manager_lists_their_own_team_with_caseloads() {
    let app = TestApp::spawn().await;
    let t = app.team("W02").await;
    let other = app.team("W03").await;
    let holder = t.practitioners[1].id;
    assert_status(
        &allocate_one(&app, &t, 1, &json!({ "worker_id": holder })).await,
        200,
    );

    let path = format!("/api/v1/teams/{}/workers", t.team.id);
    let listed = app.get(&path, &app.manager(&t)).await;
    assert_status(&listed, 200);
    assert_eq!(items(&listed).len(), 4, "{}", listed.text);
    for w in items(&listed) {
        let expected = i64::from(w["id"] == holder.to_string());
        assert_eq!(w["caseload"], expected, "{w}");
    }
    let one = app.get(&format!("{path}/{holder}"), &app.manager(&t)).await;
    assert_status(&one, 200);
    assert_eq!(one.body["caseload"], 1);
    assert_eq!(one.etag(), "\"v1\"");

    let page = app.get(&format!("{path}?limit=3"), &app.admin()).await;
    assert_status(&page, 200);
    assert_eq!(items(&page).len(), 3);
    let cursor = page.body["next_cursor"].as_str().expect("more workers");
    let rest = app
        .get(&format!("{path}?limit=3&cursor={cursor}"), &app.admin())
        .await;
    assert_eq!(items(&rest).len(), 1, "{}", rest.text);
    assert!(rest.body.get("next_cursor").is_none());

    app.get(&path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{path}/{holder}"), &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.school(&t.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&path, &app.practitioner(&t, 0))
        .await
        .assert_problem(403, "forbidden_for_role");
}

#[tokio::test]
async fn a_deactivated_worker_is_skipped_by_allocation() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team_with("W04", operational(), &[5, 5], 1).await;
    // Tie-breaking would choose the lowest id: deactivate exactly that worker.
    let favourite = t.practitioners.iter().map(|p| p.id).min().expect("workers");
    let remaining = t
        .practitioners
        .iter()
        .map(|p| p.id)
        .find(|id| *id != favourite)
        .expect("two workers");
    let path = format!("/api/v1/teams/{}/workers/{favourite}", t.team.id);
    let body = json!({"name": "On leave", "caseload_cap": 5, "active": false});

    app.put(&path, &admin, None, &body)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &app.manager(&t), Some("\"v1\""), &body)
        .await
        .assert_problem(403, "forbidden_for_role");
    let updated = app.put(&path, &admin, Some("\"v1\""), &body).await;
    assert_status(&updated, 200);
    assert_eq!(updated.body["active"], false);
    assert_eq!(updated.body["name"], "On leave");
    assert_eq!(updated.etag(), "\"v2\"");
    app.put(&path, &admin, Some("\"v1\""), &body)
        .await
        .assert_problem(412, "version_mismatch");
    app.put(
        &format!("/api/v1/teams/{}/workers/{}", t.team.id, Uuid::new_v4()),
        &admin,
        Some("\"v1\""),
        &body,
    )
    .await
    .assert_problem(404, "not_found");

    for child in 1..=2 {
        let auto = allocate_one(&app, &t, child, &json!({"auto": true})).await;
        assert_status(&auto, 200);
        assert_eq!(auto.body["worker"]["id"], remaining.to_string());
    }
    let manual = allocate_one(&app, &t, 3, &json!({ "worker_id": favourite })).await;
    manual.assert_problem(422, "worker_inactive");
}

#[tokio::test]
async fn la_admin_registers_schools_by_urn() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("S01").await;
    let body = json!({
        "urn": "555555", "name": "Example Primary", "la_code": "926",
        "establishment_number": "2001", "phase": "Primary", "postcode": "NR1 1AA",
        "zone_id": t.zone.id
    });

    let created = app.post("/api/v1/schools", &admin, &body).await;
    assert_status(&created, 201);
    assert_eq!(created.header("location"), Some("/api/v1/schools/555555"));
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.body["urn"], "555555");
    assert_eq!(created.body["status"], "open");
    assert_eq!(created.body["zone_id"], t.zone.id.to_string());

    app.post("/api/v1/schools", &admin, &body)
        .await
        .assert_problem(409, "already_exists");
    for urn in ["12345", "1234567", "12345a", ""] {
        let bad = json!({"urn": urn, "name": "Bad"});
        assert_field_error(
            &app.post("/api/v1/schools", &admin, &bad).await,
            "urn",
            "invalid_urn",
        );
    }
    let bad_la = json!({"urn": "444444", "name": "Bad LA", "la_code": "92"});
    assert_field_error(
        &app.post("/api/v1/schools", &admin, &bad_la).await,
        "la_code",
        "invalid_la_code",
    );
    let lost = json!({"urn": "444444", "name": "Lost", "zone_id": Uuid::new_v4()});
    assert_field_error(
        &app.post("/api/v1/schools", &admin, &lost).await,
        "zone_id",
        "unknown_zone",
    );
    let by_school = app
        .post(
            "/api/v1/schools",
            &app.school("555555"),
            &json!({"urn": "444444", "name": "Mine"}),
        )
        .await;
    by_school.assert_problem(403, "forbidden_for_role");
    // Two harness schools and the one registered here.
    assert_eq!(app.db.count("schools").await, 3);

    // A registered school can refer straight away, to its zone's team.
    let referral = app.submit("555555", &upn(1), 4).await;
    assert_status(&referral, 201);
    assert_eq!(referral.body["team"]["id"], t.team.id.to_string());
}

#[tokio::test]
async fn a_school_sees_only_its_own_school() {
    let app = TestApp::spawn().await;
    let t = app.team("S02").await;
    let own = &t.schools[0].urn;
    let other = &t.schools[1].urn;
    let token = app.school(own);

    let read = app.get(&format!("/api/v1/schools/{own}"), &token).await;
    assert_status(&read, 200);
    assert_eq!(read.body["urn"], own.as_str());
    assert_eq!(read.etag(), "\"v1\"");
    app.get(&format!("/api/v1/schools/{other}"), &token)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/schools/999999", &app.admin())
        .await
        .assert_problem(404, "not_found");

    let listed = app.get("/api/v1/schools", &token).await;
    assert_status(&listed, 200);
    let urns: Vec<&str> = items(&listed)
        .iter()
        .map(|s| s["urn"].as_str().expect("urn"))
        .collect();
    assert_eq!(urns, [own.as_str()]);
    let by_admin = app.get("/api/v1/schools", &app.admin()).await;
    assert_eq!(items(&by_admin).len(), 2, "{}", by_admin.text);
}

#[tokio::test]
async fn a_school_listing_its_one_school_gets_no_next_cursor() {
    let app = TestApp::spawn().await;
    let t = app.team("S03").await;
    let own = &t.schools[0].urn;
    let listed = app.get("/api/v1/schools?limit=1", &app.school(own)).await;
    assert_status(&listed, 200);
    assert_eq!(items(&listed).len(), 1, "{}", listed.text);
    assert!(
        listed.body.get("next_cursor").is_none(),
        "no further school is visible: {}",
        listed.text
    );
}

#[tokio::test]
async fn moving_a_school_routes_its_new_referrals_to_the_new_team() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let a = app.team("M01").await;
    let b = app.team("M02").await;
    let urn = a.schools[0].urn.clone();
    let path = format!("/api/v1/schools/{urn}/zone");

    let before = app.submit(&urn, &upn(1), 4).await;
    assert_status(&before, 201);
    assert_eq!(before.body["team"]["id"], a.team.id.to_string());

    let to_b = json!({"zone_id": b.zone.id});
    app.put(&path, &admin, None, &to_b)
        .await
        .assert_problem(428, "if_match_required");
    assert_field_error(
        &app.put(
            &path,
            &admin,
            Some("\"v1\""),
            &json!({"zone_id": Uuid::new_v4()}),
        )
        .await,
        "zone_id",
        "unknown_zone",
    );
    app.put(&path, &app.manager(&a), Some("\"v1\""), &to_b)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.put("/api/v1/schools/999999/zone", &admin, Some("\"v1\""), &to_b)
        .await
        .assert_problem(404, "not_found");

    let moved = app.put(&path, &admin, Some("\"v1\""), &to_b).await;
    assert_status(&moved, 200);
    assert_eq!(moved.body["zone_id"], b.zone.id.to_string());
    assert_eq!(moved.etag(), "\"v2\"");
    app.put(
        &path,
        &admin,
        Some("\"v1\""),
        &json!({"zone_id": a.zone.id}),
    )
    .await
    .assert_problem(412, "version_mismatch");

    let after = app.submit(&urn, &upn(2), 4).await;
    assert_status(&after, 201);
    assert_eq!(after.body["team"]["id"], b.team.id.to_string());
    assert_eq!(after.body["zone"]["id"], b.zone.id.to_string());
    let old = app
        .get(&format!("/api/v1/referrals/{}", before.id()), &admin)
        .await;
    assert_eq!(
        old.body["team"]["id"],
        a.team.id.to_string(),
        "existing referrals stay"
    );
    let seen_by_a = app
        .get(
            &format!("/api/v1/referrals/{}", before.id()),
            &app.manager(&a),
        )
        .await;
    assert_status(&seen_by_a, 200);

    // Without a zone, new referrals wait for the council.
    let unzoned = app
        .put(&path, &admin, Some("\"v2\""), &json!({"zone_id": null}))
        .await;
    assert_status(&unzoned, 200);
    assert!(unzoned.body["zone_id"].is_null());
    let waiting = app.submit(&urn, &upn(3), 4).await;
    assert_status(&waiting, 201);
    assert_eq!(waiting.body["triage_queue"], "council");
    assert_eq!(waiting.body["triage_reason"], "school_has_no_zone");
}
