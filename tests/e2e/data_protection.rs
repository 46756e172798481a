//! Data protection: the subject access export, erasure with its retention
//! check and override, and the retention job.

use sct_domain::RetentionPolicy;
use sct_e2e::{upn, TestApp};
use sct_persistence::data_protection::run_retention;
use sct_persistence::Actor;
use serde_json::json;

/// A referral for a new child: (referral id, child id, etag).
async fn referral(app: &TestApp, urn: &str, n: u32) -> (String, String, String) {
    let r = app.submit(urn, &upn(n), 4).await;
    assert_eq!(r.status, 201, "{}", r.text);
    (
        r.id(),
        r.body["child"]["id"].as_str().expect("child").to_owned(),
        r.etag(),
    )
}

/// Makes a referral closed `years_ago` (as if it ended then).
async fn close_long_ago(app: &TestApp, id: &str, days_ago: i64) {
    app.db
        .sql(&format!(
            "UPDATE referrals SET status = 'closed', closure_outcome = 'needs_met', \
             closure_note = 'Private note about the family', closed_from = 'active', \
             closed_at = now() - interval '{days_ago} days', updated_at = now() - interval '{days_ago} days' \
             WHERE id = '{id}'"
        ))
        .await
        .expect("close");
}

async fn child_names(app: &TestApp, child: &str) -> (String, String, String, String) {
    let rows = app
        .db
        .sql(&format!(
            "SELECT given_name, family_name, date_of_birth::text, upn FROM children WHERE id = '{child}'"
        ))
        .await
        .expect("child");
    (
        rows[0].get(0),
        rows[0].get(1),
        rows[0].get(2),
        rows[0].get(3),
    )
}

