//! A practitioner's working day over HTTP (issue 16, items 1, 3 and 5): a
//! caseload in priority order that pages across equal priorities, reviews
//! falling due, a manager's triage queue in priority order; case notes with
//! their visibility and a case's chronology of every kind of entry; "was
//! this child known to us before?", audited with its reason.

use crate::delivery::{add_intervention, goal_ids, plan_body};
use sct_e2e::{assert_field_error, assert_status, items, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

/// Sets a referral's priority directly (the policy decides it at
/// submission; the test needs exact ties).
async fn set_priority(app: &TestApp, id: &str, band: &str, score: i32) {
    app.db
        .sql(&format!(
            "UPDATE referrals SET priority_band = '{band}', priority_score = {score} WHERE id = '{id}'"
        ))
        .await
        .expect("priority");
}

/// Accepts and allocates a referral to the team's practitioner `p`.
async fn allocated(app: &TestApp, t: &TestTeam, child: u32, p: usize) -> (String, String) {
    let (id, etag) = app.submitted(t, child, 4).await;
    let manager = app.manager(t);
    let accepted = app.act(&id, "accept", &manager, &etag, &json!({})).await;
    assert_status(&accepted, 200);
    let alloc = app
        .act(
            &id,
            "allocate",
            &manager,
            &accepted.etag(),
            &json!({"worker_id": t.practitioners[p].id}),
        )
        .await;
    assert_status(&alloc, 200);
    (id, alloc.etag())
}

/// Every page of a list, following `next_cursor`.
async fn all_pages(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}cursor={c}"),
            None => path.to_owned(),
        };
        let page = app.get(&url, token).await;
        assert_status(&page, 200);
        out.extend(items(&page).iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("more than 50 pages");
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_caseload_in_priority_order_pages_across_equal_priorities() {
    let app = TestApp::spawn().await;
    let t = app.team("CL1").await;
    let other = app.team("CL2").await;
    let p1 = app.practitioner(&t, 1);
    let manager = app.manager(&t);
    // Five allocated to practitioner 1, one co-worked by them, one of
    // another worker, one waiting in the queue.
    let mut mine = Vec::new();
    for n in 0..5 {
        mine.push(allocated(&app, &t, 100 + n, 1).await);
    }
    let (co, co_etag) = allocated(&app, &t, 110, 2).await;
    let added = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/referrals/{co}/co-workers"),
            Some(&manager),
            Some(&json!({"worker_id": t.practitioners[1].id})),
            &[("if-match", &co_etag)],
        )
        .await;
    assert_status(&added, 200);
    let (not_mine, _) = allocated(&app, &t, 111, 2).await;
    let (waiting, _) = app.submitted(&t, 112, 4).await;
    // urgent 50; four ties at high 20 (in submission order); routine 5.
    set_priority(&app, &mine[0].0, "routine", 5).await;
    set_priority(&app, &mine[1].0, "high", 20).await;
    set_priority(&app, &mine[2].0, "urgent", 50).await;
    set_priority(&app, &mine[3].0, "high", 20).await;
    set_priority(&app, &mine[4].0, "high", 20).await;
    set_priority(&app, &co, "high", 20).await;
    set_priority(&app, &not_mine, "urgent", 90).await;
    let expected = vec![
        mine[2].0.clone(),
        mine[1].0.clone(),
        mine[3].0.clone(),
        mine[4].0.clone(),
        co.clone(),
        mine[0].0.clone(),
    ];

    let paged = all_pages(
        &app,
        "/api/v1/referrals?worker_id=me&sort=priority&limit=2",
        &p1,
    )
    .await;
    assert_eq!(ids(&paged), expected, "priority, then score, then age");
    let one_page = app
        .get("/api/v1/referrals?worker_id=me&sort=priority", &p1)
        .await;
    assert_eq!(ids(items(&one_page)), expected);
    // A page boundary inside the ties, and one item per page.
    let single = all_pages(
        &app,
        "/api/v1/referrals?worker_id=me&sort=priority&limit=1",
        &p1,
    )
    .await;
    assert_eq!(ids(&single), expected);
    // The manager reads the same caseload by the worker's id.
    let by_manager = all_pages(
        &app,
        &format!(
            "/api/v1/referrals?worker_id={}&sort=priority&limit=4",
            t.practitioners[1].id
        ),
        &manager,
    )
    .await;
    assert_eq!(ids(&by_manager), expected);
    // Another team's manager sees none of it.
    let foreign = app
        .get(
            &format!(
                "/api/v1/referrals?worker_id={}&sort=priority",
                t.practitioners[1].id
            ),
            &app.manager(&other),
        )
        .await;
    assert_status(&foreign, 200);
    assert!(items(&foreign).is_empty());

    // Status lists, and reviews falling due (six weeks after the start).
    let started = app
        .act(&mine[3].0, "start", &p1, &mine[3].1, &json!({}))
        .await;
    assert_status(&started, 200);
    let due = started.body["review_due_on"]
        .as_str()
        .expect("due")
        .to_owned();
    assert_eq!(
        due,
        (sct_persistence::now().date_naive() + chrono::Days::new(42)).to_string()
    );
    let active = app
        .get("/api/v1/referrals?worker_id=me&status=active", &p1)
        .await;
    assert_eq!(ids(items(&active)), vec![mine[3].0.clone()]);
    let open = app
        .get(
            "/api/v1/referrals?worker_id=me&status=allocated,active&sort=priority",
            &p1,
        )
        .await;
    assert_eq!(ids(items(&open)), expected);
    let day_after = (sct_persistence::now().date_naive() + chrono::Days::new(43)).to_string();
    let falling_due = app
        .get(
            &format!("/api/v1/referrals?review_due_before={day_after}"),
            &manager,
        )
        .await;
    assert_eq!(ids(items(&falling_due)), vec![mine[3].0.clone()]);
    let not_yet = app
        .get(
            &format!("/api/v1/referrals?review_due_before={due}"),
            &manager,
        )
        .await;
    assert!(items(&not_yet).is_empty(), "{}", not_yet.text);

    // The manager's triage queue, most urgent first.
    let (w2, _) = app.submitted(&t, 113, 4).await;
    let (w3, _) = app.submitted(&t, 114, 4).await;
    set_priority(&app, &waiting, "high", 30).await;
    set_priority(&app, &w2, "urgent", 10).await;
    set_priority(&app, &w3, "high", 31).await;
    let queue = all_pages(
        &app,
        "/api/v1/referrals?status=submitted&sort=priority&limit=1",
        &manager,
    )
    .await;
    assert_eq!(ids(&queue), vec![w2, w3, waiting]);

    // Refusals.
    app.get(
        "/api/v1/referrals?worker_id=me",
        &app.school(&t.schools[0].urn),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.get("/api/v1/referrals?worker_id=me", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/referrals?worker_id=someone", &manager)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/referrals?status=active,bogus", &manager)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(
        "/api/v1/referrals?sort=priority&updated_since=2026-01-01T00:00:00Z",
        &manager,
    )
    .await
    .assert_problem(400, "invalid_parameter");
    let created_page = app.get("/api/v1/referrals?limit=1", &manager).await;
    let created_cursor = created_page.body["next_cursor"].as_str().expect("cursor");
    app.get(
        &format!("/api/v1/referrals?sort=priority&cursor={created_cursor}"),
        &manager,
    )
    .await
    .assert_problem(400, "invalid_cursor");
}

/// A referral of the team, allocated to practitioner 0 and started.
async fn active(app: &TestApp, t: &TestTeam, child: u32) -> String {
    let (id, etag) = allocated(app, t, child, 0).await;
    let started = app
        .act(&id, "start", &app.practitioner(t, 0), &etag, &json!({}))
        .await;
    assert_status(&started, 200);
    id
}

fn note(kind: &str, on: &str, text: &str, visibility: &str) -> Value {
    json!({"kind": kind, "occurred_on": on, "text": text, "visibility": visibility})
}

#[tokio::test]
async fn case_notes_keep_their_visibility_and_the_chronology_shows_every_kind() {
    let app = TestApp::spawn().await;
    let t = app.team("CN1").await;
    let other = app.team("CN2").await;
    let id = active(&app, &t, 200).await;
    let p0 = app.practitioner(&t, 0);
    let p1 = app.practitioner(&t, 1);
    let manager = app.manager(&t);
    let school = app.school(&t.schools[0].urn);
    let notes = format!("/api/v1/referrals/{id}/notes");

    let call = app
        .post(
            &notes,
            &p0,
            &note("call", "2026-11-23", "Called mum about mornings", "team"),
        )
        .await;
    assert_status(&call, 201);
    assert_eq!(call.body["visibility"], "team");
    assert_eq!(call.body["author_worker_id"], json!(t.practitioners[0].id));
    let location = call.header("location").expect("location").to_owned();
    assert_status(&app.get(&location, &manager).await, 200);
    let visit = app
        .post(
            &notes,
            &p0,
            &note(
                "visit",
                "2026-11-24",
                "Home visit: disclosure",
                "restricted",
            ),
        )
        .await;
    assert_status(&visit, 201);
    let email = app
        .post(
            &notes,
            &manager,
            &json!({"kind": "email", "occurred_on": "2026-11-22", "text": "Emailed the SENCo"}),
        )
        .await;
    assert_status(&email, 201);
    assert_eq!(email.body["visibility"], "team", "team by default");

    // Refusals: future date, empty text, unknown field, wrong kind, a
    // school, a worker who does not work the case, another team.
    assert_field_error(
        &app.post(&notes, &p0, &note("call", "2199-01-01", "x", "team"))
            .await,
        "occurred_on",
        "in_future",
    );
    assert_eq!(
        app.post(&notes, &p0, &note("call", "2026-11-23", "", "team"))
            .await
            .status,
        422
    );
    let mut extra = note("call", "2026-11-23", "x", "team");
    extra["secret"] = json!(true);
    assert_eq!(app.post(&notes, &p0, &extra).await.status, 422);
    assert_eq!(
        app.post(&notes, &p0, &note("fax", "2026-11-23", "x", "team"))
            .await
            .status,
        422
    );
    app.post(&notes, &school, &note("call", "2026-11-23", "x", "team"))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&notes, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post(&notes, &p1, &note("call", "2026-11-23", "x", "team"))
        .await
        .assert_problem(404, "not_found");
    app.get(&notes, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.post(
        "/api/v1/referrals/00000000-0000-4000-8000-000000000000/notes",
        &manager,
        &note("call", "2026-11-23", "x", "team"),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(app.db.count("case_notes").await, 3);

    // Newest first by the day of contact, paged; restricted notes for
    // those who work the case, managers and la_admin.
    for token in [&p0, &manager, &app.admin()] {
        let listed = all_pages(&app, &format!("{notes}?limit=2"), token).await;
        let kinds: Vec<&str> = listed
            .iter()
            .map(|n| n["kind"].as_str().expect("kind"))
            .collect();
        assert_eq!(kinds, vec!["visit", "call", "email"]);
    }
    // A co-worker reads restricted notes too; once removed, nothing.
    let current = app.get(&format!("/api/v1/referrals/{id}"), &manager).await;
    let added = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/referrals/{id}/co-workers"),
            Some(&manager),
            Some(&json!({"worker_id": t.practitioners[1].id})),
            &[("if-match", &current.etag())],
        )
        .await;
    assert_status(&added, 200);
    assert_eq!(items(&app.get(&notes, &p1).await).len(), 3);
    let restricted_path = visit.header("location").expect("location").to_owned();
    assert_status(&app.get(&restricted_path, &p1).await, 200);
    let removed = app
        .call(
            reqwest::Method::DELETE,
            &format!(
                "/api/v1/referrals/{id}/co-workers/{}",
                t.practitioners[1].id
            ),
            Some(&manager),
            None,
            &[("if-match", &added.etag())],
        )
        .await;
    assert_status(&removed, 200);
    app.get(&restricted_path, &p1)
        .await
        .assert_problem(404, "not_found");

    // Chronology: a plan review, a session, notes, consent, status changes.
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let plan = app
        .put(
            &format!("/api/v1/referrals/{id}/plan"),
            &p0,
            None,
            &plan_body(2, 7, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);
    let session = app
        .post(
            &format!("/api/v1/referrals/{id}/sessions"),
            &p0,
            &json!({"held_on": "2026-11-25", "duration_minutes": 45, "attendance": "attended",
                    "attendees": {"child": true, "parent_carer": false, "school_staff": true}}),
        )
        .await;
    assert_status(&session, 201);
    let review = app
        .post(
            &format!("/api/v1/referrals/{id}/reviews"),
            &p0,
            &json!({"reviewed_on": "2026-11-26", "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}]}),
        )
        .await;
    assert_status(&review, 201);
    // The next review falls due six weeks after this one.
    let after_review = app.get(&format!("/api/v1/referrals/{id}"), &p0).await;
    assert_eq!(after_review.body["review_due_on"], "2027-01-07");

    let chronology = format!("/api/v1/referrals/{id}/chronology");
    let full = app.get(&chronology, &p0).await;
    assert_status(&full, 200);
    let entries = items(&full).to_vec();
    let mut kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    let days: Vec<&str> = entries
        .iter()
        .map(|e| e["on"].as_str().expect("on"))
        .collect();
    let mut sorted = days.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(days, sorted, "newest first: {}", full.text);
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        vec!["consent", "note", "review", "session", "status_change"]
    );
    // Every history entry, the consent, the session, the review, 3 notes.
    let history = app
        .get(&format!("/api/v1/referrals/{id}/history"), &p0)
        .await;
    assert_eq!(entries.len(), items(&history).len() + 6, "{}", full.text);
    let paged = all_pages(&app, &format!("{chronology}?limit=3"), &p0).await;
    assert_eq!(paged, entries, "pages join up");
    app.get(&chronology, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&chronology, &p1)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{chronology}?cursor=bogus"), &p0)
        .await
        .assert_problem(400, "invalid_cursor");

    // Notes are personal data: in the export, anonymised by an erasure.
    let child = after_review.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let export = app
        .get(&format!("/api/v1/children/{child}/export"), &app.admin())
        .await;
    assert_status(&export, 200);
    assert_eq!(
        export.body["referrals"][0]["notes"]
            .as_array()
            .expect("notes")
            .len(),
        3
    );
    let erased = app
        .post(
            &format!("/api/v1/children/{child}/erasure"),
            &app.admin(),
            &json!({"override": true, "justification": "Court order"}),
        )
        .await;
    assert_status(&erased, 200);
    assert_eq!(
        app.db
            .count("case_notes WHERE text <> '[anonymised]' OR anonymised_at IS NULL")
            .await,
        0
    );
}

fn lookup_body(fields: &Value) -> Value {
    let mut b = json!({"reason": "New referral: checking for earlier early help"});
    for (k, v) in fields.as_object().expect("object") {
        b[k] = v.clone();
    }
    b
}

async fn lookup(app: &TestApp, token: &str, fields: &Value) -> Reply {
    app.post("/api/v1/children/lookup", token, &lookup_body(fields))
        .await
}

#[tokio::test]
async fn staff_learn_whether_a_child_was_known_but_never_another_zones_case() {
    let app = TestApp::spawn().await;
    let a = app.team("LK1").await;
    let b = app.team("LK2").await;
    let (id, _) = app.submitted(&a, 300, 4).await;
    let child_upn = upn(300);

    // Another zone's practitioner: known, current, which team; no details.
    let far = lookup(&app, &app.practitioner(&b, 0), &json!({"upn": child_upn})).await;
    assert_status(&far, 200);
    assert_eq!(far.body["child_found"], true);
    assert_eq!(far.body["known"], true);
    assert_eq!(far.body["current"], true);
    let r = &far.body["referrals"][0];
    assert_eq!(r["team"]["id"], json!(a.team.id));
    assert_eq!(r["zone"]["id"], json!(a.zone.id));
    assert_eq!(r["current"], true);
    for hidden in [
        "referral_id",
        "reference",
        "status",
        "submitted_on",
        "closed_on",
    ] {
        assert_eq!(r[hidden], Value::Null, "{hidden} of another zone's case");
    }
    // The holding team's own staff and la_admin see the case.
    for token in [app.manager(&a), app.practitioner(&a, 1), app.admin()] {
        let near = lookup(&app, &token, &json!({"upn": child_upn})).await;
        assert_status(&near, 200);
        assert_eq!(near.body["referrals"][0]["referral_id"], json!(id));
        assert_eq!(near.body["referrals"][0]["status"], "submitted");
    }
    // By names (any case) and date of birth.
    let by_names = lookup(
        &app,
        &app.manager(&b),
        &json!({"given_name": "sam", "family_name": "EXAMPLE", "date_of_birth": "2016-03-14"}),
    )
    .await;
    assert_status(&by_names, 200);
    assert_eq!(by_names.body["known"], true);
    let unknown = lookup(&app, &app.manager(&b), &json!({"upn": upn(301)})).await;
    assert_status(&unknown, 200);
    assert_eq!(unknown.body["child_found"], false);
    assert_eq!(unknown.body["known"], false);
    assert_eq!(unknown.body["referrals"], json!([]));

    // Refusals: no reason, too few identifying fields, a bad UPN, schools.
    let manager = app.manager(&b);
    let no_reason = app
        .post(
            "/api/v1/children/lookup",
            &manager,
            &json!({"upn": child_upn}),
        )
        .await;
    assert_field_error(&no_reason, "reason", "required");
    assert_field_error(
        &app.post(
            "/api/v1/children/lookup",
            &manager,
            &json!({"upn": child_upn, "reason": "  "}),
        )
        .await,
        "reason",
        "required",
    );
    assert_field_error(
        &lookup(
            &app,
            &manager,
            &json!({"given_name": "Sam", "date_of_birth": "2016-03-14"}),
        )
        .await,
        "family_name",
        "required",
    );
    assert_field_error(
        &lookup(&app, &manager, &json!({})).await,
        "given_name",
        "required",
    );
    assert_eq!(
        lookup(&app, &manager, &json!({"upn": "not-a-upn"}))
            .await
            .status,
        422
    );
    // A field that is sent keeps its bounds, even beside a UPN.
    assert_field_error(
        &lookup(
            &app,
            &manager,
            &json!({"upn": child_upn, "family_name": ""}),
        )
        .await,
        "family_name",
        "length",
    );
    lookup(
        &app,
        &app.school(&a.schools[0].urn),
        &json!({"upn": child_upn}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");

    // Every lookup is audited with its reason, kept apart (by id).
    let lookups = app.db.count("child_lookups").await;
    assert_eq!(lookups, 6, "six lookups answered");
    assert_eq!(
        app.db
            .count("audit_events WHERE action = 'lookup_child' AND subject_type = 'child_lookup'")
            .await,
        6
    );
    assert_eq!(
        app.db
            .count("audit_events WHERE action = 'lookup_child' AND subject_type = 'child'")
            .await,
        5,
        "one row per matched child"
    );
    assert_eq!(
        app.db
            .count("audit_events WHERE details::text LIKE '%early help%'")
            .await,
        0,
        "the reason is not in the append-only rows"
    );
    let far_id = far.body["lookup_id"].as_str().expect("lookup id");
    let kept = app
        .db
        .sql(&format!(
            "SELECT reason FROM child_lookups WHERE id = '{far_id}'"
        ))
        .await
        .expect("reason");
    assert_eq!(
        kept[0].get::<_, String>(0),
        "New referral: checking for earlier early help"
    );
    // A query: no Idempotency-Key in the contract.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"),
        )
        .expect("document"),
    )
    .expect("json");
    let params = doc["paths"]["/api/v1/children/lookup"]["post"]["parameters"].clone();
    assert!(!params.to_string().contains("Idempotency-Key"), "{params}");
}
