//! A family's early help assessment and family plan (issue 13, item 2)
//! over HTTP: recorded, read, changed with If-Match, versioned; who may
//! (the zone's team and la_admin; another zone 404; schools 403); bad
//! payloads 422 storing nothing; a support plan naming the family plan; an
//! enrolment naming an adult of the family.

use crate::delivery::active_referral;
use crate::families::world;
use sct_e2e::{assert_field_error, assert_status, TestApp};
use serde_json::{json, Value};

fn assessment(kid: &str) -> Value {
    json!({
        "assessed_on": "2026-11-30",
        "child_areas": [{"child_member_id": kid, "area": "social_emotional_mental_health",
                         "needs": "Anxious at the gate", "strengths": "Talks at home"}],
        "family_areas": [{"area": "routines", "needs": "Rushed mornings", "strengths": "Settled bedtime"},
                         {"area": "housing", "needs": "Damp flat", "strengths": "Stable tenancy"}],
        "family_view": "We want calmer mornings"
    })
}

fn plan(owner_member: &str, owner_worker: &str) -> Value {
    json!({
        "goals": [{"area": "routines", "description": "Mornings without shouting", "baseline": 2, "target": 7},
                  {"area": "parenting", "description": "Praise before correction", "baseline": 3, "target": 8}],
        "actions": [{"description": "Visual morning timetable", "owner_member_id": owner_member, "due_on": "2026-12-20"},
                    {"description": "Housing referral", "owner_worker_id": owner_worker, "due_on": "2026-12-15"}],
        "review_dates": ["2027-01-15"]
    })
}