#[tokio::test]
async fn la_admin_exports_everything_held_about_a_child() {
    let app = TestApp::spawn().await;
    let t = app.team("D01").await;
    let urn = t.schools[0].urn.clone();
    let (id, child, etag) = referral(&app, &urn, 1).await;
    let manager = app.manager(&t);
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{id}"), &manager)
            .await
            .status,
        200
    );
    assert_eq!(
        app.act(&id, "accept", &manager, &etag, &json!({}))
            .await
            .status,
        200
    );
    // A second referral of the same child (same UPN).
    let again = app.submit(&t.schools[1].urn, &upn(1), 3).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body["child"]["id"], child.as_str());

    let admin = app.admin();
    let e = app
        .get(&format!("/api/v1/children/{child}/export"), &admin)
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["child"]["given_name"], "Sam");
    assert_eq!(e.body["child"]["upn"], upn(1));
    assert!(e.body["anonymised_at"].is_null());
    let referrals = e.body["referrals"].as_array().expect("referrals");
    assert_eq!(referrals.len(), 2);
    assert_eq!(referrals[0]["referral"]["id"], id.as_str());
    let history: Vec<&str> = referrals[0]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(history, ["submit", "accept"]);
    // Who accessed it: the manager's read is there.
    let access = e.body["access"].as_array().expect("access");
    assert!(access.iter().any(|a| a["action"] == "get_referral"
        && a["actor"] == t.manager.subject.as_str()
        && a["subject_id"] == id.as_str()));
    assert!(access
        .iter()
        .any(|a| a["action"] == "submit_referral" && a["subject_id"] == child.as_str()));
    // The export is itself audited.
    assert_eq!(
        app.db
            .count(&format!(
                "audit_events WHERE action = 'export_child' AND subject_id = '{child}'"
            ))
            .await,
        1
    );
    // Refusals.
    for token in [manager, app.school(&urn)] {
        app.get(&format!("/api/v1/children/{child}/export"), &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.get(
        &format!("/api/v1/children/{}/export", uuid::Uuid::new_v4()),
        &admin,
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/children/not-a-uuid/export", &admin)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn erasure_is_refused_while_a_retention_applies_unless_overridden() {
    let app = TestApp::spawn().await;
    let t = app.team("D02").await;
    let urn = t.schools[0].urn.clone();
    let (id, child, _) = referral(&app, &urn, 2).await;
    let admin = app.admin();
    let path = format!("/api/v1/children/{child}/erasure");
    let before = child_names(&app, &child).await;

    // An open referral: refused, nothing changed.
    let r = app.post(&path, &admin, &json!({})).await;
    r.assert_problem(409, "retention_applies");
    assert!(r.body["detail"]
        .as_str()
        .unwrap_or("")
        .contains("still open"));
    assert_eq!(child_names(&app, &child).await, before);
    // Closed two years ago: still held for four more years.
    close_long_ago(&app, &id, 730).await;
    let r = app.post(&path, &admin, &json!({})).await;
    r.assert_problem(409, "retention_applies");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("kept until"),
        "{}",
        r.text
    );
    // Bad payloads and wrong roles change nothing.
    app.post(&path, &admin, &json!({"override": true}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        &path,
        &admin,
        &json!({"override": true, "justification": "short"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(
        &path,
        &admin,
        &json!({"override": true, "justification": "A court order", "why": 1}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.post(&path, &app.manager(&t), &json!({}))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post(&path, &app.school(&urn), &json!({}))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post(
        &format!("/api/v1/children/{}/erasure", uuid::Uuid::new_v4()),
        &admin,
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(child_names(&app, &child).await, before);

    // Overridden with a justification: done, audited with the reason.
    let justification = "Court order 2026/123 requires erasure now";
    let r = app
        .post(
            &path,
            &admin,
            &json!({"override": true, "justification": justification}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["override"], true);
    assert_eq!(r.body["referrals_anonymised"], 1);
    let (given, family, dob, new_upn) = child_names(&app, &child).await;
    assert_eq!(
        (given.as_str(), family.as_str()),
        ("[anonymised]", "[anonymised]")
    );
    assert_eq!(dob, "2015-09-01");
    assert_ne!(new_upn, upn(2));
    let text = app
        .db
        .sql(&format!(
            "SELECT reason, closure_note, external_reference FROM referrals WHERE id = '{id}'"
        ))
        .await
        .expect("referral");
    assert_eq!(text[0].get::<_, String>(0), "[anonymised]");
    assert_eq!(
        text[0].get::<_, Option<String>>(1).as_deref(),
        Some("[anonymised]")
    );
    assert_eq!(
        app.db
            .count(&format!(
                "referral_history WHERE referral_id = '{id}' AND reason <> '[anonymised]'"
            ))
            .await,
        0
    );
    // The append-only audit rows name the justification by id; its text is
    // in an ordinary table that retention can delete.
    let audit = app
        .db
        .sql(&format!(
            "SELECT details->>'justification_id', (details->>'override')::bool, actor_role \
             FROM audit_events WHERE action = 'erase_child' AND subject_id = '{child}' AND outcome = 200"
        ))
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    let justification_id = audit[0].get::<_, String>(0);
    assert!(audit[0].get::<_, bool>(1));
    assert_eq!(audit[0].get::<_, String>(2), "la_admin");
    assert_eq!(
        app.db
            .count("audit_events WHERE details::text LIKE '%Court order%'")
            .await,
        0
    );
    let kept = app
        .db
        .sql(&format!(
            "SELECT justification, child_id::text FROM erasure_justifications \
             WHERE id = '{justification_id}'"
        ))
        .await
        .expect("justification");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].get::<_, String>(0), justification);
    assert_eq!(kept[0].get::<_, String>(1), child);
    // Counts for reports stay.
    assert_eq!(app.db.count("referrals").await, 1);
    // Twice: refused.
    app.post(&path, &admin, &json!({}))
        .await
        .assert_problem(409, "already_erased");
    // The export shows what is left.
    let e = app
        .get(&format!("/api/v1/children/{child}/export"), &admin)
        .await;
    assert_eq!(e.status, 200);
    assert_eq!(e.body["child"]["given_name"], "[anonymised]");
    assert!(e.body["anonymised_at"].is_string());
    // The same child referred again later gets a new record.
    let again = app.submit(&urn, &upn(2), 4).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_ne!(again.body["child"]["id"], child.as_str());
}

#[tokio::test]
async fn erasure_after_the_retention_period_needs_no_override() {
    let app = TestApp::spawn().await;
    let t = app.team("D03").await;
    let (id, child, _) = referral(&app, &t.schools[0].urn, 3).await;
    close_long_ago(&app, &id, 7 * 366).await;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/erasure"),
            &app.admin(),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["override"], false);
    assert_eq!(child_names(&app, &child).await.0, "[anonymised]");
}

#[tokio::test]
async fn the_retention_job_anonymises_only_what_expired_and_audits_each_step() {
    let app = TestApp::spawn().await;
    let t = app.team("D04").await;
    let urn = t.schools[0].urn.clone();
    let (old, old_child, _) = referral(&app, &urn, 4).await;
    let (recent, recent_child, _) = referral(&app, &urn, 5).await;
    let (_open, open_child, _) = referral(&app, &urn, 6).await;
    close_long_ago(&app, &old, 7 * 366).await;
    close_long_ago(&app, &recent, 365).await;
    let by_status = "SELECT status, count(*) FROM referrals GROUP BY status ORDER BY status";
    let counts = |rows: Vec<tokio_postgres::Row>| -> Vec<(String, i64)> {
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    };
    let before = counts(app.db.sql(by_status).await.expect("counts"));
    let actor = Actor {
        subject: "sct-retention".into(),
        role: "system".into(),
        request_id: Some("retention-test".into()),
        client_id: None,
    };
    let policy = RetentionPolicy { closed_years: 6 };
    let mut conn = app.pool.conn().await.expect("conn");

    let dry = run_retention(&mut conn, policy, sct_persistence::now(), true, &actor)
        .await
        .expect("dry run");
    assert_eq!((dry.children, dry.referrals), (1, 1));
    assert_eq!(child_names(&app, &old_child).await.0, "Sam");
    assert_eq!(
        app.db
            .count("audit_events WHERE actor = 'sct-retention'")
            .await,
        0
    );

    let done = run_retention(&mut conn, policy, sct_persistence::now(), false, &actor)
        .await
        .expect("run");
    assert_eq!((done.children, done.referrals), (1, 1));
    assert_eq!(child_names(&app, &old_child).await.0, "[anonymised]");
    assert_eq!(child_names(&app, &recent_child).await.0, "Sam");
    assert_eq!(child_names(&app, &open_child).await.0, "Sam");
    let steps = app
        .db
        .sql(
            "SELECT subject_type, subject_id, actor_role FROM audit_events \
             WHERE action = 'retention_anonymise' ORDER BY subject_type",
        )
        .await
        .expect("audit");
    let steps: Vec<(String, String, String)> = steps
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        steps,
        [
            ("child".to_owned(), old_child.clone(), "system".to_owned()),
            ("referral".to_owned(), old.clone(), "system".to_owned()),
        ]
    );
    // Counts for reports do not change.
    assert_eq!(counts(app.db.sql(by_status).await.expect("counts")), before);
    // A second run finds nothing; a shorter policy takes the recent one.
    let again = run_retention(&mut conn, policy, sct_persistence::now(), false, &actor)
        .await
        .expect("again");
    assert_eq!(again.children, 0);
    let short = RetentionPolicy { closed_years: 1 };
    let more = run_retention(
        &mut conn,
        short,
        sct_persistence::now() + chrono::Duration::days(2),
        false,
        &actor,
    )
    .await
    .expect("short");
    assert_eq!(more.children, 1);
    assert_eq!(child_names(&app, &recent_child).await.0, "[anonymised]");
    assert_eq!(child_names(&app, &open_child).await.0, "Sam");
}

/// An erasure's justification may name people: it is kept, like the
/// council's other records of the decision, for the retention period after
/// the erasure, and then the retention job deletes it (the audit row that
/// names it by id stays).
#[tokio::test]
async fn the_retention_job_deletes_erasure_justifications_past_the_retention_period() {
    let app = TestApp::spawn().await;
    let t = app.team("D05").await;
    let (_, child, _) = referral(&app, &t.schools[0].urn, 7).await;
    let r = app
        .post(
            &format!("/api/v1/children/{child}/erasure"),
            &app.admin(),
            &json!({"override": true, "justification": "Requested by Jo Bloggs, the child's parent"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.db.count("erasure_justifications").await, 1);
    let actor = Actor {
        subject: "sct-retention".into(),
        role: "system".into(),
        request_id: None,
        client_id: None,
    };
    let policy = RetentionPolicy { closed_years: 6 };
    let mut conn = app.pool.conn().await.expect("conn");
    let now = sct_persistence::now();
    let soon = run_retention(&mut conn, policy, now, false, &actor)
        .await
        .expect("run");
    assert_eq!(soon.justifications, 0);
    assert_eq!(app.db.count("erasure_justifications").await, 1);
    let later = now + chrono::Duration::days(7 * 366);
    let dry = run_retention(&mut conn, policy, later, true, &actor)
        .await
        .expect("dry run");
    assert_eq!(dry.justifications, 1);
    assert_eq!(app.db.count("erasure_justifications").await, 1);
    let done = run_retention(&mut conn, policy, later, false, &actor)
        .await
        .expect("run");
    assert_eq!(done.justifications, 1);
    assert_eq!(app.db.count("erasure_justifications").await, 0);
    assert_eq!(
        app.db
            .count(&format!(
                "audit_events WHERE action = 'erase_child' AND subject_id = '{child}' \
                 AND details ? 'justification_id'"
            ))
            .await,
        1
    );
}

#[tokio::test]
async fn the_export_is_bounded_and_says_when_it_holds_more() {
    let app = TestApp::spawn().await;
    let t = app.team("D09").await;
    let (id, child, _) = referral(&app, &t.schools[0].urn, 9).await;
    // 2,100 audit rows about the child and 600 case notes on its referral:
    // more than one answer should carry.
    app.db
        .sql(&format!(
            "INSERT INTO audit_events (occurred_at, actor, actor_role, action, subject_type, subject_id, outcome, details) \
             SELECT now(), 'reader', 'la_admin', 'get_referral', 'child', '{child}', 200, '{{}}'::jsonb \
               FROM generate_series(1, 2100)"
        ))
        .await
        .expect("audit rows");
    app.db
        .sql(&format!(
            "INSERT INTO case_notes (id, referral_id, kind, occurred_on, text, visibility, recorded_by, recorded_at) \
             SELECT gen_random_uuid(), '{id}', 'call', current_date, 'Called the family ' || n, 'team', 'worker', now() \
               FROM generate_series(1, 600) n"
        ))
        .await
        .expect("notes");
    let e = app
        .get(&format!("/api/v1/children/{child}/export"), &app.admin())
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["access"].as_array().expect("access").len(), 2000);
    assert_eq!(e.body["access_truncated"], true);
    let notes = e.body["referrals"][0]["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 500);
    let held = e.body["held"].as_array().expect("held");
    let case_notes = held
        .iter()
        .find(|h| h["table"] == "case_notes")
        .expect("case notes are held");
    assert_eq!(case_notes["rows"].as_array().expect("rows").len(), 500);
    assert_eq!(case_notes["truncated"], true);
    let children = held
        .iter()
        .find(|h| h["table"] == "children")
        .expect("the child's record");
    assert_eq!(children["truncated"], false);
}
