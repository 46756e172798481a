//! Children across referrals over HTTP: one record per UPN, which a
//! submission never renames (later referrals update only its school details,
//! with history); a UPN with other names or another date of birth is flagged
//! for review (not merged), and the la_admin resolves it. Each referral keeps
//! its own snapshot of the child, all a school or MIS client ever sees: two
//! schools never see each other's child, names, dates of birth or referrals.

use sct_e2e::{referral_body, upn, TestApp};
use serde_json::{json, Value};

fn body(urn: &str, upn: &str, given: &str, dob: &str, year: &str) -> Value {
    let mut b = referral_body(urn, upn, 4);
    b["child"]["given_name"] = json!(given);
    b["child"]["date_of_birth"] = json!(dob);
    b["child"]["year_group"] = json!(year);
    b
}

#[tokio::test]
async fn one_child_per_upn_renamed_only_by_staff_with_history_and_conflicts() {
    let app = TestApp::spawn().await;
    let team = app.team("CH1").await;
    let (a, b) = (team.schools[0].urn.clone(), team.schools[1].urn.clone());
    let child_upn = upn(7);
    let first = app
        .post(
            "/api/v1/referrals",
            &app.school(&a),
            &body(&a, &child_upn, "Sam", "2016-03-14", "5"),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let child = first.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let history = format!("/api/v1/children/{child}/history");
    assert_eq!(app.get(&history, &app.admin()).await.body, json!([]));

    // A later referral (another school), same identity, newer school
    // details: same record, its year group updated, with history.
    let second = app
        .post(
            "/api/v1/referrals",
            &app.school(&b),
            &body(&b, &child_upn, "Sam", "2016-03-14", "6"),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(second.body["child"]["id"], child);
    assert_eq!(app.db.count("children").await, 1);
    let hist = app.get(&history, &app.admin()).await;
    assert_eq!(hist.status, 200, "{}", hist.text);
    let entries = hist.body.as_array().expect("array");
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["changes"]["year_group"],
        json!({"from": "5", "to": "6"})
    );
    assert_eq!(entries[0]["referral_id"], second.body["id"]);
    assert!(entries[0]["changes"].get("given_name").is_none());
    app.get(&history, &app.school(&a))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(
        &format!("/api/v1/children/{}/history", uuid::Uuid::now_v7()),
        &app.admin(),
    )
    .await
    .assert_problem(404, "not_found");

    // Same UPN, another date of birth: linked to the record, not merged,
    // flagged; the submitter is answered with what it sent.
    let third = app
        .post(
            "/api/v1/referrals",
            &app.school(&a),
            &body(&a, &child_upn, "Alex", "2015-01-01", "7"),
        )
        .await;
    assert_eq!(third.status, 201, "{}", third.text);
    assert_eq!(third.body["child"]["id"], child);
    assert_eq!(third.body["child"]["date_of_birth"], "2015-01-01");
    assert_eq!(third.body["child"]["given_name"], "Alex");
    assert!(third.body.get("submitted_child").is_none());
    // Staff see the record, and what the referral sent beside it.
    let staff = app
        .get(&format!("/api/v1/referrals/{}", third.id()), &app.admin())
        .await;
    assert_eq!(staff.body["child"]["given_name"], "Sam");
    assert_eq!(staff.body["child"]["date_of_birth"], "2016-03-14");
    assert_eq!(staff.body["submitted_child"]["given_name"], "Alex");
    assert_eq!(staff.body["submitted_child"]["date_of_birth"], "2015-01-01");
    assert_eq!(
        app.get(&history, &app.admin())
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let open = app
        .get("/api/v1/child-conflicts?status=open", &app.admin())
        .await;
    assert_eq!(open.status, 200, "{}", open.text);
    let items = open.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    let conflict = &items[0];
    assert_eq!(conflict["upn"], child_upn);
    assert_eq!(conflict["referral_id"], third.body["id"]);
    assert_eq!(conflict["recorded_date_of_birth"], "2016-03-14");
    assert_eq!(conflict["submitted_date_of_birth"], "2015-01-01");
    assert_eq!(conflict["submitted_given_name"], "Alex");
    assert_eq!(conflict["status"], "open");
    let id = conflict["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/child-conflicts/{id}");
    app.get("/api/v1/child-conflicts", &app.school(&a))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get("/api/v1/child-conflicts?status=maybe", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");

    // Resolution: If-Match, a valid decision, then once only.
    let read = app.get(&path, &app.admin()).await;
    assert_eq!(read.status, 200);
    let resolve = format!("{path}/resolve");
    let decision = json!({"resolution": "use_submitted", "note": "Confirmed with the school"});
    app.call(
        reqwest::Method::POST,
        &resolve,
        Some(&app.admin()),
        Some(&decision),
        &[],
    )
    .await
    .assert_problem(428, "if_match_required");
    app.call(
        reqwest::Method::POST,
        &resolve,
        Some(&app.admin()),
        Some(&decision),
        &[("if-match", "\"v7\"")],
    )
    .await
    .assert_problem(412, "version_mismatch");
    let bad = app
        .call(
            reqwest::Method::POST,
            &resolve,
            Some(&app.admin()),
            Some(&json!({"resolution": "merge"})),
            &[("if-match", &read.etag())],
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "resolution");
    app.call(
        reqwest::Method::POST,
        &resolve,
        Some(&app.school(&a)),
        Some(&decision),
        &[("if-match", &read.etag())],
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    let done = app
        .call(
            reqwest::Method::POST,
            &resolve,
            Some(&app.admin()),
            Some(&decision),
            &[("if-match", &read.etag())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["status"], "resolved");
    assert_eq!(done.body["resolution"], "use_submitted");
    assert_eq!(done.body["resolved_by"], "admin-1");
    let again = app
        .call(
            reqwest::Method::POST,
            &resolve,
            Some(&app.admin()),
            Some(&decision),
            &[("if-match", &done.etag())],
        )
        .await;
    again.assert_problem(409, "already_resolved");
    // Staff changed the record: staff see it on every referral of the
    // child; the first school still sees its own referral as it sent it.
    let read_back = app
        .get(&format!("/api/v1/referrals/{}", first.id()), &app.admin())
        .await;
    assert_eq!(read_back.body["child"]["date_of_birth"], "2015-01-01");
    assert_eq!(read_back.body["child"]["given_name"], "Alex");
    assert_eq!(read_back.body["submitted_child"]["given_name"], "Sam");
    let own = app
        .get(
            &format!("/api/v1/referrals/{}", second.id()),
            &app.school(&b),
        )
        .await;
    assert_eq!(own.body["child"]["date_of_birth"], "2016-03-14");
    assert_eq!(own.body["child"]["given_name"], "Sam");
    let hist = app.get(&history, &app.admin()).await;
    let entries = hist.body.as_array().expect("array");
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1]["changes"]["date_of_birth"],
        json!({"from": "2016-03-14", "to": "2015-01-01"})
    );
    assert_eq!(entries[1]["actor"], "admin-1");
    let open = app
        .get("/api/v1/child-conflicts?status=open", &app.admin())
        .await;
    assert_eq!(open.body["items"], json!([]));
    let resolved = app
        .get(
            "/api/v1/child-conflicts?status=resolved&limit=1",
            &app.admin(),
        )
        .await;
    assert_eq!(resolved.body["items"].as_array().map(Vec::len), Some(1));
    assert!(resolved.body.get("next_cursor").is_none());
}
