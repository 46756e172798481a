//! Advice and supervision over HTTP: partner organisations and their zones,
//! community-of-practice and group-supervision meetings with case
//! discussions limited to the zone's referrals, and actions marked done.

use sct_e2e::{assert_field_error, assert_status, items, upn, TestApp};
use serde_json::{json, Value};

fn partner(name: &str, zones: &[&str]) -> Value {
    json!({
        "name": name,
        "kind": "health",
        "email": "team@example.nhs.uk",
        "phone": "01603 000000",
        "zone_ids": zones
    })
}

#[tokio::test]
async fn managers_and_la_admin_keep_partners_and_the_zone_reads_them() {
    let app = TestApp::spawn().await;
    let a = app.team("S01").await;
    let b = app.team("S02").await;
    let zone_a = a.zone.id.to_string();
    let zone_b = b.zone.id.to_string();
    let manager = app.manager(&a);

    let created = app
        .post(
            "/api/v1/partners",
            &manager,
            &partner("School nursing", &[&zone_a]),
        )
        .await;
    assert_status(&created, 201);
    let id = created.id();
    assert_eq!(created.body["zone_ids"], json!([zone_a]));
    assert_eq!(created.body["kind"], "health");
    assert_field_error(
        &app.post(
            "/api/v1/partners",
            &manager,
            &partner("Wide", &[&zone_a, &zone_b]),
        )
        .await,
        "zone_ids",
        "zone_not_yours",
    );
    assert_field_error(
        &app.post(
            "/api/v1/partners",
            &manager,
            &partner("Elsewhere", &[&zone_b]),
        )
        .await,
        "zone_ids",
        "zone_not_yours",
    );
    let mut bad_mail = partner("X", &[&zone_a]);
    bad_mail["email"] = json!("not an email");
    assert_field_error(
        &app.post("/api/v1/partners", &manager, &bad_mail).await,
        "email",
        "email",
    );
    assert_field_error(
        &app.post(
            "/api/v1/partners",
            &manager,
            &partner("X", &[&uuid::Uuid::nil().to_string()]),
        )
        .await,
        "zone_ids[0]",
        "unknown_zone",
    );
    for token in [app.practitioner(&a, 0), app.school(&a.schools[0].urn)] {
        app.post("/api/v1/partners", &token, &partner("X", &[&zone_a]))
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.get("/api/v1/partners", &app.school(&a.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("partners").await, 1);

    let path = format!("/api/v1/partners/{id}");
    assert_status(&app.get(&path, &app.practitioner(&a, 1)).await, 200);
    app.get(&path, &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        items(&app.get("/api/v1/partners", &app.practitioner(&a, 0)).await).len(),
        1
    );
    assert_eq!(
        items(&app.get("/api/v1/partners", &app.practitioner(&b, 0)).await).len(),
        0
    );
    let foreign = app
        .get(
            &format!("/api/v1/partners?zone_id={zone_b}"),
            &app.practitioner(&a, 0),
        )
        .await;
    assert_eq!(items(&foreign).len(), 0);
    app.put(
        &path,
        &app.manager(&b),
        Some("\"v1\""),
        &partner("Taken", &[&zone_b]),
    )
    .await
    .assert_problem(404, "not_found");

    // la_admin widens the partner to zone B; then B's team reads it.
    let admin = app.admin();
    app.put(
        &path,
        &admin,
        None,
        &partner("School nursing", &[&zone_a, &zone_b]),
    )
    .await
    .assert_problem(428, "if_match_required");
    let widened = app
        .put(
            &path,
            &admin,
            Some("\"v1\""),
            &partner("School nursing", &[&zone_a, &zone_b]),
        )
        .await;
    assert_status(&widened, 200);
    assert_eq!(widened.etag(), "\"v2\"");
    assert_eq!(widened.body["zone_ids"].as_array().expect("zones").len(), 2);
    assert_status(&app.get(&path, &app.manager(&b)).await, 200);
    assert_eq!(
        items(
            &app.get("/api/v1/partners?kind=health", &app.practitioner(&b, 0))
                .await
        )
        .len(),
        1
    );
    assert_eq!(
        items(&app.get("/api/v1/partners?kind=voluntary", &admin).await).len(),
        0
    );
    // A's manager may rename it but not drop B's zone.
    assert_field_error(
        &app.put(
            &path,
            &manager,
            Some("\"v2\""),
            &partner("Mine now", &[&zone_a]),
        )
        .await,
        "zone_ids",
        "zone_not_yours",
    );
    app.put(
        &path,
        &manager,
        Some("\"v1\""),
        &partner("Renamed", &[&zone_a, &zone_b]),
    )
    .await
    .assert_problem(412, "version_mismatch");
    let renamed = app
        .put(
            &path,
            &manager,
            Some("\"v2\""),
            &partner("School nursing (North)", &[&zone_b, &zone_a]),
        )
        .await;
    assert_status(&renamed, 200);
    assert_eq!(renamed.body["name"], "School nursing (North)");
}

#[tokio::test]
async fn practice_sessions_discuss_the_zones_referrals_and_track_actions() {
    let app = TestApp::spawn().await;
    let a = app.team("S03").await;
    let b = app.team("S04").await;
    let admin = app.admin();
    let nursing = app
        .post(
            "/api/v1/partners",
            &admin,
            &partner("School nursing", &[&a.zone.id.to_string()]),
        )
        .await;
    assert_status(&nursing, 201);
    let ours = app.submit(&a.schools[0].urn, &upn(1), 4).await.id();
    let theirs = app.submit(&b.schools[0].urn, &upn(2), 4).await.id();

    let body = |referral: &str| {
        json!({
            "kind": "group_supervision",
            "zone_id": a.zone.id,
            "held_on": "2026-11-26",
            "facilitator_id": a.manager.id,
            "themes": ["emotionally based school avoidance"],
            "attendees": {
                "worker_ids": [a.practitioners[0].id, a.practitioners[1].id],
                "partners": [{"partner_id": nursing.id(), "name": "Jo Nurse"}]
            },
            "case_discussions": [{"referral_id": referral, "summary": "Year 5 pupil, mornings improving"}],
            "actions": [{"description": "Share the EBSA toolkit", "owner_id": a.practitioners[0].id, "due_on": "2026-12-10"}]
        })
    };
    let practitioner = app.practitioner(&a, 0);
    assert_field_error(
        &app.post("/api/v1/practice-sessions", &practitioner, &body(&theirs))
            .await,
        "case_discussions[0].referral_id",
        "referral_not_in_zone",
    );
    let mut wrong_facilitator = body(&ours);
    wrong_facilitator["facilitator_id"] = json!(b.manager.id);
    assert_field_error(
        &app.post(
            "/api/v1/practice-sessions",
            &practitioner,
            &wrong_facilitator,
        )
        .await,
        "facilitator_id",
        "worker_not_in_team",
    );
    let mut kind = body(&ours);
    kind["kind"] = json!("coffee_morning");
    assert_field_error(
        &app.post("/api/v1/practice-sessions", &practitioner, &kind)
            .await,
        "kind",
        "invalid_value",
    );
    app.post(
        "/api/v1/practice-sessions",
        &app.practitioner(&b, 0),
        &body(&ours),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        "/api/v1/practice-sessions",
        &app.school(&a.schools[0].urn),
        &body(&ours),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("practice_sessions").await, 0);

    let created = app
        .post("/api/v1/practice-sessions", &practitioner, &body(&ours))
        .await;
    assert_status(&created, 201);
    assert_eq!(created.body["attendees"].as_array().expect("a").len(), 3);
    assert_eq!(created.body["case_discussions"][0]["referral_id"], ours);
    assert_eq!(created.body["actions"][0]["done"], false);
    let path = created.header("location").expect("location").to_owned();
    let action = created.body["actions"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    assert_status(&app.get(&path, &app.manager(&a)).await, 200);
    app.get(&path, &app.practitioner(&b, 0))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.school(&a.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    assert_eq!(
        items(&app.get("/api/v1/practice-sessions", &app.manager(&a)).await).len(),
        1
    );
    assert_eq!(
        items(&app.get("/api/v1/practice-sessions", &app.manager(&b)).await).len(),
        0
    );
    assert_eq!(
        items(
            &app.get(
                "/api/v1/practice-sessions?kind=community_of_practice",
                &admin
            )
            .await
        )
        .len(),
        0
    );

    let done_path = format!("{path}/actions/{action}");
    app.put(&done_path, &practitioner, None, &json!({"done": true}))
        .await
        .assert_problem(428, "if_match_required");
    app.put(
        &done_path,
        &practitioner,
        Some("\"v9\""),
        &json!({"done": true}),
    )
    .await
    .assert_problem(412, "version_mismatch");
    app.put(
        &done_path,
        &app.manager(&b),
        Some("\"v1\""),
        &json!({"done": true}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_field_error(
        &app.put(
            &done_path,
            &practitioner,
            Some("\"v1\""),
            &json!({"done": "yes"}),
        )
        .await,
        "done",
        "invalid_value",
    );
    let done = app
        .put(
            &done_path,
            &practitioner,
            Some("\"v1\""),
            &json!({"done": true}),
        )
        .await;
    assert_status(&done, 200);
    assert_eq!(done.etag(), "\"v2\"");
    assert_eq!(done.body["actions"][0]["done"], true);
}

#[tokio::test]
async fn a_practice_session_is_corrected_with_if_match_and_the_zone_rule() {
    let app = TestApp::spawn().await;
    let a = app.team("S05").await;
    let b = app.team("S06").await;
    let ours = app.submit(&a.schools[0].urn, &upn(5), 4).await.id();
    let also_ours = app.submit(&a.schools[1].urn, &upn(6), 4).await.id();
    let theirs = app.submit(&b.schools[0].urn, &upn(7), 4).await.id();
    let practitioner = app.practitioner(&a, 0);
    let created = app
        .post(
            "/api/v1/practice-sessions",
            &practitioner,
            &json!({
                "kind": "group_supervision",
                "zone_id": a.zone.id,
                "held_on": "2026-11-26",
                "facilitator_id": a.manager.id,
                "themes": ["transition"],
                "attendees": {"worker_ids": [a.practitioners[0].id]},
                "case_discussions": [{"referral_id": ours, "summary": "Mornings improving"}],
                "actions": [{"description": "Share the toolkit", "owner_id": a.practitioners[0].id, "due_on": "2026-12-10"}]
            }),
        )
        .await;
    assert_status(&created, 201);
    let path = created.header("location").expect("location").to_owned();
    let etag = created.etag();
    let fix = |referral: &str| {
        json!({
            "kind": "community_of_practice",
            "held_on": "2026-11-27",
            "facilitator_id": a.practitioners[1].id,
            "themes": ["transition", "attendance"],
            "attendees": {"worker_ids": [a.practitioners[0].id, a.manager.id]},
            "case_discussions": [{"referral_id": referral, "summary": "Joint visit agreed"}]
        })
    };

    // Refusals: role, other zone, bad payload, another zone's referral, no or stale If-Match.
    app.put(
        &path,
        &app.school(&a.schools[0].urn),
        Some(&etag),
        &fix(&also_ours),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.put(&path, &app.manager(&b), Some(&etag), &fix(&also_ours))
        .await
        .assert_problem(404, "not_found");
    let mut unknown = fix(&also_ours);
    unknown["zone_id"] = json!(b.zone.id);
    assert_field_error(
        &app.put(&path, &practitioner, Some(&etag), &unknown).await,
        "zone_id",
        "unknown_field",
    );
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v9\""), &fix(&theirs))
            .await,
        "case_discussions[0].referral_id",
        "referral_not_in_zone",
    );
    let mut outsider = fix(&also_ours);
    outsider["facilitator_id"] = json!(b.manager.id);
    assert_field_error(
        &app.put(&path, &practitioner, Some(&etag), &outsider).await,
        "facilitator_id",
        "worker_not_in_team",
    );
    app.put(&path, &practitioner, None, &fix(&also_ours))
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &practitioner, Some("\"v9\""), &fix(&also_ours))
        .await
        .assert_problem(412, "version_mismatch");
    let unchanged = app.get(&path, &practitioner).await;
    assert_eq!(unchanged.etag(), etag);
    assert_eq!(unchanged.body["kind"], "group_supervision");

    let fixed = app
        .put(&path, &practitioner, Some(&etag), &fix(&also_ours))
        .await;
    assert_status(&fixed, 200);
    assert_eq!(fixed.etag(), "\"v2\"");
    assert_eq!(fixed.body["kind"], "community_of_practice");
    assert_eq!(fixed.body["held_on"], "2026-11-27");
    assert_eq!(fixed.body["zone_id"], json!(a.zone.id));
    assert_eq!(fixed.body["facilitator_id"], json!(a.practitioners[1].id));
    assert_eq!(fixed.body["themes"], json!(["transition", "attendance"]));
    assert_eq!(fixed.body["attendees"].as_array().expect("a").len(), 2);
    let discussions = fixed.body["case_discussions"].as_array().expect("d");
    assert_eq!(discussions.len(), 1);
    assert_eq!(discussions[0]["referral_id"], also_ours);
    assert_eq!(
        fixed.body["actions"], created.body["actions"],
        "actions kept"
    );
    app.put(&path, &app.admin(), Some(&etag), &fix(&ours))
        .await
        .assert_problem(412, "version_mismatch");
    assert_status(
        &app.put(&path, &app.admin(), Some("\"v2\""), &fix(&ours))
            .await,
        200,
    );
}

#[tokio::test]
async fn practice_sessions_page_newest_first_across_equal_dates() {
    let app = TestApp::spawn().await;
    let a = app.team("S07").await;
    let practitioner = app.practitioner(&a, 0);
    for held_on in [
        "2026-11-20",
        "2026-11-26",
        "2026-11-26",
        "2026-11-10",
        "2026-11-26",
    ] {
        let r = app
            .post(
                "/api/v1/practice-sessions",
                &practitioner,
                &json!({
                    "kind": "community_of_practice",
                    "zone_id": a.zone.id,
                    "held_on": held_on,
                    "facilitator_id": a.manager.id,
                }),
            )
            .await;
        assert_status(&r, 201);
    }
    // One a page: the keyset (held_on, id) carries across equal dates.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut path = "/api/v1/practice-sessions?limit=1".to_owned();
    loop {
        let page = app.get(&path, &app.manager(&a)).await;
        assert_status(&page, 200);
        for s in items(&page) {
            seen.push((
                s["held_on"].as_str().expect("held_on").to_owned(),
                s["id"].as_str().expect("id").to_owned(),
            ));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/practice-sessions?limit=1&cursor={c}"),
            None => break,
        }
    }
    let mut expected = seen.clone();
    expected.sort();
    expected.reverse();
    expected.dedup();
    assert_eq!(seen, expected, "newest first, each once");
    assert_eq!(seen.len(), 5);
}
