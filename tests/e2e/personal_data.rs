//! The personal-data map (issue 13, item 7): it classifies every column of
//! the database, names one that is not classified, and drives erasure: after
//! it, no endpoint that can show a child returns the erased names, date of
//! birth or UPN.

use reqwest::Method;
use sct_e2e::{referral_body, upn, Reply, TestApp, TestDb};
use sct_persistence::data_protection::map;
use sct_persistence::Db;
use serde_json::{json, Value};

#[tokio::test]
async fn the_map_classifies_every_column_of_the_database() {
    let db = TestDb::new().await;
    let pool = Db::connect(&db.url, 1).expect("pool");
    let mut c = pool.conn().await.expect("conn");
    let (missing, stale) = map::unclassified(&mut c, "public").await.expect("columns");
    assert!(
        missing.is_empty(),
        "columns not in the personal-data map: {missing:?}"
    );
    assert!(stale.is_empty(), "map entries naming no column: {stale:?}");
}

#[tokio::test]
async fn a_column_added_without_classification_is_named() {
    // A throwaway database of this test: the column exists only there.
    let db = TestDb::new().await;
    db.sql("ALTER TABLE children ADD COLUMN nickname TEXT")
        .await
        .expect("alter");
    db.sql("CREATE TABLE family_notes (id UUID PRIMARY KEY, note TEXT)")
        .await
        .expect("create");
    let pool = Db::connect(&db.url, 1).expect("pool");
    let mut c = pool.conn().await.expect("conn");
    let (missing, _) = map::unclassified(&mut c, "public").await.expect("columns");
    assert_eq!(
        missing,
        ["children.nickname", "family_notes.id", "family_notes.note"]
    );
}

fn body(urn: &str, upn: &str, given: &str, family: &str, dob: &str) -> Value {
    let mut b = referral_body(urn, upn, 4);
    b["child"]["given_name"] = json!(given);
    b["child"]["family_name"] = json!(family);
    b["child"]["date_of_birth"] = json!(dob);
    b["reason"] = json!(format!("{given} is anxious"));
    b
}

fn ok(r: &Reply, what: &str) {
    assert!(
        r.status == 200 || r.status == 201,
        "{what}: {} {}",
        r.status,
        r.text
    );
}

