//! Settings beyond GIAS over HTTP (issue 15, item 1): an early-years setting
//! registered by its Ofsted number does what a school does (its staff's
//! token lists its identifier; it refers, is offered and holds a termly
//! conversation, appears in the coverage and schools reports), childminders
//! by a local id, the settings import, and every refusal: wrong role,
//! identifiers that do not fit their scheme, another zone's or another
//! setting's data, If-Match on moving a setting.

use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, days_from_today, referral_body, upn, TestApp};
use serde_json::{json, Value};

const IMPORT: &str = "/api/v1/settings/import";

fn acorns(zone: &str) -> Value {
    json!({
        "urn": "EY123456",
        "id_scheme": "ofsted",
        "kind": "early_years_setting",
        "name": "Little Acorns Pre-School",
        "postcode": "NR2 1AB",
        "zone_id": zone,
    })
}

/// A referral of a nursery-age child from `urn`.
fn early_referral(urn: &str, n: u32) -> Value {
    let mut body = referral_body(urn, &upn(n), 3);
    body["child"]["year_group"] = json!("N2");
    body["child"]["date_of_birth"] = json!("2022-05-01");
    body
}

async fn term_action(
    app: &TestApp,
    id: &str,
    what: &str,
    token: &str,
    etag: &str,
    body: &Value,
) -> sct_e2e::Reply {
    app.call_if_match(
        Method::POST,
        &format!("/api/v1/termly-conversations/{id}/{what}"),
        token,
        Some(etag),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn an_early_years_setting_refers_holds_its_termly_conversation_and_is_reported() {
    let app = TestApp::spawn().await;
    let t = app.team("EY1").await;
    let other = app.team("EY2").await;
    let zone = t.zone.id.to_string();
    let admin = app.admin();

    let created = app.post("/api/v1/schools", &admin, &acorns(&zone)).await;
    assert_status(&created, 201);
    assert_eq!(created.header("location"), Some("/api/v1/schools/EY123456"));
    assert_eq!(created.body["urn"], "EY123456");
    assert_eq!(created.body["id_scheme"], "ofsted");
    assert_eq!(created.body["kind"], "early_years_setting");
    assert_eq!(created.body["phase"], "early_years");
    assert_eq!(created.body["status"], "open");
    assert_eq!(created.body["zone_id"], zone.as_str());
    // A GIAS school reads as before, with its scheme and kind.
    let gias = app
        .get(&format!("/api/v1/schools/{}", t.schools[0].urn), &admin)
        .await;
    assert_eq!(gias.body["id_scheme"], "urn");
    assert_eq!(gias.body["kind"], "school");

    // The setting's staff: a school token listing its identifier.
    let setting = app.school("EY123456");
    let own = app.get("/api/v1/schools/EY123456", &setting).await;
    assert_status(&own, 200);
    let listed = app.get("/api/v1/schools", &setting).await;
    let urns: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["urn"].as_str().expect("urn"))
        .collect();
    assert_eq!(urns, vec!["EY123456"]);
    app.get(&format!("/api/v1/schools/{}", t.schools[0].urn), &setting)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/schools/EY123456", &app.school(&t.schools[0].urn))
        .await
        .assert_problem(404, "not_found");

    // It refers a child, routed to its zone's team.
    let referral = app
        .post(
            "/api/v1/referrals",
            &setting,
            &early_referral("EY123456", 1),
        )
        .await;
    assert_status(&referral, 201);
    assert_eq!(referral.body["school_urn"], "EY123456");
    assert_eq!(referral.body["zone"]["id"], zone.as_str());
    assert_eq!(referral.body["team"]["id"], t.team.id.to_string().as_str());
    let rid = referral.id();
    let path = format!("/api/v1/referrals/{rid}");
    assert_status(&app.get(&path, &setting).await, 200);
    assert_status(&app.get(&path, &app.manager(&t)).await, 200);
    // Another setting, another school, another zone's team: 404.
    for token in [
        app.school("EY654321"),
        app.school(&t.schools[0].urn),
        app.manager(&other),
    ] {
        app.get(&path, &token)
            .await
            .assert_problem(404, "not_found");
    }
    // A school cannot refer as the setting, nor the setting as a school.
    let r = app
        .post(
            "/api/v1/referrals",
            &app.school(&t.schools[0].urn),
            &early_referral("EY123456", 2),
        )
        .await;
    assert_field_error(&r, "school_urn", "unknown_school");
    let r = app
        .post(
            "/api/v1/referrals",
            &setting,
            &early_referral(&t.schools[0].urn, 3),
        )
        .await;
    assert_field_error(&r, "school_urn", "unknown_school");
    let mine = app
        .get("/api/v1/referrals?school_urn=EY123456", &setting)
        .await;
    assert_status(&mine, 200);
    assert_eq!(mine.body["items"].as_array().expect("items").len(), 1);

    // Offered with the zone's schools, it books and the team holds it.
    let offer = json!({"zone_id": zone, "academic_year": "2026/27", "term": "spring"});
    let offered = app
        .post(
            "/api/v1/termly-conversations/offer",
            &app.manager(&t),
            &offer,
        )
        .await;
    assert_status(&offered, 200);
    assert_eq!(offered.body["schools"], 3);
    assert_eq!(offered.body["created"], 3);
    let list = app.get("/api/v1/termly-conversations", &setting).await;
    assert_status(&list, 200);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["school_urn"], "EY123456");
    let cid = items[0]["id"].as_str().expect("id").to_owned();
    let conversation = format!("/api/v1/termly-conversations/{cid}");
    for token in [app.school(&t.schools[0].urn), app.manager(&other)] {
        app.get(&conversation, &token)
            .await
            .assert_problem(404, "not_found");
    }
    let etag = app.get(&conversation, &setting).await.etag();
    let booked = term_action(
        &app,
        &cid,
        "schedule",
        &setting,
        &etag,
        &json!({"date": days_from_today(-1)}),
    )
    .await;
    assert_status(&booked, 200);
    assert_eq!(booked.body["status"], "scheduled");
    let held = term_action(
        &app,
        &cid,
        "hold",
        &app.practitioner(&t, 0),
        &booked.etag(),
        &json!({
            "held_on": days_from_today(-1),
            "attendees": ["Setting manager", "SCT practitioner"],
            "children_discussed": 4
        }),
    )
    .await;
    assert_status(&held, 200);
    assert_eq!(held.body["status"], "held");

    // Coverage counts it among the zone's open settings.
    let coverage = app
        .get(
            "/api/v1/reports/termly-coverage?academic_year=2026/27&term=spring",
            &admin,
        )
        .await;
    assert_status(&coverage, 200);
    let row = coverage.body["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .find(|z| z["zone_id"] == zone.as_str())
        .expect("zone")
        .clone();
    assert_eq!(row["schools"], 3);
    assert_eq!(row["held"], 1);
    assert_eq!(row["awaiting_reply"], 2);

    // The schools report has its row with its referral and conversation.
    let report = app.get("/api/v1/reports/schools", &admin).await;
    assert_status(&report, 200);
    let rows = report.body["rows"].as_array().expect("rows");
    let ey = rows
        .iter()
        .find(|r| r["urn"] == "EY123456")
        .expect("the setting's row");
    assert_eq!(ey["zone_code"], "EY1");
    assert_eq!(ey["phase"], "early_years");
    assert_eq!(ey["referrals"], 1);
    assert_eq!(ey["termly_conversations_held"], 1);
    assert!(ey.get("pupils").is_none(), "{ey}");
    let csv = app
        .call(
            Method::GET,
            "/api/v1/reports/schools?zone=EY1",
            Some(&app.manager(&t)),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.text
            .lines()
            .any(|l| l.starts_with("EY123456,Little Acorns Pre-School,EY1,early_years,open,")),
        "{}",
        csv.text
    );
}

#[tokio::test]
async fn identifiers_must_fit_their_scheme_and_only_la_admin_registers() {
    let app = TestApp::spawn().await;
    let t = app.team("EY3").await;
    let admin = app.admin();
    for (urn, scheme, says) in [
        ("EY12345", Some("ofsted"), "Ofsted registration number"),
        ("EY1234567", Some("ofsted"), "Ofsted registration number"),
        ("LA-CM0042", Some("ofsted"), "Ofsted registration number"),
        ("EY123456", None, "URN has exactly 6 digits"),
        ("EY123456", Some("urn"), "URN has exactly 6 digits"),
        ("LA-cm42", Some("local"), "local id"),
        ("LA-", Some("local"), "local id"),
        ("123456", Some("local"), "local id"),
        (" EY123456", Some("ofsted"), "spaces"),
    ] {
        let mut body = json!({"urn": urn, "name": "Bad", "kind": "childminder"});
        if let Some(s) = scheme {
            body["id_scheme"] = json!(s);
        }
        let r = app.post("/api/v1/schools", &admin, &body).await;
        assert_field_error(&r, "urn", "invalid_urn");
        let message = r.body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{urn}: {message}");
    }
    let r = app
        .post(
            "/api/v1/schools",
            &admin,
            &json!({"urn": "EY123456", "id_scheme": "gias", "name": "Bad"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(app.db.count("schools").await, 2, "nothing was registered");

    // A childminder by local id, an older Ofsted URN: phase early_years.
    let minder = app
        .post(
            "/api/v1/schools",
            &admin,
            &json!({"urn": "LA-CM0042", "id_scheme": "local", "kind": "childminder", "name": "Childminder LA-CM0042", "zone_id": t.zone.id}),
        )
        .await;
    assert_status(&minder, 201);
    assert_eq!(minder.body["kind"], "childminder");
    assert_eq!(minder.body["phase"], "early_years");
    let older = app
        .post(
            "/api/v1/schools",
            &admin,
            &json!({"urn": "512345", "id_scheme": "ofsted", "name": "Rainbow Nursery"}),
        )
        .await;
    assert_status(&older, 201);
    assert_eq!(older.body["kind"], "early_years_setting");
    app.post(
        "/api/v1/schools",
        &admin,
        &json!({"urn": "LA-CM0042", "id_scheme": "local", "name": "Again"}),
    )
    .await
    .assert_problem(409, "already_exists");

    // Schools (GIAS or not) and the team do not register settings.
    let body = json!({"urn": "EY222222", "id_scheme": "ofsted", "name": "Nope"});
    for token in [
        app.school(&t.schools[0].urn),
        app.school("LA-CM0042"),
        app.manager(&t),
        app.practitioner(&t, 0),
    ] {
        app.post("/api/v1/schools", &token, &body)
            .await
            .assert_problem(403, "forbidden_for_role");
    }

    // Everywhere a URN is read, a malformed identifier is refused.
    let r = app
        .post(
            "/api/v1/referrals",
            &app.school("LA-CM0042"),
            &early_referral("EY12", 1),
        )
        .await;
    assert_field_error(&r, "school_urn", "invalid_urn");
    app.get("/api/v1/referrals?school_urn=XY123456", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/schools", &app.school("EY12"))
        .await
        .assert_problem(401, "invalid_token");
    let r = app
        .post(
            "/api/v1/integration-clients",
            &admin,
            &json!({"name": "Nursery MIS", "schools": ["LA-"]}),
        )
        .await;
    assert_field_error(&r, "schools[0]", "invalid_urn");

    // A setting's MIS: an integration client listing its identifier.
    let (id, secret, _) = app.register_client(&["LA-CM0042"]).await;
    let mis = app.client_token(&id, &secret).await;
    assert_status(&app.get("/api/v1/schools/LA-CM0042", &mis).await, 200);
    app.get("/api/v1/schools/512345", &mis)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn moving_a_setting_to_another_zone_takes_if_match() {
    let app = TestApp::spawn().await;
    let t = app.team("EY4").await;
    let other = app.team("EY5").await;
    let admin = app.admin();
    let created = app
        .post("/api/v1/schools", &admin, &acorns(&t.zone.id.to_string()))
        .await;
    assert_status(&created, 201);
    let path = "/api/v1/schools/EY123456/zone";
    let body = json!({"zone_id": other.zone.id});
    app.put(path, &admin, None, &body)
        .await
        .assert_problem(428, "if_match_required");
    app.put(path, &admin, Some("\"v9\""), &body)
        .await
        .assert_problem(412, "version_mismatch");
    app.put(path, &app.manager(&t), Some(&created.etag()), &body)
        .await
        .assert_problem(403, "forbidden_for_role");
    let moved = app.put(path, &admin, Some(&created.etag()), &body).await;
    assert_status(&moved, 200);
    assert_eq!(moved.body["zone_id"], other.zone.id.to_string().as_str());
    assert_eq!(moved.body["version"], 2);
    // Its new referrals route to the new zone's team.
    let r = app
        .post(
            "/api/v1/referrals",
            &app.school("EY123456"),
            &early_referral("EY123456", 5),
        )
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["team"]["id"], other.team.id.to_string().as_str());
    app.get(&format!("/api/v1/referrals/{}", r.id()), &app.manager(&t))
        .await
        .assert_problem(404, "not_found");
}

fn settings_file(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from("Identifier,Scheme,Kind,Name,Status,Phase,Postcode,Zone\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

#[tokio::test]
async fn the_settings_import_upserts_once_and_skips_bad_rows() {
    let app = TestApp::spawn().await;
    let t = app.team("EY6").await;
    let gias = t.schools[0].urn.clone();
    let admin = app.admin();
    let file = settings_file(&[
        "EY111111,ofsted,early_years_setting,Acorns Pre-School,Open,,NR1 1AA,EY6",
        "LA-CM0001,local,childminder,Childminder LA-CM0001,Open,,,EY6",
        "400001,ofsted,other,Holiday Club,\"Open, but proposed to close\",Out of school,,",
        "EY22222,ofsted,early_years_setting,Short number,Open,,,EY6",
        "LA-cm2,local,childminder,Lower case,Open,,,EY6",
        "100001,urn,school,A GIAS school,Open,,,EY6",
        "LA-CM0003,local,school,Not a school,Open,,,EY6",
        "LA-CM0004,local,nanny,Unknown kind,Open,,,EY6",
        "LA-CM0005,local,childminder,,Open,,,EY6",
        "LA-CM0006,local,childminder,Merged one,Merged,,,EY6",
        "LA-CM0007,local,childminder,Nowhere,Open,,,NOPE",
        "EY111111,ofsted,childminder,Repeated,Open,,,EY6",
        &format!("{gias},ofsted,early_years_setting,Clash with GIAS,Open,,,EY6"),
    ]);
    let first = app
        .post_bytes(IMPORT, &admin, "text/csv", file.clone())
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["read"], 13);
    assert_eq!(first.body["inserted"], 3);
    assert_eq!(first.body["updated"], 0);
    assert_eq!(first.body["unchanged"], 0);
    let skipped = first.body["skipped"].as_array().expect("skipped");
    let lines: Vec<u64> = skipped
        .iter()
        .map(|s| s["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, vec![5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    let reason = |line: u64| {
        skipped
            .iter()
            .find(|s| s["line"] == line)
            .and_then(|s| s["reason"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(reason(5).starts_with("bad identifier \"EY22222\": an Ofsted registration number"));
    assert!(reason(6).starts_with("bad identifier \"LA-cm2\": a local id"));
    assert!(reason(7).contains("GIAS"), "{}", reason(7));
    assert!(reason(8).contains("a school"), "{}", reason(8));
    assert!(reason(9).starts_with("unknown kind"));
    assert_eq!(reason(10), "no Name");
    assert_eq!(reason(11), "unknown status \"Merged\"");
    assert_eq!(reason(12), "unknown zone code \"NOPE\"");
    assert_eq!(reason(13), "the identifier repeats line 2");
    assert!(reason(14).starts_with("already a GIAS school"));
    assert_eq!(skipped[0].get("urn"), None, "no valid identifier to name");
    assert_eq!(skipped[4]["urn"], "LA-CM0004");

    let acorns = app.get("/api/v1/schools/EY111111", &admin).await;
    assert_status(&acorns, 200);
    assert_eq!(acorns.body["id_scheme"], "ofsted");
    assert_eq!(acorns.body["kind"], "early_years_setting");
    assert_eq!(acorns.body["phase"], "early_years");
    assert_eq!(acorns.body["postcode"], "NR1 1AA");
    assert_eq!(acorns.body["zone_id"], t.zone.id.to_string().as_str());
    let club = app.get("/api/v1/schools/400001", &admin).await;
    assert_eq!(club.body["kind"], "other");
    assert_eq!(club.body["phase"], "Out of school");
    assert_eq!(club.body["status"], "proposed_to_close");
    assert!(club.body.get("zone_id").is_none());
    // The GIAS school is untouched.
    let school = app.get(&format!("/api/v1/schools/{gias}"), &admin).await;
    assert_eq!(school.body["kind"], "school");
    assert_eq!(school.body["version"], 1);
    assert_ne!(school.body["name"], "Clash with GIAS");

    // The same file again changes nothing; a changed row updates only it.
    let again = app.post_bytes(IMPORT, &admin, "text/csv", file).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["unchanged"], 3);
    assert_eq!(again.body["inserted"], 0);
    assert_eq!(again.body["updated"], 0);
    assert_eq!(again.body["skipped"], first.body["skipped"]);
    let versions = app
        .db
        .sql("SELECT count(*) FROM schools WHERE version <> 1")
        .await
        .expect("sql");
    assert_eq!(versions[0].get::<_, i64>(0), 0);
    let renamed = app
        .post_bytes(
            IMPORT,
            &admin,
            "text/csv",
            settings_file(&["LA-CM0001,local,childminder,Little Stars Childminding,Open,,,"]),
        )
        .await;
    assert_eq!(renamed.body["updated"], 1, "{}", renamed.text);
    let minder = app.get("/api/v1/schools/LA-CM0001", &admin).await;
    assert_eq!(minder.body["name"], "Little Stars Childminding");
    assert_eq!(minder.body["version"], 2);
    assert_eq!(
        minder.body["zone_id"],
        t.zone.id.to_string().as_str(),
        "an empty Zone keeps the zone"
    );

    // An imported setting refers like any other.
    let r = app
        .post(
            "/api/v1/referrals",
            &app.school("LA-CM0001"),
            &early_referral("LA-CM0001", 7),
        )
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["team"]["id"], t.team.id.to_string().as_str());
}

#[tokio::test]
async fn settings_imports_are_refused_to_others_and_in_other_shapes() {
    let app = TestApp::spawn().await;
    let t = app.team("EY7").await;
    let file = settings_file(&["EY111111,ofsted,early_years_setting,Acorns,Open,,,EY7"]);
    for token in [
        app.school(&t.schools[0].urn),
        app.school("EY111111"),
        app.manager(&t),
        app.practitioner(&t, 0),
    ] {
        app.post_bytes(IMPORT, &token, "text/csv", file.clone())
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    let admin = app.admin();
    app.post_bytes(
        IMPORT,
        &admin,
        "application/json",
        b"{\"urn\": \"EY111111\"}".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let missing = app
        .post_bytes(
            IMPORT,
            &admin,
            "text/csv",
            b"Identifier,Scheme,Kind,Name\nEY111111,ofsted,other,Acorns\n".to_vec(),
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "Status");
    assert_eq!(missing.body["errors"][0]["code"], "missing_column");
    let ragged = app
        .post_bytes(
            IMPORT,
            &admin,
            "text/csv",
            settings_file(&[
                "EY111111,ofsted,early_years_setting,Acorns,Open,,,EY7",
                "EY222222,ofsted,early_years_setting",
            ]),
        )
        .await;
    ragged.assert_problem(422, "validation_failed");
    assert_eq!(ragged.body["errors"][0]["field"], "line 3");
    assert_eq!(ragged.body["errors"][0]["code"], "malformed_csv");
    // Nothing of the refused imports was written (the team's two schools only).
    assert_eq!(app.db.count("schools").await, 2);
}
