//! The audit trail: every authenticated read and write is recorded with
//! actor, role, action, subject, request id, time and outcome; the table
//! is append-only; la_admin reads it with filters and cursor paging; a
//! write is not acknowledged without its audit row.

use reqwest::Method;
use sct_e2e::{items, upn, TestApp, TestDb};
use serde_json::json;
use std::collections::HashSet;

/// Audit rows of a subject, as (action, actor, role, outcome, request id).
async fn rows_about(app: &TestApp, subject: &str) -> Vec<(String, String, String, i16, String)> {
    app.db
        .sql(&format!(
            "SELECT action, actor, actor_role, outcome, coalesce(request_id, '') \
             FROM audit_events WHERE subject_id = '{subject}' ORDER BY id"
        ))
        .await
        .expect("audit rows")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

#[tokio::test]
async fn reads_and_writes_of_a_referral_are_audited() {
    let app = TestApp::spawn().await;
    let t = app.team("A01").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);
    let manager = app.manager(&t);

    let created = app
        .call(
            Method::POST,
            "/api/v1/referrals",
            Some(&school),
            Some(&sct_e2e::referral_body(&urn, &upn(1), 4)),
            &[("x-request-id", "trace-submit-1")],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    let child = created.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/referrals/{id}"),
            Some(&manager),
            None,
            &[("x-request-id", "trace-read-1")],
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(app.get("/api/v1/referrals", &manager).await.status, 200);
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{id}/history"), &school)
            .await
            .status,
        200
    );
    let accepted = app
        .act(&id, "accept", &manager, &read.etag(), &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    // Refused: another school's read (404) and a stale If-Match (412).
    let other = app.school("999999");
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{id}"), &other)
            .await
            .status,
        404
    );
    let stale = app
        .act(
            &id,
            "decline",
            &manager,
            "\"v1\"",
            &json!({"reason": "x", "signposting": "y"}),
        )
        .await;
    assert_eq!(stale.status, 412);
    // Without a token: nothing to attribute, nothing recorded.
    let anonymous = app
        .call(
            Method::GET,
            &format!("/api/v1/referrals/{id}"),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(anonymous.status, 401);

    let rows = rows_about(&app, &id).await;
    let school_sub = format!("school-{urn}");
    let expected: Vec<(&str, &str, &str, i16)> = vec![
        ("submit_referral", &school_sub, "school", 201),
        ("get_referral", &t.manager.subject, "team_manager", 200),
        ("list_referrals", &t.manager.subject, "team_manager", 200),
        ("referral_history", &school_sub, "school", 200),
        ("accept_referral", &t.manager.subject, "team_manager", 200),
        ("get_referral", "school-999999", "school", 404),
        ("decline_referral", &t.manager.subject, "team_manager", 412),
    ];
    let got: Vec<(&str, &str, &str, i16)> = rows
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str(), r.3))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(rows[0].4, "trace-submit-1");
    assert_eq!(rows[1].4, "trace-read-1");
    // The submission names the child too, in the same transaction.
    let child_rows = rows_about(&app, &child).await;
    assert_eq!(child_rows.len(), 1);
    assert_eq!(child_rows[0].0, "submit_referral");
    // Route pattern and method are kept; no personal data anywhere.
    let detail = app
        .db
        .sql(&format!(
            "SELECT method, route, subject_type FROM audit_events \
             WHERE subject_id = '{id}' AND action = 'accept_referral'"
        ))
        .await
        .expect("row");
    assert_eq!(detail[0].get::<_, String>(0), "POST");
    assert_eq!(
        detail[0].get::<_, String>(1),
        "/api/v1/referrals/{id}/accept"
    );
    assert_eq!(detail[0].get::<_, String>(2), "referral");
    let leaked = app
        .db
        .count("audit_events WHERE audit_events::text ILIKE '%Sam%' OR audit_events::text ILIKE '%Example%'")
        .await;
    assert_eq!(leaked, 0);
}

#[tokio::test]
async fn the_audit_table_refuses_update_delete_and_truncate() {
    let app = TestApp::spawn().await;
    let t = app.team("A02").await;
    let r = app.submit(&t.schools[0].urn, &upn(2), 4).await;
    assert_eq!(r.status, 201);
    let before = app.db.count("audit_events").await;
    assert!(before >= 2);
    for statement in [
        "UPDATE audit_events SET actor = 'someone-else'",
        "UPDATE audit_events SET outcome = 200 WHERE outcome = 201",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let e = app.db.sql(statement).await.expect_err(statement);
        assert!(
            e.to_string().contains("append-only") || format!("{e:?}").contains("append-only"),
            "{statement}: {e:?}"
        );
    }
    assert_eq!(app.db.count("audit_events").await, before);
    assert_eq!(
        app.db
            .count("audit_events WHERE actor = 'someone-else'")
            .await,
        0
    );
}