#[tokio::test]
async fn an_assessment_is_recorded_read_changed_and_refused_as_it_should() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mgr = app.manager(&w.a);
    let pr = app.practitioner(&w.a, 0);
    let path = format!("/api/v1/families/{}/assessments", w.fam);

    let made = app
        .post_keyed(&path, &pr, "fam-assess-1", &assessment(&w.kids[0]))
        .await;
    assert_status(&made, 201);
    assert_eq!(made.body["assessed_by"], w.a.practitioners[0].subject);
    assert_eq!(
        made.body["child_areas"][0]["child_member_id"],
        json!(w.kids[0])
    );
    assert_eq!(made.body["family_areas"][1]["area"], "housing");
    assert_eq!(made.body["family_view"], "We want calmer mornings");
    // The same key again: the same assessment, nothing new.
    let again = app
        .post_keyed(&path, &pr, "fam-assess-1", &assessment(&w.kids[0]))
        .await;
    assert_eq!(again.body["id"], made.body["id"], "{}", again.text);
    assert_eq!(app.db.count("family_assessments").await, 1);

    let one = format!("{path}/{}", made.id());
    let read = app.get(&one, &mgr).await;
    assert_status(&read, 200);
    assert_eq!(read.etag(), "\"v1\"");
    let list = app.get(&path, &app.admin()).await;
    assert_status(&list, 200);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));

    // Bad payloads: 422, nothing stored.
    let before = app.db.count("family_assessment_areas").await;
    let mut b = assessment(&w.kids[0]);
    b["family_areas"][0]["area"] = json!("gardening");
    app.post(&path, &pr, &b)
        .await
        .assert_problem(422, "validation_failed");
    let mut b = assessment(&w.adults[0]);
    b["family_view"] = json!("x");
    assert_field_error(
        &app.post(&path, &pr, &b).await,
        "child_areas[0].child_member_id",
        "not_a_member",
    );
    let mut b = assessment(&w.kids[0]);
    b["family_areas"][1]["area"] = json!("routines");
    assert_field_error(
        &app.post(&path, &pr, &b).await,
        "family_areas[1].area",
        "duplicate_area",
    );
    assert_field_error(
        &app.post(&path, &pr, &json!({"assessed_on": "2026-11-30"}))
            .await,
        "family_areas",
        "required",
    );
    let mut b = assessment(&w.kids[0]);
    b["assessed_on"] = json!("2199-01-01");
    assert_field_error(&app.post(&path, &pr, &b).await, "assessed_on", "in_future");
    assert_eq!(app.db.count("family_assessment_areas").await, before);

    // Change: If-Match required (428), stale (412), current (200).
    let mut change = assessment(&w.kids[1]);
    change["family_view"] = json!("Mornings are better");
    assert_eq!(app.put(&one, &pr, None, &change).await.status, 428);
    app.put(&one, &pr, Some("\"v9\""), &change)
        .await
        .assert_problem(412, "version_mismatch");
    let changed = app.put(&one, &pr, Some("\"v1\""), &change).await;
    assert_status(&changed, 200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["family_view"], "Mornings are better");
    assert_eq!(
        changed.body["child_areas"][0]["child_member_id"],
        json!(w.kids[1])
    );
    assert_eq!(changed.body["assessed_by"], w.a.practitioners[0].subject);

    // Who may: schools and MIS clients never (403, even of their own
    // family); another zone's team 404.
    let school = app.school(&w.a.schools[0].urn);
    for (r, _) in [
        (app.get(&path, &school).await, 0),
        (app.get(&one, &school).await, 0),
        (app.post(&path, &school, &assessment(&w.kids[0])).await, 0),
        (app.put(&one, &school, Some("\"v2\""), &change).await, 0),
    ] {
        r.assert_problem(403, "forbidden_for_role");
    }
    let b = app.team("B02").await;
    let other = app.manager(&b);
    app.get(&path, &other)
        .await
        .assert_problem(404, "not_found");
    app.get(&one, &other).await.assert_problem(404, "not_found");
    app.post(&path, &other, &assessment(&w.kids[0]))
        .await
        .assert_problem(404, "not_found");
    app.put(&one, &other, Some("\"v2\""), &change)
        .await
        .assert_problem(404, "not_found");
    // Another family's assessment path: 404.
    let f2 = app.post("/api/v1/families", &mgr, &json!({})).await;
    app.get(
        &format!("/api/v1/families/{}/assessments/{}", f2.id(), made.id()),
        &mgr,
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_family_plan_is_versioned_and_a_support_plan_serves_it() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mgr = app.manager(&w.a);
    let pr = app.practitioner(&w.a, 0);
    let worker = w.a.practitioners[0].id.to_string();
    let path = format!("/api/v1/families/{}/plan", w.fam);

    app.get(&path, &mgr).await.assert_problem(404, "not_found");
    let made = app
        .put(&path, &pr, None, &plan(&w.adults[0], &worker))
        .await;
    assert_status(&made, 201);
    assert_eq!(made.body["version"], 1);
    assert_eq!(made.body["goals"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        made.body["actions"][0]["owner_member_id"],
        json!(w.adults[0])
    );
    assert_eq!(made.body["actions"][1]["owner_worker_id"], json!(worker));
    assert_eq!(made.body["review_dates"], json!(["2027-01-15"]));
    let plan_id = made.body["id"].as_str().expect("id").to_owned();
    // The practitioner owns the second action: it is one of their tasks.
    let action = made.body["actions"][1]["id"]
        .as_str()
        .expect("action")
        .to_owned();
    let tasks = app
        .get("/api/v1/me/tasks?kind=family_plan_action", &pr)
        .await;
    assert_status(&tasks, 200);
    assert_eq!(
        tasks.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        tasks.text
    );
    assert_eq!(
        tasks.body["items"][0]["id"],
        format!("family_plan_action:{action}:1")
    );
    assert_eq!(tasks.body["items"][0]["source"]["kind"], "family_plan");
    assert_eq!(tasks.body["items"][0]["due_on"], "2026-12-15");

    // Bad payloads: 422, nothing changes.
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut b = plan(&w.adults[0], &worker);
        f(&mut b);
        b
    };
    for (body, field, code) in [
        (
            bad(&|b| b["goals"][0]["target"] = json!(11)),
            "goals[0].target",
            "off_gbo_scale",
        ),
        (
            bad(&|b| b["goals"][1]["baseline"] = json!(-1)),
            "goals[1].baseline",
            "off_gbo_scale",
        ),
        (
            bad(&|b| b["goals"][0]["baseline"] = json!(8)),
            "goals[0].target",
            "target_not_above_baseline",
        ),
        (
            bad(&|b| b["actions"][0]["owner_member_id"] = json!(w.kids[0])),
            "actions[0].owner_member_id",
            "not_a_member",
        ),
        (
            bad(&|b| b["actions"][1]["owner_worker_id"] = json!(uuid::Uuid::nil())),
            "actions[1].owner_worker_id",
            "unknown_worker",
        ),
        (
            bad(&|b| b["actions"][1]["owner_member_id"] = json!(w.adults[1])),
            "actions[1].owner_member_id",
            "owner_conflict",
        ),
        (
            bad(&|b| b["goals"][0]["id"] = json!(uuid::Uuid::nil())),
            "goals[0].id",
            "unknown_goal",
        ),
    ] {
        assert_field_error(
            &app.put(&path, &pr, Some("\"v1\""), &body).await,
            field,
            code,
        );
    }
    app.put(
        &path,
        &pr,
        Some("\"v1\""),
        &bad(&|b| b["goals"][0]["area"] = json!("gardening")),
    )
    .await
    .assert_problem(422, "validation_failed");
    // A second plan body without If-Match: 428; stale: 412.
    let mut next = plan(&w.adults[1], &worker);
    next["goals"][0]["id"] = made.body["goals"][0]["id"].clone();
    next["goals"][0]["baseline"] = json!(4);
    assert_eq!(app.put(&path, &pr, None, &next).await.status, 428);
    app.put(&path, &pr, Some("\"v7\""), &next)
        .await
        .assert_problem(412, "version_mismatch");
    let changed = app.put(&path, &pr, Some("\"v1\""), &next).await;
    assert_status(&changed, 200);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(
        changed.body["goals"][0]["id"], made.body["goals"][0]["id"],
        "kept"
    );
    assert_ne!(
        changed.body["goals"][1]["id"], made.body["goals"][1]["id"],
        "new"
    );
    assert_eq!(changed.body["id"], json!(plan_id));
    // The action kept (by id) and marked done leaves the list.
    let mut body = next.clone();
    body["goals"][1]["id"] = changed.body["goals"][1]["id"].clone();
    // (Version 2 left the first actions out: they were removed, and its
    // actions are new.)
    let action = changed.body["actions"][1]["id"]
        .as_str()
        .expect("action")
        .to_owned();
    assert_eq!(changed.body["actions"][1]["owner_worker_id"], json!(worker));
    body["actions"][1]["id"] = json!(action);
    body["actions"][1]["done"] = json!(true);
    let third = app.put(&path, &pr, Some("\"v2\""), &body).await;
    assert_status(&third, 200);
    assert_eq!(third.body["actions"][1]["id"], json!(action));
    let tasks = app
        .get("/api/v1/me/tasks?kind=family_plan_action", &pr)
        .await;
    assert_eq!(
        tasks.body["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        tasks.text
    );
    let versions = app.get(&format!("{path}/versions"), &mgr).await;
    assert_status(&versions, 200);
    let items = versions.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["plan"]["goals"][0]["baseline"], 2);
    assert_eq!(items[1]["plan"]["goals"][0]["baseline"], 4);

    // Who may: schools 403; another zone 404.
    let school = app.school(&w.a.schools[0].urn);
    app.get(&path, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.put(&path, &school, Some("\"v3\""), &next)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&format!("{path}/versions"), &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    let b = app.team("B02").await;
    app.get(&path, &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    app.put(&path, &app.manager(&b), Some("\"v3\""), &next)
        .await
        .assert_problem(404, "not_found");

    // A support plan of a referral of the family names the family plan; a
    // referral of another family may not (422).
    let support = |fp: &str| {
        json!({"goals": [{"area": "social_emotional_mental_health", "description": "Comes in calmly",
                          "baseline": 2, "target": 7}], "family_plan_id": fp})
    };
    let (mine, _) = active_referral(&app, &w.a, 0, 40).await;
    let fam = app.get(&format!("/api/v1/referrals/{mine}"), &mgr).await;
    let linked = app
        .put(
            &format!("/api/v1/referrals/{mine}/family"),
            &mgr,
            Some(&fam.etag()),
            &json!({"family_id": w.fam}),
        )
        .await;
    assert_status(&linked, 200);
    let sp = app
        .put(
            &format!("/api/v1/referrals/{mine}/plan"),
            &pr,
            None,
            &support(&plan_id),
        )
        .await;
    assert_status(&sp, 201);
    assert_eq!(sp.body["family_plan_id"], json!(plan_id));
    let (theirs, _) = active_referral(&app, &w.a, 1, 41).await;
    assert_field_error(
        &app.put(
            &format!("/api/v1/referrals/{theirs}/plan"),
            &pr,
            None,
            &support(&plan_id),
        )
        .await,
        "family_plan_id",
        "unknown_family_plan",
    );
}

#[tokio::test]
async fn an_enrolment_names_an_adult_of_the_family() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mgr = app.manager(&w.a);
    let zone = w.a.zone.id;
    app.db
        .sql(&format!(
            "INSERT INTO programmes (id, programme_type, title, description, zone_id, capacity, starts_on, ends_on,
                 age_from, age_to, status, created_by, created_at, updated_at)
             VALUES ('00000000-0000-0000-0000-00000000f001', 'workshop', 'Sleep', 'Sleep routines', '{zone}', 10,
                 current_date, current_date + 60, 3, 11, 'open', 'mgr', now(), now())"
        ))
        .await
        .expect("programme");
    let path = "/api/v1/programmes/00000000-0000-0000-0000-00000000f001/enrolments";
    let ok = app
        .post(
            path,
            &mgr,
            &json!({"family_member_id": w.adults[0], "contact_consent": true,
                                  "referral_id": w.referrals[0]}),
        )
        .await;
    assert_status(&ok, 201);
    assert_eq!(ok.body["family_member_id"], json!(w.adults[0]));
    assert!(ok.body.get("parent_carer_name").is_none(), "{}", ok.text);
    // The deprecated free-text name still works.
    let old = app
        .post(
            path,
            &mgr,
            &json!({"parent_carer_name": "Alex Example", "contact_consent": true}),
        )
        .await;
    assert_status(&old, 201);
    assert_eq!(old.body["parent_carer_name"], "Alex Example");
    // A child member, an adult of another family, neither: 422.
    let before = app.db.count("programme_enrolments").await;
    assert_field_error(
        &app.post(
            path,
            &mgr,
            &json!({"family_member_id": w.kids[0], "contact_consent": true}),
        )
        .await,
        "family_member_id",
        "not_a_member",
    );
    let f2 = app.post("/api/v1/families", &mgr, &json!({})).await;
    let stranger = app
        .post(
            &format!("/api/v1/families/{}/members", f2.id()),
            &mgr,
            &json!({"kind": "adult", "role": "carer", "given_name": "Lee", "family_name": "Else"}),
        )
        .await;
    assert_status(&stranger, 201);
    assert_field_error(
        &app.post(
            path,
            &mgr,
            &json!({"family_member_id": stranger.id(), "contact_consent": true,
                                      "referral_id": w.referrals[0]}),
        )
        .await,
        "family_member_id",
        "not_a_member",
    );
    assert_field_error(
        &app.post(path, &mgr, &json!({"contact_consent": true}))
            .await,
        "family_member_id",
        "required",
    );
    assert_eq!(app.db.count("programme_enrolments").await, before);
}
