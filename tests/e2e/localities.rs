//! Localities over HTTP: la_admin keeps them (Idempotency-Key, If-Match,
//! settings of the zone only, retirement); the zone's team and its schools
//! read them; practice sessions are held for one and list settings' staff
//! among their attendees.

use sct_e2e::{assert_field_error, assert_status, items, TestApp, TestTeam};
use serde_json::{json, Value};

fn locality(name: &str, t: &TestTeam, urns: &[&str]) -> Value {
    json!({"name": name, "zone_id": t.zone.id, "school_urns": urns})
}

#[tokio::test]
async fn la_admin_keeps_localities_of_a_zones_settings() {
    let app = TestApp::spawn().await;
    let a = app.team("LA").await;
    let b = app.team("LB").await;
    let admin = app.admin();
    let (a0, a1) = (a.schools[0].urn.as_str(), a.schools[1].urn.as_str());
    let b0 = b.schools[0].urn.as_str();

    // Refusals: role, settings of another zone, unknown or repeated
    // settings, unknown fields and zones, a blank name.
    for token in [app.manager(&a), app.practitioner(&a, 0), app.school(a0)] {
        app.post("/api/v1/localities", &token, &locality("North", &a, &[a0]))
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    assert_field_error(
        &app.post(
            "/api/v1/localities",
            &admin,
            &locality("North", &a, &[a0, b0]),
        )
        .await,
        "school_urns[1]",
        "school_not_in_zone",
    );
    assert_field_error(
        &app.post(
            "/api/v1/localities",
            &admin,
            &locality("North", &a, &["999999"]),
        )
        .await,
        "school_urns[0]",
        "unknown_school",
    );
    assert_field_error(
        &app.post(
            "/api/v1/localities",
            &admin,
            &locality("North", &a, &[a0, a0]),
        )
        .await,
        "school_urns[1]",
        "duplicate_school",
    );
    let mut unknown = locality("North", &a, &[a0]);
    unknown["colour"] = json!("green");
    assert_field_error(
        &app.post("/api/v1/localities", &admin, &unknown).await,
        "colour",
        "unknown_field",
    );
    let mut nowhere = locality("North", &a, &[]);
    nowhere["zone_id"] = json!(uuid::Uuid::nil());
    assert_field_error(
        &app.post("/api/v1/localities", &admin, &nowhere).await,
        "zone_id",
        "unknown_zone",
    );
    assert_field_error(
        &app.post("/api/v1/localities", &admin, &locality("  ", &a, &[]))
            .await,
        "name",
        "required",
    );
    assert_eq!(app.db.count("localities").await, 0);

    // Created once under one Idempotency-Key.
    let body = locality("North", &a, &[a1, a0]);
    let created = app
        .post_keyed("/api/v1/localities", &admin, "loc-north-1", &body)
        .await;
    assert_status(&created, 201);
    let again = app
        .post_keyed("/api/v1/localities", &admin, "loc-north-1", &body)
        .await;
    assert_status(&again, 201);
    assert_eq!(again.id(), created.id());
    assert_eq!(app.db.count("localities").await, 1);
    assert_eq!(created.body["school_urns"], json!([a0, a1]));
    assert_eq!(created.body["retired"], false);
    assert_eq!(created.etag(), "\"v1\"");
    let path = created.header("location").expect("location").to_owned();
    let theirs = app
        .post("/api/v1/localities", &admin, &locality("South", &b, &[b0]))
        .await;
    assert_status(&theirs, 201);
    let their_path = format!("/api/v1/localities/{}", theirs.id());

    // Reads: the zone's team and schools; another zone's answers 404.
    for token in [app.manager(&a), app.practitioner(&a, 1), app.school(a0)] {
        assert_status(&app.get(&path, &token).await, 200);
        app.get(&their_path, &token)
            .await
            .assert_problem(404, "not_found");
        let listed = app.get("/api/v1/localities", &token).await;
        assert_status(&listed, 200);
        assert_eq!(items(&listed).len(), 1);
        assert_eq!(items(&listed)[0]["id"], created.id());
        let foreign = app
            .get(&format!("/api/v1/localities?zone_id={}", b.zone.id), &token)
            .await;
        assert_eq!(items(&foreign).len(), 0);
    }
    assert_eq!(items(&app.get("/api/v1/localities", &admin).await).len(), 2);
    let only_b = app
        .get(&format!("/api/v1/localities?zone_id={}", b.zone.id), &admin)
        .await;
    assert_eq!(items(&only_b).len(), 1);
    assert_eq!(items(&only_b)[0]["id"], theirs.id());

    // Changes: la_admin only, with If-Match, settings of the zone.
    let change = |urns: &[&str], retired: bool| json!({"name": "North cluster", "zone_id": a.zone.id, "school_urns": urns, "retired": retired});
    app.put(
        &path,
        &app.manager(&a),
        Some("\"v1\""),
        &change(&[a0], false),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.put(&path, &admin, None, &change(&[a0], false))
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &admin, Some("\"v7\""), &change(&[a0], false))
        .await
        .assert_problem(412, "version_mismatch");
    assert_field_error(
        &app.put(&path, &admin, Some("\"v1\""), &change(&[a0, b0], false))
            .await,
        "school_urns[1]",
        "school_not_in_zone",
    );
    let mut unknown = change(&[a0], false);
    unknown["status"] = json!("retired");
    assert_field_error(
        &app.put(&path, &admin, Some("\"v1\""), &unknown).await,
        "status",
        "unknown_field",
    );
    app.put(
        &format!("/api/v1/localities/{}", uuid::Uuid::now_v7()),
        &admin,
        Some("\"v1\""),
        &change(&[a0], false),
    )
    .await
    .assert_problem(404, "not_found");
    let renamed = app
        .put(&path, &admin, Some("\"v1\""), &change(&[a0], false))
        .await;
    assert_status(&renamed, 200);
    assert_eq!(renamed.etag(), "\"v2\"");
    assert_eq!(renamed.body["name"], "North cluster");
    assert_eq!(renamed.body["school_urns"], json!([a0]));

    // Retired: out of the default list, kept in `retired=true`.
    let retired = app
        .put(&path, &admin, Some("\"v2\""), &change(&[a0], true))
        .await;
    assert_status(&retired, 200);
    assert_eq!(retired.body["retired"], true);
    assert!(retired.body["retired_at"].is_string());
    let mgr = app.manager(&a);
    assert_eq!(items(&app.get("/api/v1/localities", &mgr).await).len(), 0);
    assert_eq!(
        items(&app.get("/api/v1/localities?retired=true", &mgr).await).len(),
        1
    );
    // Moved to zone B with B's setting: allowed while no meeting was held for it.
    let moved = app
        .put(
            &path,
            &admin,
            Some("\"v3\""),
            &json!({"name": "North cluster", "zone_id": b.zone.id, "school_urns": [b0], "retired": false}),
        )
        .await;
    assert_status(&moved, 200);
    app.get(&path, &mgr).await.assert_problem(404, "not_found");
    assert_status(&app.get(&path, &app.school(b0)).await, 200);
}

#[tokio::test]
async fn localities_page_by_id() {
    let app = TestApp::spawn().await;
    let a = app.team("LC").await;
    let admin = app.admin();
    let mut made = Vec::new();
    for name in ["One", "Two", "Three"] {
        let r = app
            .post("/api/v1/localities", &admin, &locality(name, &a, &[]))
            .await;
        assert_status(&r, 201);
        made.push(r.id());
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/localities?limit=2".to_owned();
    loop {
        let page = app.get(&path, &app.practitioner(&a, 0)).await;
        assert_status(&page, 200);
        seen.extend(
            items(&page)
                .iter()
                .map(|l| l["id"].as_str().expect("id").to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/localities?limit=2&cursor={c}"),
            None => break,
        }
    }
    made.sort();
    assert_eq!(seen, made);
    app.get("/api/v1/localities?cursor=forged", &admin)
        .await
        .assert_problem(400, "invalid_cursor");
}

#[tokio::test]
async fn practice_sessions_hold_settings_staff_and_a_locality_of_their_zone() {
    let app = TestApp::spawn().await;
    let a = app.team("LD").await;
    let b = app.team("LE").await;
    let admin = app.admin();
    let (a0, a1) = (a.schools[0].urn.clone(), a.schools[1].urn.clone());
    let ours = app
        .post("/api/v1/localities", &admin, &locality("North", &a, &[&a0]))
        .await;
    assert_status(&ours, 201);
    let theirs = app
        .post(
            "/api/v1/localities",
            &admin,
            &locality("South", &b, &[&b.schools[0].urn]),
        )
        .await;
    assert_status(&theirs, 201);
    let practitioner = app.practitioner(&a, 0);
    let body = |locality: &str, setting: &str| {
        json!({
            "kind": "community_of_practice",
            "zone_id": a.zone.id,
            "held_on": "2026-11-20",
            "facilitator_id": a.manager.id,
            "locality_id": locality,
            "attendees": {
                "worker_ids": [a.practitioners[0].id],
                "settings": [
                    {"urn": setting, "role": "senco", "name": "Alex Senco"},
                    {"urn": a1, "role": "early_years_practitioner"}
                ]
            }
        })
    };
    assert_field_error(
        &app.post(
            "/api/v1/practice-sessions",
            &practitioner,
            &body(&theirs.id(), &a0),
        )
        .await,
        "locality_id",
        "locality_not_in_zone",
    );
    assert_field_error(
        &app.post(
            "/api/v1/practice-sessions",
            &practitioner,
            &body(&ours.id(), &b.schools[0].urn),
        )
        .await,
        "attendees.settings[0].urn",
        "setting_not_in_zone",
    );
    let mut role = body(&ours.id(), &a0);
    role["attendees"]["settings"][0]["role"] = json!("caretaker");
    assert_field_error(
        &app.post("/api/v1/practice-sessions", &practitioner, &role)
            .await,
        "attendees.settings[0].role",
        "invalid_value",
    );
    let mut extra = body(&ours.id(), &a0);
    extra["attendees"]["settings"][0]["phone"] = json!("01603 000000");
    app.post("/api/v1/practice-sessions", &practitioner, &extra)
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        "/api/v1/practice-sessions",
        &app.school(&a0),
        &body(&ours.id(), &a0),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("practice_sessions").await, 0);

    let created = app
        .post(
            "/api/v1/practice-sessions",
            &practitioner,
            &body(&ours.id(), &a0),
        )
        .await;
    assert_status(&created, 201);
    assert_eq!(created.body["locality_id"], ours.id());
    let attendees = created.body["attendees"].as_array().expect("attendees");
    assert_eq!(attendees.len(), 3);
    assert_eq!(attendees[1]["setting_urn"], json!(a0));
    assert_eq!(attendees[1]["staff_role"], "senco");
    assert_eq!(attendees[1]["representative_name"], "Alex Senco");
    assert_eq!(attendees[2]["staff_role"], "early_years_practitioner");
    assert!(attendees[2].get("representative_name").is_none());
    let path = created.header("location").expect("location").to_owned();
    app.get(&path, &app.manager(&b))
        .await
        .assert_problem(404, "not_found");

    // A locality with a meeting keeps its zone.
    assert_field_error(
        &app.put(
            &format!("/api/v1/localities/{}", ours.id()),
            &admin,
            Some("\"v1\""),
            &json!({"name": "North", "zone_id": b.zone.id, "school_urns": [], "retired": false}),
        )
        .await,
        "zone_id",
        "locality_in_use",
    );
    // Retired: not chosen for a new meeting, kept by a correction.
    let retired = app
        .put(
            &format!("/api/v1/localities/{}", ours.id()),
            &admin,
            Some("\"v1\""),
            &json!({"name": "North", "zone_id": a.zone.id, "school_urns": [a0], "retired": true}),
        )
        .await;
    assert_status(&retired, 200);
    assert_field_error(
        &app.post(
            "/api/v1/practice-sessions",
            &practitioner,
            &body(&ours.id(), &a0),
        )
        .await,
        "locality_id",
        "locality_retired",
    );
    let fix = json!({
        "kind": "group_supervision",
        "held_on": "2026-11-21",
        "facilitator_id": a.manager.id,
        "locality_id": ours.id(),
        "attendees": {"settings": [{"urn": a1, "role": "senco"}]}
    });
    app.put(&path, &app.manager(&b), Some("\"v1\""), &fix)
        .await
        .assert_problem(404, "not_found");
    app.put(&path, &practitioner, Some("\"v9\""), &fix)
        .await
        .assert_problem(412, "version_mismatch");
    let mut elsewhere = fix.clone();
    elsewhere["locality_id"] = json!(theirs.id());
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v1\""), &elsewhere)
            .await,
        "locality_id",
        "locality_not_in_zone",
    );
    let fixed = app.put(&path, &practitioner, Some("\"v1\""), &fix).await;
    assert_status(&fixed, 200);
    assert_eq!(fixed.body["locality_id"], ours.id());
    assert_eq!(fixed.body["attendees"].as_array().expect("a").len(), 1);
    assert_eq!(fixed.body["attendees"][0]["setting_urn"], json!(a1));
    let mut cleared = fix.clone();
    cleared.as_object_mut().expect("o").remove("locality_id");
    let cleared = app
        .put(&path, &practitioner, Some("\"v2\""), &cleared)
        .await;
    assert_status(&cleared, 200);
    assert!(cleared.body.get("locality_id").is_none());
}