#[tokio::test]
async fn la_admin_lists_the_trail_with_filters_and_cursor_paging() {
    let app = TestApp::spawn().await;
    let t = app.team("A03").await;
    let urn = t.schools[0].urn.clone();
    let manager = app.manager(&t);
    let admin = app.admin();
    let mut ids = Vec::new();
    for n in 0..3 {
        let r = app.submit(&urn, &upn(10 + n), 4).await;
        assert_eq!(r.status, 201);
        ids.push(r.id());
    }
    for id in &ids {
        assert_eq!(
            app.get(&format!("/api/v1/referrals/{id}"), &manager)
                .await
                .status,
            200
        );
    }
    let t0 = chrono::Utc::now();

    // Only la_admin.
    for token in [manager.clone(), app.school(&urn), app.practitioner(&t, 0)] {
        app.get("/api/v1/audit-events", &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    // By subject: the submission, the read.
    let r = app
        .get(
            &format!("/api/v1/audit-events?subject_id={}", ids[0]),
            &admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let actions: Vec<String> = items(&r)
        .iter()
        .map(|i| i["action"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(actions, ["submit_referral", "get_referral"]);
    assert_eq!(items(&r)[1]["actor"], t.manager.subject.as_str());
    assert_eq!(items(&r)[1]["subject_type"], "referral");
    assert_eq!(items(&r)[1]["outcome"], 200);
    // By actor and action.
    let r = app
        .get(
            &format!(
                "/api/v1/audit-events?actor={}&action=get_referral",
                t.manager.subject
            ),
            &admin,
        )
        .await;
    assert_eq!(items(&r).len(), 3);
    // By time range: nothing recorded before the test, everything before t0.
    let r = app
        .get("/api/v1/audit-events?to=2020-01-01T00:00:00Z", &admin)
        .await;
    assert_eq!(items(&r).len(), 0);
    let from = (t0 + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = app
        .get(&format!("/api/v1/audit-events?from={from}"), &admin)
        .await;
    assert_eq!(items(&r).len(), 0, "{}", r.text);
    // Cursor paging walks every row once, in order.
    let all = app.db.count("audit_events").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/audit-events?limit=2&cursor={c}"),
            None => "/api/v1/audit-events?limit=2".to_owned(),
        };
        let page = app.get(&path, &admin).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page_items = items(&page);
        assert!(page_items.len() <= 2);
        seen.extend(page_items.iter().map(|i| i["id"].as_i64().expect("id")));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // The pages themselves are audited as they are read: at least the rows
    // that existed before the walk, each once, in order.
    assert!(i64::try_from(seen.len()).expect("len") >= all);
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len());
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    // Refusals.
    app.get("/api/v1/audit-events?cursor=nonsense", &admin)
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/audit-events?limit=500", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/audit-events?subject=x", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/audit-events?subject_type=Referral", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(
        "/api/v1/audit-events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
        &admin,
    )
    .await
    .assert_problem(400, "invalid_parameter");
}

#[tokio::test]
async fn nothing_is_shown_or_acknowledged_without_its_audit_row() {
    let app = TestApp::spawn().await;
    let t = app.team("A04").await;
    let urn = t.schools[0].urn.clone();
    let first = app.submit(&urn, &upn(20), 4).await;
    assert_eq!(first.status, 201);
    let id = first.id();
    let referrals = app.db.count("referrals").await;
    // From now on every audit insert fails.
    app.db
        .sql("ALTER TABLE audit_events ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
        .await
        .expect("constraint");
    // A submission (audited in its own transaction) is refused and not stored.
    let refused = app.submit(&urn, &upn(21), 4).await;
    refused.assert_problem(503, "database_unavailable");
    assert!(refused.header("retry-after").is_some());
    assert_eq!(app.db.count("referrals").await, referrals);
    // A read is not shown.
    app.get(&format!("/api/v1/referrals/{id}"), &app.manager(&t))
        .await
        .assert_problem(503, "database_unavailable");
    // An action is not acknowledged, and rolled back with its audit row.
    let refused = app
        .act(&id, "accept", &app.manager(&t), &first.etag(), &json!({}))
        .await;
    refused.assert_problem(503, "database_unavailable");
    let status = app
        .db
        .sql(&format!("SELECT status FROM referrals WHERE id = '{id}'"))
        .await
        .expect("status");
    assert_eq!(status[0].get::<_, String>(0), "submitted");
    // Any other write is neither acknowledged nor stored: it commits with
    // its audit rows or not at all.
    let zones = app.db.count("zones").await;
    let zone = app
        .post(
            "/api/v1/zones",
            &app.admin(),
            &json!({"code": "A04-X", "name": "Zone X"}),
        )
        .await;
    zone.assert_problem(503, "database_unavailable");
    assert_eq!(app.db.count("zones").await, zones);
}

/// The application's database role cannot make the trail editable: the
/// table, its sequence and its trigger function belong to `sct_audit_owner`
/// (a role nobody logs in as) and the application keeps INSERT and SELECT.
/// The server runs as a non-superuser role that ran the migrations itself,
/// as docs/deployment.md describes (a superuser could do all of this).
#[tokio::test]
async fn the_application_role_cannot_disable_alter_or_drop_the_audit_trail() {
    let app = TestApp::spawn_on(TestDb::new_as_app_role().await).await;
    let me = app
        .db
        .sql("SELECT rolsuper, current_user::text FROM pg_roles WHERE rolname = current_user")
        .await
        .expect("role");
    assert!(
        !me[0].get::<_, bool>(0),
        "the test must not run as a superuser"
    );
    let t = app.team("A09").await;
    let r = app.submit(&t.schools[0].urn, &upn(9), 4).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let read = app
        .get(&format!("/api/v1/referrals/{}", r.id()), &app.admin())
        .await;
    assert_eq!(read.status, 200);
    let before = app.db.count("audit_events").await;
    assert!(before >= 3, "{before}");
    let owner = app
        .db
        .sql("SELECT tableowner::text FROM pg_tables WHERE tablename = 'audit_events'")
        .await
        .expect("owner");
    assert_eq!(owner[0].get::<_, String>(0), "sct_audit_owner");
    for statement in [
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_events_no_update_delete ON audit_events",
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger \
         LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "ALTER FUNCTION audit_events_append_only() RENAME TO gone",
        "ALTER TABLE audit_events OWNER TO CURRENT_USER",
        "ALTER TABLE audit_events ADD COLUMN note TEXT",
        "DROP TABLE audit_events",
        "UPDATE audit_events SET actor = 'someone-else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "SELECT setval('audit_events_id_seq', 1)",
        "SET ROLE sct_audit_owner",
        "CREATE TRIGGER sneaky BEFORE INSERT ON audit_events \
         FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    ] {
        app.db.sql(statement).await.expect_err(statement);
    }
    assert_eq!(app.db.count("audit_events").await, before);
    assert_eq!(
        app.db
            .count("audit_events WHERE actor = 'someone-else'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_list_page_is_one_audit_row_naming_every_referral_shown() {
    let app = TestApp::spawn().await;
    let t = app.team("A07").await;
    let urn = t.schools[0].urn.clone();
    let manager = app.manager(&t);
    let admin = app.admin();
    let mut ids = Vec::new();
    let mut children = Vec::new();
    for n in 0..3 {
        let r = app.submit(&urn, &upn(70 + n), 4).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.id());
        children.push(r.body["child"]["id"].as_str().expect("child").to_owned());
    }
    let page = app.get("/api/v1/referrals?limit=50", &manager).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(items(&page).len(), 3);

    // One row, not three: every referral shown is in subject_ids.
    let rows = app
        .db
        .sql(
            "SELECT subject_type, subject_id, subject_ids FROM audit_events \
             WHERE action = 'list_referrals'",
        )
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].get::<_, Option<String>>(0).as_deref(),
        Some("referral")
    );
    assert_eq!(rows[0].get::<_, Option<String>>(1), None);
    let mut named: Vec<String> = rows[0].get::<_, Option<Vec<String>>>(2).expect("ids");
    named.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(named, expected);

    // "Who saw this referral" finds the page row by any of its ids.
    for id in &ids {
        let r = app
            .get(&format!("/api/v1/audit-events?subject_id={id}"), &admin)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page_rows: Vec<&serde_json::Value> = items(&r)
            .iter()
            .filter(|i| i["action"] == "list_referrals")
            .collect();
        assert_eq!(page_rows.len(), 1, "{}", r.text);
        assert!(page_rows[0].get("subject_id").is_none());
        assert_eq!(
            page_rows[0]["subject_ids"].as_array().expect("ids").len(),
            3
        );
    }
    // The subject access export shows the page row naming this child's
    // referral only, never the other children's.
    let e = app
        .get(&format!("/api/v1/children/{}/export", children[1]), &admin)
        .await;
    assert_eq!(e.status, 200, "{}", e.text);
    let access: Vec<&serde_json::Value> = e.body["access"]
        .as_array()
        .expect("access")
        .iter()
        .filter(|i| i["action"] == "list_referrals")
        .collect();
    assert_eq!(access.len(), 1, "{}", e.text);
    assert_eq!(access[0]["subject_id"], ids[1].as_str());
    assert!(access[0].get("subject_ids").is_none());
    assert!(!e.text.contains(&ids[0]) && !e.text.contains(&ids[2]));
    // A stored page row cannot name nothing, or one subject in the array.
    let bad = app
        .db
        .sql(
            "INSERT INTO audit_events (occurred_at, actor, actor_role, action, subject_type, subject_ids, outcome) \
             VALUES (now(), 'x', 'system', 'x', 'referral', ARRAY['only-one'], 200)",
        )
        .await;
    assert!(bad.is_err());
}

/// Group commit (issue 18, item 3): requests waiting together share one
/// insert, each learns the fate of its own rows, and one request's bad row
/// does not refuse the others (their rows are stored alone).
#[tokio::test]
async fn waiting_requests_share_one_audit_insert_and_a_bad_row_fails_only_its_own() {
    use sct_api::http::audit_writer::AuditWriter;
    use sct_api::http::metrics::AuditBatches;
    use sct_persistence::audit::NewAuditEvent;
    use sct_persistence::Actor;

    let app = TestApp::spawn().await;
    let batches = AuditBatches::default();
    let writer = AuditWriter::start(app.pool.clone(), batches.clone());
    let actor = Actor {
        subject: "group-commit".into(),
        role: "la_admin".into(),
        request_id: None,
        client_id: None,
    };
    let row = |action: &str| {
        NewAuditEvent::new(
            &actor,
            action,
            Some(("referral", "r-1".to_owned())),
            200,
            sct_persistence::now(),
        )
    };
    // Breaks `subject_ids` (two ids at least) only when the batch is stored.
    let mut bad = row("group-bad");
    bad.subject_id = None;
    bad.subject_ids = Some(vec!["r-1".to_owned()]);

    // On this single-threaded runtime all three are queued before the
    // writer runs, so they go in one batch.
    let (a, b, c) = tokio::join!(
        writer.record(vec![row("group-a1"), row("group-a2")]),
        writer.record(vec![bad]),
        writer.record(vec![row("group-c")]),
    );
    assert!(a.is_ok(), "{a:?}");
    assert!(b.is_err(), "the bad row is refused");
    assert!(c.is_ok(), "{c:?}");
    assert_eq!(batches.totals(), (1, 3), "one insert for three requests");
    let stored: HashSet<String> = app
        .db
        .sql("SELECT action FROM audit_events WHERE actor = 'group-commit'")
        .await
        .expect("rows")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: HashSet<String> = ["group-a1", "group-a2", "group-c"].map(String::from).into();
    assert_eq!(stored, expected);

    // A writer whose runtime has gone no longer queues: the caller writes.
    let direct = AuditWriter::direct(app.pool.clone());
    assert!(direct.record(vec![row("group-direct")]).await.is_ok());
    assert_eq!(batches.totals(), (1, 3), "not through the batches");
}

/// Concurrent reads through the server: every answer's audit row is stored
/// before it leaves, all of them through the group-commit writer.
#[tokio::test]
async fn concurrent_reads_are_audited_through_the_group_commit_writer() {
    let app = TestApp::spawn().await;
    let t = app.team("A08").await;
    let urn = t.schools[0].urn.clone();
    let id = app.submit(&urn, &upn(80), 4).await.id();
    let manager = app.manager(&t);
    let batched = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("sct_audit_batch_requests_sum "))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .expect("sct_audit_batch_requests_sum")
    };
    let scrape = || async {
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    };
    let before = batched(&scrape().await);
    let reads = (0..24).map(|n| {
        let rid = format!("group-read-{n}");
        let path = format!("/api/v1/referrals/{id}");
        let (app, manager) = (&app, &manager);
        async move {
            app.call(
                Method::GET,
                &path,
                Some(manager),
                None,
                &[("x-request-id", rid.as_str())],
            )
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(reads).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let stored = app
        .db
        .sql(&format!(
            "SELECT count(*) FROM audit_events WHERE request_id LIKE 'group-read-%' AND subject_id = '{id}'"
        ))
        .await
        .expect("count")[0]
        .get::<_, i64>(0);
    assert_eq!(stored, 24, "every answer's row is stored before it leaves");
    let after = batched(&scrape().await);
    assert!(
        after - before >= 24.0,
        "{before} -> {after}: the reads went through the writer"
    );
}
