//! Family Hubs and schools over HTTP (issue 15): schools read the hubs of
//! their zone; a zone's team records which schools a hub is connected with;
//! schools read their own connections only; the report counts schools
//! connected and not yet connected per zone.

use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, TestApp, TestTeam};
use serde_json::{json, Value};

async fn hub_of(app: &TestApp, team: &TestTeam, name: &str) -> String {
    let r = app
        .post(
            "/api/v1/family-hubs",
            &app.admin(),
            &json!({"name": name, "address": "1 Example Street", "postcode": "NR1 2DH", "zone_id": team.zone.id}),
        )
        .await;
    assert_status(&r, 201);
    r.id()
}

fn connection(urn: &str) -> Value {
    json!({
        "school_urn": urn,
        "introduced_on": "2026-09-15",
        "hub_contact": {"name": "Sam Carter", "role": "Family Hub coordinator"},
        "school_contact": {"name": "Alex Morgan", "role": "SENCO"},
        "joint_activities": ["Parents' coffee morning at the school each half term"]
    })
}

fn items(r: &sct_e2e::Reply) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn schools_read_the_hubs_of_their_zone_only() {
    let app = TestApp::spawn().await;
    let a = app.team("HA1").await;
    let b = app.team("HB2").await;
    let hub_a = hub_of(&app, &a, "Attleborough Family Hub").await;
    let hub_b = hub_of(&app, &b, "Brandon Family Hub").await;
    let school = app.school(&a.schools[0].urn);
    let list = app.get("/api/v1/family-hubs", &school).await;
    assert_status(&list, 200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![hub_a.as_str()],
        "only the hub of the school's zone"
    );
    let other_zone = app
        .get(
            &format!("/api/v1/family-hubs?zone_id={}", b.zone.id),
            &school,
        )
        .await;
    assert_status(&other_zone, 200);
    assert!(items(&other_zone).is_empty());
    assert_status(
        &app.get(&format!("/api/v1/family-hubs/{hub_a}"), &school)
            .await,
        200,
    );
    app.get(&format!("/api/v1/family-hubs/{hub_b}"), &school)
        .await
        .assert_problem(404, "not_found");
    // An MIS client of the school reads as the school does.
    let (id, secret, _) = app.register_client(&[&a.schools[0].urn]).await;
    let mis = app.client_token(&id, &secret).await;
    assert_eq!(items(&app.get("/api/v1/family-hubs", &mis).await).len(), 1);
    app.get(&format!("/api/v1/family-hubs/{hub_b}"), &mis)
        .await
        .assert_problem(404, "not_found");
    // Schools still do not write hubs.
    app.post(
        "/api/v1/family-hubs",
        &school,
        &json!({"name": "X", "address": "Y", "postcode": "NR1 2DH", "zone_id": a.zone.id}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
}

#[tokio::test]
async fn the_zone_team_connects_a_hub_with_its_schools_once_and_changes_it_with_if_match() {
    let app = TestApp::spawn().await;
    let a = app.team("HC1").await;
    let b = app.team("HD2").await;
    let hub = hub_of(&app, &a, "Dereham Family Hub").await;
    let path = format!("/api/v1/family-hubs/{hub}/schools");
    let urn = a.schools[0].urn.clone();
    let practitioner = app.practitioner(&a, 0);

    // Refusals first: nothing is stored.
    app.post(&path, &app.school(&urn), &connection(&urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    for other in [app.manager(&b), app.practitioner(&b, 0)] {
        app.post(&path, &other, &connection(&urn))
            .await
            .assert_problem(404, "not_found");
    }
    assert_field_error(
        &app.post(&path, &practitioner, &connection(&b.schools[0].urn))
            .await,
        "school_urn",
        "school_not_in_hub_zone",
    );
    assert_field_error(
        &app.post(&path, &practitioner, &connection("999999")).await,
        "school_urn",
        "unknown_school",
    );
    let mut future = connection(&urn);
    future["introduced_on"] = json!("2199-01-01");
    assert_field_error(
        &app.post(&path, &practitioner, &future).await,
        "introduced_on",
        "in_future",
    );
    let mut stranger = connection(&urn);
    stranger["introduced_by_worker_id"] = json!(b.practitioners[0].id);
    assert_field_error(
        &app.post(&path, &practitioner, &stranger).await,
        "introduced_by_worker_id",
        "unknown_worker",
    );
    let mut blank = connection(&urn);
    blank["joint_activities"] = json!(["  "]);
    assert_field_error(
        &app.post(&path, &practitioner, &blank).await,
        "joint_activities[0]",
        "length",
    );
    let mut extra = connection(&urn);
    extra["hub_contact"]["email"] = json!("sam@example.org");
    assert_field_error(
        &app.post(&path, &practitioner, &extra).await,
        "hub_contact.email",
        "unknown_field",
    );
    assert_eq!(app.db.count("hub_school_connections").await, 0);

    let mut body = connection(&urn);
    body["introduced_by_worker_id"] = json!(a.practitioners[0].id);
    let created = app.post(&path, &practitioner, &body).await;
    assert_status(&created, 201);
    let one = format!("{path}/{urn}");
    assert_eq!(created.header("location"), Some(one.as_str()));
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(
        created.body["hub_contact"]["role"],
        "Family Hub coordinator"
    );
    assert_eq!(
        created.body["introduced_by_worker_id"],
        json!(a.practitioners[0].id)
    );
    app.post(&path, &app.manager(&a), &connection(&urn))
        .await
        .assert_problem(409, "already_exists");
    assert_eq!(app.db.count("hub_school_connections").await, 1);
    let audited: i64 = app
        .db
        .sql(&format!(
            "SELECT count(*) FROM audit_events WHERE subject_type = 'school' AND subject_id = '{urn}' AND method = 'POST' AND outcome = 201"
        ))
        .await
        .expect("sql")[0]
        .get(0);
    assert_eq!(audited, 1, "the write names the school");

    // Changes need If-Match; the school stays the path's.
    let mut change = connection(&urn);
    change["joint_activities"] = json!(["Transition evening", "Drop-in for parents"]);
    change["school_contact"] = Value::Null;
    app.call_if_match(Method::PUT, &one, &practitioner, None, Some(&change))
        .await
        .assert_problem(428, "if_match_required");
    app.call_if_match(
        Method::PUT,
        &one,
        &practitioner,
        Some("\"v9\""),
        Some(&change),
    )
    .await
    .assert_problem(412, "version_mismatch");
    let mut moved = change.clone();
    moved["school_urn"] = json!(a.schools[1].urn);
    assert_field_error(
        &app.call_if_match(
            Method::PUT,
            &one,
            &practitioner,
            Some("\"v1\""),
            Some(&moved),
        )
        .await,
        "school_urn",
        "school_mismatch",
    );
    app.call_if_match(
        Method::PUT,
        &one,
        &app.manager(&b),
        Some("\"v1\""),
        Some(&change),
    )
    .await
    .assert_problem(404, "not_found");
    let changed = app
        .call_if_match(
            Method::PUT,
            &one,
            &app.manager(&a),
            Some("\"v1\""),
            Some(&change),
        )
        .await;
    assert_status(&changed, 200);
    assert_eq!(changed.etag(), "\"v2\"");
    assert_eq!(changed.body["joint_activities"][1], "Drop-in for parents");
    assert!(
        changed.body.get("school_contact").is_none(),
        "absent, not null"
    );
}

#[tokio::test]
async fn a_school_reads_its_own_connections_and_the_report_counts_each_zone() {
    let app = TestApp::spawn().await;
    let a = app.team("HE1").await;
    let b = app.team("HF2").await;
    let hub = hub_of(&app, &a, "Swaffham Family Hub").await;
    let second = hub_of(&app, &a, "Watton Family Hub").await;
    let manager = app.manager(&a);
    let (s0, s1) = (a.schools[0].urn.clone(), a.schools[1].urn.clone());
    for (h, urn) in [(&hub, &s0), (&hub, &s1), (&second, &s0)] {
        assert_status(
            &app.post(
                &format!("/api/v1/family-hubs/{h}/schools"),
                &manager,
                &connection(urn),
            )
            .await,
            201,
        );
    }
    let path = format!("/api/v1/family-hubs/{hub}/schools");
    assert_eq!(items(&app.get(&path, &manager).await).len(), 2);
    let paged = app.get(&format!("{path}?limit=1"), &app.admin()).await;
    assert_eq!(items(&paged).len(), 1);
    assert!(paged.body["next_cursor"].is_string());
    let own = app.get(&path, &app.school(&s0)).await;
    assert_status(&own, 200);
    let own = items(&own);
    assert_eq!(own.len(), 1, "a school sees its own connection only");
    assert_eq!(own[0]["school_urn"], json!(s0));
    assert_status(
        &app.get(&format!("{path}/{s0}"), &app.school(&s0)).await,
        200,
    );
    app.get(&format!("{path}/{s1}"), &app.school(&s0))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.school(&b.schools[0].urn))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.practitioner(&b, 0))
        .await
        .assert_problem(404, "not_found");

    // The report: zone A has 2 hubs, all its open schools but one
    // connected; zone B none. By hand: A's schools are s0, s1 and s2.
    let report = app
        .get("/api/v1/reports/hub-connections", &app.admin())
        .await;
    assert_status(&report, 200);
    let zone = |code: &str| -> Value {
        report.body["zones"]
            .as_array()
            .expect("zones")
            .iter()
            .find(|z| z["zone_code"] == code)
            .cloned()
            .expect("the zone's line")
    };
    let za = zone(&a.zone.code);
    assert_eq!(za["hubs"], 2);
    assert_eq!(za["schools"], json!(a.schools.len()));
    assert_eq!(za["connected"], 2);
    assert_eq!(za["not_connected"], json!(a.schools.len() - 2));
    assert_eq!(za["connections"], 3);
    let zb = zone(&b.zone.code);
    assert_eq!(
        (zb["hubs"].clone(), zb["connected"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(zb["not_connected"], json!(b.schools.len()));

    let mine = app.get("/api/v1/reports/hub-connections", &manager).await;
    assert_status(&mine, 200);
    assert_eq!(mine.body["zones"].as_array().expect("zones").len(), 1);
    app.get(
        &format!("/api/v1/reports/hub-connections?zone_id={}", b.zone.id),
        &manager,
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/reports/hub-connections", &app.school(&s0))
        .await
        .assert_problem(403, "forbidden_for_role");
}