#[tokio::test]
async fn after_erasure_no_endpoint_shows_the_childs_names_dob_or_upn() {
    let app = TestApp::spawn().await;
    let t = app.team("PD1").await;
    let (a, b) = (t.schools[0].urn.clone(), t.schools[1].urn.clone());
    let admin = app.admin();
    let manager = app.manager(&t);
    let practitioner = app.practitioner(&t, 0);
    let the_upn = upn(41);

    // School A refers Erin; school B the same UPN as Bodhi, born another day.
    let first = app
        .post(
            "/api/v1/referrals",
            &app.school(&a),
            &body(&a, &the_upn, "Erin", "Vanish", "2016-03-14"),
        )
        .await;
    ok(&first, "submit A");
    let id = first.id();
    let child = first.body["child"]["id"]
        .as_str()
        .expect("child")
        .to_owned();
    let second = app
        .post(
            "/api/v1/referrals",
            &app.school(&b),
            &body(&b, &the_upn, "Bodhi", "Clashing", "2015-05-05"),
        )
        .await;
    ok(&second, "submit B");
    // Staff take B's details into the record: the child's history names both.
    let conflicts = app.get("/api/v1/child-conflicts", &admin).await;
    let conflict = conflicts.body["items"][0]["id"]
        .as_str()
        .expect("conflict")
        .to_owned();
    let read = app
        .get(&format!("/api/v1/child-conflicts/{conflict}"), &admin)
        .await;
    ok(
        &app.call(
            Method::POST,
            &format!("/api/v1/child-conflicts/{conflict}/resolve"),
            Some(&admin),
            Some(&json!({"resolution": "use_submitted", "note": "Erin Vanish is Bodhi"})),
            &[("if-match", &read.etag())],
        )
        .await,
        "resolve",
    );

    // Work with the child: accepted, allocated, started; a plan, a session, a
    // review, and a consultation naming the UPN.
    let accepted = app
        .act(&id, "accept", &manager, &first.etag(), &json!({}))
        .await;
    ok(&accepted, "accept");
    let allocated = app
        .act(
            &id,
            "allocate",
            &manager,
            &accepted.etag(),
            &json!({"worker_id": t.practitioners[0].id}),
        )
        .await;
    ok(&allocated, "allocate");
    ok(
        &app.act(&id, "start", &practitioner, &allocated.etag(), &json!({}))
            .await,
        "start",
    );
    let plan = app
        .put(
            &format!("/api/v1/referrals/{id}/plan"),
            &practitioner,
            None,
            &json!({"goals": [{"area": "social_emotional_mental_health", "description": "Erin comes into class calmly", "baseline": 2, "target": 7}], "intervention_ids": []}),
        )
        .await;
    ok(&plan, "plan");
    let goal = plan.body["goals"][0]["id"]
        .as_str()
        .expect("goal")
        .to_owned();
    let session = app
        .post(
            &format!("/api/v1/referrals/{id}/sessions"),
            &practitioner,
            &json!({"held_on": "2026-11-20", "duration_minutes": 45, "attendance": "attended",
                    "attendees": {"child": true, "parent_carer": false, "school_staff": true},
                    "notes": "Erin practised the calm-down plan"}),
        )
        .await;
    ok(&session, "session");
    let review = app
        .post(
            &format!("/api/v1/referrals/{id}/reviews"),
            &practitioner,
            &json!({"reviewed_on": "2026-11-22", "notes": "Erin Vanish is calmer", "ratings": [{"goal_id": goal, "rating": 5}]}),
        )
        .await;
    ok(&review, "review");
    let consultation = app
        .post(
            "/api/v1/consultations",
            &manager,
            &json!({"school_urn": a, "held_on": "2026-11-20", "topic": "Erin and school avoidance",
                    "subject": "child", "upn": the_upn, "indes_areas": ["social_emotional_mental_health"],
                    "advice": "Erin needs a key adult"}),
        )
        .await;
    ok(&consultation, "consultation");

    // A supervision session discussing the child, and a programme enrolling
    // a parent for the child's referral.
    let practice = app
        .post(
            "/api/v1/practice-sessions",
            &practitioner,
            &json!({
                "kind": "group_supervision", "zone_id": t.zone.id, "held_on": "2026-11-26",
                "facilitator_id": t.manager.id, "themes": ["school avoidance"],
                "attendees": {"worker_ids": [t.practitioners[0].id], "partners": []},
                "case_discussions": [{"referral_id": id, "summary": "Erin Vanish: mornings improving"}],
                "actions": [{"description": "Ring Erin's family", "owner_id": t.practitioners[0].id, "due_on": "2026-12-10"}]
            }),
        )
        .await;
    ok(&practice, "practice session");
    let programme = app
        .post(
            "/api/v1/programmes",
            &manager,
            &json!({
                "programme_type": "parenting_programme", "title": "Triple P Group",
                "description": "Eight weekly sessions", "zone_id": t.zone.id, "hub_id": null,
                "capacity": 5, "starts_on": "2027-01-11", "ends_on": "2027-03-01",
                "audience": {"age_from": 2, "age_to": 12, "needs": ["behaviour"]}
            }),
        )
        .await;
    ok(&programme, "programme");
    let pid = programme.id();
    ok(
        &app.call_if_match(
            Method::POST,
            &format!("/api/v1/programmes/{pid}/status"),
            &manager,
            Some(&programme.etag()),
            Some(&json!({"status": "open"})),
        )
        .await,
        "open programme",
    );
    let enrolment = app
        .post(
            &format!("/api/v1/programmes/{pid}/enrolments"),
            &manager,
            &json!({"parent_carer_name": "Pat Vanish", "contact_consent": true, "referral_id": id}),
        )
        .await;
    ok(&enrolment, "enrolment");

    // Before the erasure the export holds all of it (driven by the map).
    let before = app
        .get(&format!("/api/v1/children/{child}/export"), &admin)
        .await;
    ok(&before, "export before");
    for held in [
        "Erin comes into class calmly",
        "Erin practised",
        "Erin Vanish is calmer",
        "Erin needs a key adult",
        "mornings improving",
        "Ring Erin's family",
        "Pat Vanish",
        "Bodhi",
        "Clashing",
        "2015-05-05",
    ] {
        assert!(before.text.contains(held), "the export lacks {held}");
    }

    // Erase (a referral is open: an override with a justification).
    let erased = app
        .post(
            &format!("/api/v1/children/{child}/erasure"),
            &admin,
            &json!({"override": true, "justification": "Court order 2026/999 requires it"}),
        )
        .await;
    ok(&erased, "erasure");

    let needles = [
        "Erin",
        "Vanish",
        "Bodhi",
        "Clashing",
        "2016-03-14",
        "2015-05-05",
        the_upn.as_str(),
    ];
    let session_id = session.id();
    let reads: Vec<(String, String)> = [
        format!("/api/v1/referrals/{id}"),
        format!("/api/v1/referrals/{}", second.id()),
        "/api/v1/referrals".to_owned(),
        "/api/v1/referrals?updated_since=2020-01-01T00:00:00Z".to_owned(),
        format!("/api/v1/referrals/{id}/history"),
        format!("/api/v1/children/{child}/history"),
        format!("/api/v1/children/{child}/export"),
        "/api/v1/child-conflicts".to_owned(),
        format!("/api/v1/child-conflicts/{conflict}"),
        "/api/v1/consultations".to_owned(),
        format!("/api/v1/consultations/{}", consultation.id()),
        format!("/api/v1/referrals/{id}/plan"),
        format!("/api/v1/referrals/{id}/plan/versions"),
        format!("/api/v1/referrals/{id}/sessions"),
        format!("/api/v1/sessions/{session_id}"),
        format!("/api/v1/referrals/{id}/reviews"),
        format!("/api/v1/referrals/{id}/reviews/{}", review.id()),
        format!("/api/v1/practice-sessions/{}", practice.id()),
        "/api/v1/practice-sessions".to_owned(),
        format!("/api/v1/programmes/{pid}/enrolments"),
        format!("/api/v1/programmes/{pid}/enrolments/{}", enrolment.id()),
    ]
    .into_iter()
    .map(|p| (p, admin.clone()))
    .chain([
        (format!("/api/v1/referrals/{id}"), app.school(&a)),
        ("/api/v1/referrals".to_owned(), app.school(&a)),
        (format!("/api/v1/referrals/{}", second.id()), app.school(&b)),
        ("/api/v1/consultations".to_owned(), app.school(&a)),
        (format!("/api/v1/referrals/{id}"), manager.clone()),
        (format!("/api/v1/referrals/{id}/plan"), practitioner.clone()),
    ])
    .collect();
    for (path, token) in &reads {
        let r = app.get(path, token).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        for n in needles {
            assert!(!r.text.contains(n), "{path} still shows {n}: {}", r.text);
        }
    }
    // The export shows the held tables, anonymised.
    let export = app
        .get(&format!("/api/v1/children/{child}/export"), &admin)
        .await;
    let held: Vec<&str> = export.body["held"]
        .as_array()
        .expect("held")
        .iter()
        .map(|t| t["table"].as_str().unwrap_or(""))
        .collect();
    for table in [
        "case_discussions",
        "practice_actions",
        "programme_enrolments",
        "children",
        "referrals",
        "child_history",
        "child_conflicts",
        "consultations",
        "plan_goals",
        "delivery_sessions",
        "plan_reviews",
    ] {
        assert!(held.contains(&table), "{table} missing from {held:?}");
    }
    // And nothing of it stays in the database's mapped columns either.
    for p in map::PERSONAL {
        if p.table == "erasure_justifications" || p.table == "audit_events" {
            continue;
        }
        let rows = app
            .db
            .sql(&format!(
                "SELECT {}::text FROM {} WHERE {}::text IS NOT NULL",
                p.column, p.table, p.column
            ))
            .await
            .expect("column");
        for row in rows {
            let v: String = row.get(0);
            for n in needles {
                assert!(
                    !v.contains(n),
                    "{}.{} still holds {n}: {v}",
                    p.table,
                    p.column
                );
            }
        }
    }
}
