//! Service delivery over HTTP: the interventions catalogue, support plans
//! (versioned, team-scoped), individual and group sessions, reviews with
//! distance travelled, and final ratings at closure, with the refusals.

use sct_e2e::{assert_field_error, assert_status, items, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

fn intervention(name: &str, mode: &str, areas: &[&str], active: bool) -> Value {
    json!({
        "name": name,
        "description": "What it is and who it is for",
        "approach": "A named model",
        "mode": mode,
        "areas": areas,
        "evidence_base": "Published evaluations",
        "typical_sessions": 8,
        "active": active
    })
}

pub(crate) async fn add_intervention(
    app: &TestApp,
    name: &str,
    mode: &str,
    areas: &[&str],
    active: bool,
) -> String {
    let r = app
        .post(
            "/api/v1/interventions",
            &app.admin(),
            &intervention(name, mode, areas, active),
        )
        .await;
    assert_status(&r, 201);
    r.id()
}

/// A referral of the team's school `school`, accepted, allocated to the
/// first practitioner and started: (id, etag).
pub(crate) async fn active_referral(
    app: &TestApp,
    t: &TestTeam,
    school: usize,
    child: u32,
) -> (String, String) {
    let created = app.submit(&t.schools[school].urn, &upn(child), 4).await;
    assert_status(&created, 201);
    let id = created.id();
    let manager = app.manager(t);
    let accepted = app
        .act(&id, "accept", &manager, &created.etag(), &json!({}))
        .await;
    assert_status(&accepted, 200);
    let allocated = app
        .act(
            &id,
            "allocate",
            &manager,
            &accepted.etag(),
            &json!({"worker_id": t.practitioners[0].id}),
        )
        .await;
    assert_status(&allocated, 200);
    let started = app
        .act(
            &id,
            "start",
            &app.practitioner(t, 0),
            &allocated.etag(),
            &json!({}),
        )
        .await;
    assert_status(&started, 200);
    (id, started.etag())
}

pub(crate) fn plan_body(baseline: i64, target: i64, interventions: &[&str]) -> Value {
    json!({
        "goals": [
            {"area": "social_emotional_mental_health", "description": "Comes into class calmly", "baseline": baseline, "target": target},
            {"area": "speech_and_language", "description": "Asks for help when stuck", "baseline": 3, "target": 8}
        ],
        "intervention_ids": interventions
    })
}

pub(crate) fn goal_ids(plan: &Reply) -> Vec<String> {
    plan.body["goals"]
        .as_array()
        .expect("goals")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn la_admin_keeps_the_catalogue_and_every_role_reads_what_it_may() {
    let app = TestApp::spawn().await;
    let t = app.team("D01").await;
    let admin = app.admin();

    let created = app
        .post(
            "/api/v1/interventions",
            &admin,
            &intervention(
                "ELSA",
                "individual",
                &["social_emotional_mental_health"],
                true,
            ),
        )
        .await;
    assert_status(&created, 201);
    let elsa = created.id();
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/interventions/{elsa}").as_str())
    );
    assert_eq!(created.body["mode"], "individual");
    assert_eq!(
        created.body["areas"],
        json!(["social_emotional_mental_health"])
    );
    assert_eq!(created.body["typical_sessions"], 8);

    for token in [
        app.manager(&t),
        app.practitioner(&t, 0),
        app.school(&t.schools[0].urn),
    ] {
        app.post(
            "/api/v1/interventions",
            &token,
            &intervention("X", "group", &["deafness"], true),
        )
        .await
        .assert_problem(403, "forbidden_for_role");
    }
    let mut unknown = intervention("X", "group", &["deafness"], true);
    unknown["owner"] = json!("me");
    assert_field_error(
        &app.post("/api/v1/interventions", &admin, &unknown).await,
        "owner",
        "unknown_field",
    );
    assert_field_error(
        &app.post(
            "/api/v1/interventions",
            &admin,
            &intervention("X", "group", &["deafness", "deafness"], true),
        )
        .await,
        "areas[1]",
        "duplicate_area",
    );
    assert_field_error(
        &app.post(
            "/api/v1/interventions",
            &admin,
            &intervention("X", "online", &["deafness"], true),
        )
        .await,
        "mode",
        "invalid_value",
    );
    let mut zero = intervention("X", "group", &["deafness"], true);
    zero["typical_sessions"] = json!(0);
    assert_field_error(
        &app.post("/api/v1/interventions", &admin, &zero).await,
        "typical_sessions",
        "range",
    );
    assert_eq!(app.db.count("interventions").await, 1);

    add_intervention(&app, "Talk boost", "group", &["speech_and_language"], true).await;
    let retired = add_intervention(
        &app,
        "Old parenting course",
        "family",
        &["social_emotional_mental_health", "learning_and_cognition"],
        false,
    )
    .await;

    let names = |r: &Reply| -> Vec<String> {
        items(r)
            .iter()
            .map(|i| i["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let practitioner = app.practitioner(&t, 0);
    let all = app.get("/api/v1/interventions", &practitioner).await;
    assert_status(&all, 200);
    assert_eq!(names(&all), ["ELSA", "Talk boost", "Old parenting course"]);
    let groups = app
        .get("/api/v1/interventions?mode=group", &practitioner)
        .await;
    assert_eq!(names(&groups), ["Talk boost"]);
    let semh = app
        .get(
            "/api/v1/interventions?area=social_emotional_mental_health",
            &practitioner,
        )
        .await;
    assert_eq!(names(&semh), ["ELSA", "Old parenting course"]);
    let inactive = app.get("/api/v1/interventions?active=false", &admin).await;
    assert_eq!(names(&inactive), ["Old parenting course"]);
    app.get("/api/v1/interventions?mode=online", &admin)
        .await
        .assert_problem(400, "invalid_parameter");

    let school = app.school(&t.schools[0].urn);
    let offered = app.get("/api/v1/interventions", &school).await;
    assert_eq!(names(&offered), ["ELSA", "Talk boost"]);
    app.get(&format!("/api/v1/interventions/{retired}"), &school)
        .await
        .assert_problem(404, "not_found");
    assert_status(
        &app.get(&format!("/api/v1/interventions/{retired}"), &practitioner)
            .await,
        200,
    );

    let first = app.get("/api/v1/interventions?limit=2", &admin).await;
    assert_eq!(items(&first).len(), 2);
    let cursor = first.body["next_cursor"].as_str().expect("cursor");
    let second = app
        .get(
            &format!("/api/v1/interventions?limit=2&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(names(&second), ["Old parenting course"]);
    assert!(second.body.get("next_cursor").is_none());

    let path = format!("/api/v1/interventions/{elsa}");
    let change = intervention(
        "ELSA (revised)",
        "individual",
        &["social_emotional_mental_health"],
        true,
    );
    app.put(&path, &admin, None, &change)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &app.manager(&t), Some("\"v1\""), &change)
        .await
        .assert_problem(403, "forbidden_for_role");
    let updated = app.put(&path, &admin, Some("\"v1\""), &change).await;
    assert_status(&updated, 200);
    assert_eq!(updated.etag(), "\"v2\"");
    assert_eq!(updated.body["name"], "ELSA (revised)");
    app.put(
        &path,
        &admin,
        Some("\"v1\""),
        &intervention("stale", "group", &["deafness"], true),
    )
    .await
    .assert_problem(412, "version_mismatch");
    let read = app.get(&path, &admin).await;
    assert_eq!(read.body["name"], "ELSA (revised)");
    app.put(
        &format!("/api/v1/interventions/{}", uuid::Uuid::nil()),
        &admin,
        Some("\"v1\""),
        &change,
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_team_writes_a_versioned_plan_and_the_school_reads_it() {
    let app = TestApp::spawn().await;
    let t = app.team("D02").await;
    let other = app.team("D03").await;
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let retired = add_intervention(&app, "Retired", "group", &["deafness"], false).await;
    let (id, etag) = active_referral(&app, &t, 0, 1).await;
    let path = format!("/api/v1/referrals/{id}/plan");
    // A colleague of the allocated practitioner, in the same team, whom the
    // manager made a co-worker (docs/adr/0007-practitioner-scope.md).
    let colleague = app.practitioner(&t, 1);
    let co_worker = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/referrals/{id}/co-workers"),
            Some(&app.manager(&t)),
            Some(&json!({"worker_id": t.practitioners[1].id})),
            &[("if-match", &etag)],
        )
        .await;
    assert_status(&co_worker, 200);

    app.get(&path, &colleague)
        .await
        .assert_problem(404, "not_found");
    assert_field_error(
        &app.put(&path, &colleague, None, &plan_body(5, 5, &[]))
            .await,
        "goals[0].target",
        "target_not_above_baseline",
    );
    assert_field_error(
        &app.put(&path, &colleague, None, &plan_body(-1, 11, &[]))
            .await,
        "goals[0].baseline",
        "off_gbo_scale",
    );
    assert_field_error(
        &app.put(
            &path,
            &colleague,
            None,
            &json!({"goals": [], "intervention_ids": []}),
        )
        .await,
        "goals",
        "goal_count",
    );
    assert_field_error(
        &app.put(&path, &colleague, None, &plan_body(2, 7, &[&retired]))
            .await,
        "intervention_ids[0]",
        "inactive_intervention",
    );
    let nil = uuid::Uuid::nil().to_string();
    assert_field_error(
        &app.put(&path, &colleague, None, &plan_body(2, 7, &[&nil]))
            .await,
        "intervention_ids[0]",
        "unknown_intervention",
    );
    let mut extra = plan_body(2, 7, &[]);
    extra["goals"][0]["owner"] = json!("x");
    assert_field_error(
        &app.put(&path, &colleague, None, &extra).await,
        "goals[0].owner",
        "unknown_field",
    );
    app.put(
        &path,
        &app.school(&t.schools[0].urn),
        None,
        &plan_body(2, 7, &[]),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    for token in [app.manager(&other), app.practitioner(&other, 0)] {
        app.put(&path, &token, None, &plan_body(2, 7, &[]))
            .await
            .assert_problem(404, "not_found");
    }
    assert_eq!(app.db.count("support_plans").await, 0);

    let created = app
        .put(&path, &colleague, None, &plan_body(2, 7, &[&elsa]))
        .await;
    assert_status(&created, 201);
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(created.body["intervention_ids"], json!([elsa]));
    let goals = goal_ids(&created);
    assert_eq!(goals.len(), 2);
    assert_eq!(created.body["goals"][0]["baseline"], 2);
    assert_eq!(created.body["goals"][0]["target"], 7);
    assert!(created.body["goals"][0]["distance_travelled"].is_null());

    let school_read = app.get(&path, &app.school(&t.schools[0].urn)).await;
    assert_status(&school_read, 200);
    assert_eq!(school_read.etag(), "\"v1\"");
    app.get(&path, &app.school(&t.schools[1].urn))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");

    // Keep the first goal, drop the second, add a new one.
    let change = json!({
        "goals": [
            {"id": goals[0], "area": "social_emotional_mental_health", "description": "Comes into class calmly", "baseline": 2, "target": 8},
            {"area": "learning_and_cognition", "description": "Finishes a piece of writing", "baseline": 1, "target": 6}
        ],
        "intervention_ids": [elsa]
    });
    app.put(&path, &colleague, None, &change)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &colleague, Some("\"v7\""), &change)
        .await
        .assert_problem(412, "version_mismatch");
    let mut stranger = change.clone();
    stranger["goals"][0]["id"] = json!(nil);
    assert_field_error(
        &app.put(&path, &colleague, Some("\"v1\""), &stranger).await,
        "goals[0].id",
        "unknown_goal",
    );
    let updated = app
        .put(&path, &app.manager(&t), Some("\"v1\""), &change)
        .await;
    assert_status(&updated, 200);
    assert_eq!(updated.etag(), "\"v2\"");
    let now = goal_ids(&updated);
    assert_eq!(now[0], goals[0], "a kept goal keeps its id");
    assert_ne!(now[1], goals[1]);
    assert_eq!(updated.body["goals"][0]["target"], 8);

    let versions = app
        .get(&format!("{path}/versions"), &app.school(&t.schools[0].urn))
        .await;
    assert_status(&versions, 200);
    let v = items(&versions);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["version"], 1);
    assert_eq!(
        v[0]["plan"]["goals"][1]["description"],
        "Asks for help when stuck"
    );
    assert_eq!(v[1]["plan"]["goals"][1]["area"], "learning_and_cognition");
    assert!(versions.body.get("next_cursor").is_none());
    // The versions come a page at a time, in order, and end.
    let first = app
        .get(&format!("{path}/versions?limit=1"), &colleague)
        .await;
    assert_eq!(items(&first).len(), 1);
    assert_eq!(items(&first)[0]["version"], 1);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = app
        .get(
            &format!("{path}/versions?limit=1&cursor={cursor}"),
            &colleague,
        )
        .await;
    assert_eq!(items(&second)[0]["version"], 2);
    assert_eq!(items(&second).len(), 1);
    assert!(second.body.get("next_cursor").is_none(), "the last page");
    for bad in ["limit=0", "limit=201", "cursor=bm9wZQ"] {
        app.get(&format!("{path}/versions?{bad}"), &colleague)
            .await
            .assert_problem(
                400,
                if bad.starts_with("cursor") {
                    "invalid_cursor"
                } else {
                    "invalid_parameter"
                },
            );
    }

    let submitted = app.submit(&t.schools[0].urn, &upn(2), 4).await;
    app.put(
        &format!("/api/v1/referrals/{}/plan", submitted.id()),
        &app.manager(&t),
        None,
        &plan_body(2, 7, &[]),
    )
    .await
    .assert_problem(409, "referral_not_open");
}

#[tokio::test]
async fn sessions_reviews_and_closure_record_the_work_and_the_distance_travelled() {
    let app = TestApp::spawn().await;
    let t = app.team("D04").await;
    let other = app.team("D05").await;
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let (ref_a, _) = active_referral(&app, &t, 0, 10).await;
    let (ref_b, _) = active_referral(&app, &t, 1, 11).await;
    let (ref_c, _) = active_referral(&app, &other, 0, 12).await;
    let practitioner = app.practitioner(&t, 0);
    let school = app.school(&t.schools[0].urn);

    // Individual session.
    let session = json!({
        "held_on": "2026-11-20",
        "intervention_id": elsa,
        "duration_minutes": 45,
        "attendance": "attended",
        "attendees": {"child": true, "parent_carer": false, "school_staff": true},
        "notes": "Practised the calm-down plan"
    });
    let sessions = format!("/api/v1/referrals/{ref_a}/sessions");
    let recorded = app.post(&sessions, &practitioner, &session).await;
    assert_status(&recorded, 201);
    assert_eq!(recorded.body["format"], "individual");
    assert_eq!(recorded.body["participants"], 1);
    let mut nobody = session.clone();
    nobody["attendees"] = json!({"child": false, "parent_carer": false, "school_staff": false});
    assert_field_error(
        &app.post(&sessions, &practitioner, &nobody).await,
        "attendees",
        "inconsistent_attendance",
    );
    let mut future = session.clone();
    future["held_on"] = json!("2199-01-01");
    assert_field_error(
        &app.post(&sessions, &practitioner, &future).await,
        "held_on",
        "in_future",
    );
    let mut unknown = session.clone();
    unknown["intervention_id"] = json!(uuid::Uuid::nil());
    assert_field_error(
        &app.post(&sessions, &practitioner, &unknown).await,
        "intervention_id",
        "unknown_intervention",
    );
    let mut long = session.clone();
    long["duration_minutes"] = json!(601);
    assert_field_error(
        &app.post(&sessions, &practitioner, &long).await,
        "duration_minutes",
        "range",
    );
    app.post(&sessions, &school, &session)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post(&sessions, &app.practitioner(&other, 0), &session)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.db.count("delivery_sessions").await, 1);

    // Group session: a referral of another team is named, nothing stored.
    let participant = |id: &str, status: &str, child: bool| json!({"referral_id": id, "attendance": status, "attendees": {"child": child, "parent_carer": false, "school_staff": false}});
    let group = json!({
        "held_on": "2026-11-21",
        "duration_minutes": 60,
        "participants": [participant(&ref_a, "attended", true), participant(&ref_b, "did_not_attend", false), participant(&ref_c, "attended", true)]
    });
    assert_field_error(
        &app.post("/api/v1/group-sessions", &app.manager(&t), &group)
            .await,
        "participants[2].referral_id",
        "unknown_referral",
    );
    let mut twice = group.clone();
    twice["participants"] = json!([
        participant(&ref_a, "attended", true),
        participant(&ref_a, "attended", true)
    ]);
    assert_field_error(
        &app.post("/api/v1/group-sessions", &app.manager(&t), &twice)
            .await,
        "participants[1].referral_id",
        "duplicate_referral",
    );
    assert_eq!(app.db.count("delivery_sessions").await, 1);
    let mut ok_group = group.clone();
    ok_group["participants"] = json!([
        participant(&ref_a, "attended", true),
        participant(&ref_b, "did_not_attend", false)
    ]);
    let grouped = app
        .post("/api/v1/group-sessions", &practitioner, &ok_group)
        .await;
    assert_status(&grouped, 201);
    assert_eq!(grouped.body["format"], "group");
    assert_eq!(grouped.body["participants"].as_array().expect("p").len(), 2);
    let session_path = grouped.header("location").expect("location").to_owned();
    assert_status(&app.get(&session_path, &app.manager(&t)).await, 200);
    app.get(&session_path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");

    let listed = app.get(&sessions, &practitioner).await;
    assert_status(&listed, 200);
    let list = items(&listed);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["format"], "group", "newest first");
    assert_eq!(list[0]["participants"], 2);
    assert_eq!(list[1]["attendees"]["school_staff"], true);
    let b_list = app
        .get(
            &format!("/api/v1/referrals/{ref_b}/sessions"),
            &practitioner,
        )
        .await;
    assert_eq!(items(&b_list)[0]["attendance"], "did_not_attend");
    let paged = app.get(&format!("{sessions}?limit=1"), &practitioner).await;
    let cursor = paged.body["next_cursor"].as_str().expect("cursor");
    let rest = app
        .get(
            &format!("{sessions}?limit=1&cursor={cursor}"),
            &practitioner,
        )
        .await;
    assert_eq!(items(&rest)[0]["format"], "individual");
    app.get(&sessions, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(&sessions, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");

    // Reviews need a plan, and rate every goal once.
    let reviews = format!("/api/v1/referrals/{ref_a}/reviews");
    app.post(
        &reviews,
        &practitioner,
        &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": uuid::Uuid::nil(), "rating": 4}]}),
    )
    .await
    .assert_problem(409, "no_support_plan");
    let plan = app
        .put(
            &format!("/api/v1/referrals/{ref_a}/plan"),
            &practitioner,
            None,
            &plan_body(2, 7, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);
    assert_field_error(
        &app.post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 5}]}),
        )
        .await,
        "ratings",
        "goal_not_rated",
    );
    assert_field_error(
        &app.post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 11}, {"goal_id": goals[1], "rating": 4}]}),
        )
        .await,
        "ratings[0].rating",
        "off_gbo_scale",
    );
    app.post(
        &reviews,
        &school,
        &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}]}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    assert_eq!(app.db.count("plan_reviews").await, 0);
    let review = app
        .post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 2}], "notes": "Mornings calmer"}),
        )
        .await;
    assert_status(&review, 201);
    assert_eq!(review.body["kind"], "interim");
    assert_eq!(review.body["ratings"][0]["distance_travelled"], 3);
    assert_eq!(review.body["ratings"][1]["distance_travelled"], -1);
    let read = app
        .get(&format!("/api/v1/referrals/{ref_a}/plan"), &school)
        .await;
    assert_eq!(read.body["goals"][0]["latest_rating"], 5);
    assert_eq!(read.body["goals"][0]["distance_travelled"], 3);
    assert_eq!(read.body["goals"][1]["distance_travelled"], -1);
    assert_eq!(read.body["goals"][0]["latest_rated_on"], "2026-11-22");

    // Closing needs the final ratings of every goal; nothing changes without them.
    let current = app
        .get(&format!("/api/v1/referrals/{ref_a}"), &practitioner)
        .await;
    let etag = current.etag();
    assert_field_error(
        &app.act(
            &ref_a,
            "close",
            &practitioner,
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await,
        "final_ratings",
        "final_ratings_required",
    );
    assert_field_error(
        &app.act(
            &ref_a,
            "close",
            &practitioner,
            &etag,
            &json!({"outcome": "needs_met", "final_ratings": [{"goal_id": goals[0], "rating": 9}]}),
        )
        .await,
        "final_ratings",
        "goal_not_rated",
    );
    let still = app
        .get(&format!("/api/v1/referrals/{ref_a}"), &practitioner)
        .await;
    assert_eq!(still.body["status"], "active");
    assert_eq!(still.etag(), etag);
    let closed = app
        .act(
            &ref_a,
            "close",
            &practitioner,
            &etag,
            &json!({"outcome": "needs_met", "final_ratings": [{"goal_id": goals[0], "rating": 9}, {"goal_id": goals[1], "rating": 6}]}),
        )
        .await;
    assert_status(&closed, 200);
    assert_eq!(closed.body["status"], "closed");
    let all_reviews = app.get(&reviews, &school).await;
    assert_status(&all_reviews, 200);
    let all = items(&all_reviews);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["kind"], "final");
    assert_eq!(all[1]["ratings"][0]["rating"], 9);
    let final_plan = app
        .get(&format!("/api/v1/referrals/{ref_a}/plan"), &school)
        .await;
    assert_eq!(final_plan.body["goals"][0]["distance_travelled"], 7);
    assert_eq!(final_plan.body["goals"][1]["distance_travelled"], 3);
    let history = app
        .get(&format!("/api/v1/referrals/{ref_a}/history"), &practitioner)
        .await;
    let close_entry = items(&history).last().expect("close").clone();
    assert_eq!(close_entry["details"]["final_review"], all[1]["id"]);

    // Once closed, no more sessions or reviews.
    app.post(&sessions, &practitioner, &session)
        .await
        .assert_problem(409, "referral_not_open");
    app.post(
        &reviews,
        &practitioner,
        &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}]}),
    )
    .await
    .assert_problem(409, "referral_not_open");

    // A family that moved away closes without final ratings.
    assert_status(
        &app.put(
            &format!("/api/v1/referrals/{ref_b}/plan"),
            &practitioner,
            None,
            &plan_body(2, 7, &[]),
        )
        .await,
        201,
    );
    let b_now = app
        .get(&format!("/api/v1/referrals/{ref_b}"), &practitioner)
        .await;
    let moved = app
        .act(
            &ref_b,
            "close",
            &practitioner,
            &b_now.etag(),
            &json!({"outcome": "moved_away"}),
        )
        .await;
    assert_status(&moved, 200);
}

#[tokio::test]
async fn recorded_sessions_and_reviews_are_corrected_with_if_match() {
    let app = TestApp::spawn().await;
    let t = app.team("D06").await;
    let other = app.team("D07").await;
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let (ref_a, _) = active_referral(&app, &t, 0, 20).await;
    let (ref_b, _) = active_referral(&app, &t, 1, 21).await;
    let (ref_c, _) = active_referral(&app, &other, 0, 22).await;
    let practitioner = app.practitioner(&t, 0);
    let school = app.school(&t.schools[0].urn);
    let attended = json!({"child": true, "parent_carer": false, "school_staff": false});
    let nobody = json!({"child": false, "parent_carer": false, "school_staff": false});

    // A group session of two referrals.
    let grouped = app
        .post(
            "/api/v1/group-sessions",
            &practitioner,
            &json!({
                "held_on": "2026-11-21",
                "duration_minutes": 60,
                "participants": [
                    {"referral_id": ref_a, "attendance": "attended", "attendees": attended},
                    {"referral_id": ref_b, "attendance": "attended", "attendees": attended}
                ]
            }),
        )
        .await;
    assert_status(&grouped, 201);
    assert_eq!(grouped.etag(), "\"v1\"");
    assert_eq!(grouped.body["version"], 1);
    let path = grouped.header("location").expect("location").to_owned();
    let fix = json!({
        "held_on": "2026-11-20",
        "intervention_id": elsa,
        "duration_minutes": 45,
        "notes": "Friendship group, week 2 (date corrected)",
        "participants": [
            {"referral_id": ref_a, "attendance": "attended", "attendees": {"child": true, "parent_carer": true, "school_staff": false}},
            {"referral_id": ref_b, "attendance": "did_not_attend", "attendees": nobody}
        ]
    });

    // Refusals: role, other team, bad payload, participants changed, no or stale If-Match.
    app.put(&path, &school, Some("\"v1\""), &fix)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.put(&path, &app.manager(&other), Some("\"v1\""), &fix)
        .await
        .assert_problem(404, "not_found");
    let mut future = fix.clone();
    future["held_on"] = json!("2199-01-01");
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v1\""), &future).await,
        "held_on",
        "in_future",
    );
    let mut unknown = fix.clone();
    unknown["format"] = json!("individual");
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v1\""), &unknown)
            .await,
        "format",
        "unknown_field",
    );
    let mut inconsistent = fix.clone();
    inconsistent["participants"][1]["attendees"] = attended.clone();
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v1\""), &inconsistent)
            .await,
        "participants[1].attendees",
        "inconsistent_attendance",
    );
    let mut moved = fix.clone();
    moved["participants"][1]["referral_id"] = json!(ref_c);
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v9\""), &moved).await,
        "participants",
        "participants_changed",
    );
    let mut dropped = fix.clone();
    dropped["participants"] = json!([fix["participants"][0]]);
    assert_field_error(
        &app.put(&path, &practitioner, Some("\"v1\""), &dropped)
            .await,
        "participants",
        "participants_changed",
    );
    app.put(&path, &practitioner, None, &fix)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &practitioner, Some("\"v9\""), &fix)
        .await
        .assert_problem(412, "version_mismatch");
    let unchanged = app.get(&path, &practitioner).await;
    assert_eq!(unchanged.etag(), "\"v1\"");
    assert_eq!(unchanged.body["held_on"], "2026-11-21");

    let fixed = app.put(&path, &practitioner, Some("\"v1\""), &fix).await;
    assert_status(&fixed, 200);
    assert_eq!(fixed.etag(), "\"v2\"");
    assert_eq!(fixed.body["held_on"], "2026-11-20");
    assert_eq!(fixed.body["duration_minutes"], 45);
    assert_eq!(fixed.body["intervention_id"], json!(elsa));
    assert_eq!(fixed.body["format"], "group");
    let b_list = app
        .get(
            &format!("/api/v1/referrals/{ref_b}/sessions"),
            &practitioner,
        )
        .await;
    assert_eq!(items(&b_list)[0]["attendance"], "did_not_attend");
    assert_eq!(items(&b_list)[0]["held_on"], "2026-11-20");
    assert_eq!(items(&b_list)[0]["version"], 2);
    let a_list = app
        .get(
            &format!("/api/v1/referrals/{ref_a}/sessions"),
            &practitioner,
        )
        .await;
    assert_eq!(items(&a_list)[0]["attendees"]["parent_carer"], true);

    // Reviews: read one, re-rate its goals; the plan's distance travelled follows.
    let plan = app
        .put(
            &format!("/api/v1/referrals/{ref_a}/plan"),
            &practitioner,
            None,
            &plan_body(2, 7, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);
    let reviews = format!("/api/v1/referrals/{ref_a}/reviews");
    let review = app
        .post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-22", "ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}]}),
        )
        .await;
    assert_status(&review, 201);
    let review_path = review.header("location").expect("location").to_owned();
    assert_eq!(review_path, format!("{reviews}/{}", review.id()));
    let read = app.get(&review_path, &school).await;
    assert_status(&read, 200);
    assert_eq!(read.etag(), "\"v1\"");
    assert_eq!(read.body["ratings"][0]["rating"], 5);
    app.get(&review_path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/referrals/{ref_b}/reviews/{}", review.id()),
        &practitioner,
    )
    .await
    .assert_problem(404, "not_found");

    let rerate = json!({"reviewed_on": "2026-11-23", "ratings": [{"goal_id": goals[0], "rating": 8}, {"goal_id": goals[1], "rating": 1}], "notes": "Corrected after checking with school"});
    app.put(&review_path, &school, Some("\"v1\""), &rerate)
        .await
        .assert_problem(403, "forbidden_for_role");
    app.put(
        &review_path,
        &app.practitioner(&other, 0),
        Some("\"v1\""),
        &rerate,
    )
    .await
    .assert_problem(404, "not_found");
    assert_field_error(
        &app.put(
            &review_path,
            &practitioner,
            Some("\"v1\""),
            &json!({"reviewed_on": "2026-11-23", "ratings": [{"goal_id": goals[0], "rating": 8}]}),
        )
        .await,
        "ratings",
        "goal_not_rated",
    );
    assert_field_error(
        &app.put(&review_path,
            &practitioner,
            Some("\"v1\""),
            &json!({"reviewed_on": "2026-11-23", "ratings": [{"goal_id": goals[0], "rating": 12}, {"goal_id": goals[1], "rating": 1}]}),
        )
        .await,
        "ratings[0].rating",
        "off_gbo_scale",
    );
    app.put(&review_path, &practitioner, None, &rerate)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&review_path, &practitioner, Some("\"v7\""), &rerate)
        .await
        .assert_problem(412, "version_mismatch");
    let rerated = app
        .put(&review_path, &practitioner, Some("\"v1\""), &rerate)
        .await;
    assert_status(&rerated, 200);
    assert_eq!(rerated.etag(), "\"v2\"");
    assert_eq!(rerated.body["reviewed_on"], "2026-11-23");
    assert_eq!(rerated.body["ratings"][0]["distance_travelled"], 6);
    assert_eq!(rerated.body["ratings"][1]["distance_travelled"], -2);
    let plan_now = app
        .get(&format!("/api/v1/referrals/{ref_a}/plan"), &school)
        .await;
    assert_eq!(plan_now.body["goals"][0]["latest_rating"], 8);
    assert_eq!(plan_now.body["goals"][0]["distance_travelled"], 6);
    assert_eq!(plan_now.body["goals"][1]["distance_travelled"], -2);

    // Once a referral closes, its sessions and reviews stand.
    let current = app
        .get(&format!("/api/v1/referrals/{ref_a}"), &practitioner)
        .await;
    let closed = app
        .act(
            &ref_a,
            "close",
            &practitioner,
            &current.etag(),
            &json!({"outcome": "needs_met", "final_ratings": [{"goal_id": goals[0], "rating": 9}, {"goal_id": goals[1], "rating": 6}]}),
        )
        .await;
    assert_status(&closed, 200);
    app.put(&review_path, &practitioner, Some("\"v2\""), &rerate)
        .await
        .assert_problem(409, "referral_not_open");
    app.put(&path, &practitioner, Some("\"v2\""), &fix)
        .await
        .assert_problem(409, "referral_not_open");
}

#[tokio::test]
async fn sessions_and_reviews_are_stored_once_per_key_and_only_with_their_audit_rows() {
    let app = TestApp::spawn().await;
    let t = app.team("W01").await;
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let (ref_a, _) = active_referral(&app, &t, 0, 30).await;
    let (ref_b, _) = active_referral(&app, &t, 1, 31).await;
    let practitioner = app.practitioner(&t, 0);
    let manager = app.manager(&t);
    let sessions = format!("/api/v1/referrals/{ref_a}/sessions");
    let session = json!({
        "held_on": "2026-11-20",
        "intervention_id": elsa,
        "duration_minutes": 45,
        "attendance": "attended",
        "attendees": {"child": true, "parent_carer": false, "school_staff": true}
    });
    // A retry with the same key replays the first answer and stores nothing.
    let first = app
        .post_keyed(&sessions, &practitioner, "s-1", &session)
        .await;
    assert_status(&first, 201);
    let again = app
        .post_keyed(&sessions, &practitioner, "s-1", &session)
        .await;
    assert_status(&again, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(app.db.count("delivery_sessions").await, 1);
    // The same key with another body, or on another path, is refused.
    let mut other = session.clone();
    other["duration_minutes"] = json!(30);
    app.post_keyed(&sessions, &practitioner, "s-1", &other)
        .await
        .assert_problem(422, "idempotency_key_reused");
    let group = json!({
        "held_on": "2026-11-21",
        "intervention_id": elsa,
        "duration_minutes": 60,
        "participants": [
            {"referral_id": ref_a, "attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": false}},
            {"referral_id": ref_b, "attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": false}}
        ]
    });
    app.post_keyed("/api/v1/group-sessions", &practitioner, "s-1", &group)
        .await
        .assert_problem(422, "idempotency_key_reused");
    // Keys are the caller's own: the manager's "s-1" is another key.
    let g1 = app
        .post_keyed("/api/v1/group-sessions", &manager, "s-1", &group)
        .await;
    assert_status(&g1, 201);
    let g2 = app
        .post_keyed("/api/v1/group-sessions", &manager, "s-1", &group)
        .await;
    assert_eq!(g2.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.db.count("delivery_sessions").await, 2);
    // The session's audit rows name each referral it covered, and were
    // stored with it.
    for r in [&ref_a, &ref_b] {
        let rows = app
            .db
            .sql(&format!(
                "SELECT count(*) FROM audit_events WHERE action = 'record_group_session' \
                 AND subject_type = 'referral' AND outcome = 201 \
                 AND coalesce(subject_ids, ARRAY[subject_id]) @> ARRAY['{r}']"
            ))
            .await
            .expect("audit");
        assert!(rows[0].get::<_, i64>(0) >= 1, "{r}");
    }
    // A review, retried, is stored once.
    let plan = app
        .put(
            &format!("/api/v1/referrals/{ref_a}/plan"),
            &practitioner,
            None,
            &plan_body(2, 7, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);
    let reviews = format!("/api/v1/referrals/{ref_a}/reviews");
    let ratings: Vec<Value> = goals
        .iter()
        .map(|g| json!({"goal_id": g, "rating": 4}))
        .collect();
    let review = json!({"reviewed_on": "2026-11-22", "ratings": ratings});
    let r1 = app
        .post_keyed(&reviews, &practitioner, "r-1", &review)
        .await;
    assert_status(&r1, 201);
    let r2 = app
        .post_keyed(&reviews, &practitioner, "r-1", &review)
        .await;
    assert_eq!(r2.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.db.count("plan_reviews").await, 1);

    // From now on every audit insert fails: a session is neither stored nor
    // acknowledged, and its key is free for the retry.
    app.db
        .sql("ALTER TABLE audit_events ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
        .await
        .expect("constraint");
    let mut later = session.clone();
    later["held_on"] = json!("2026-11-23");
    app.post_keyed(&sessions, &practitioner, "s-2", &later)
        .await
        .assert_problem(503, "database_unavailable");
    assert_eq!(app.db.count("delivery_sessions").await, 2);
    assert_eq!(app.db.count("plan_reviews").await, 1);
    app.db
        .sql("ALTER TABLE audit_events DROP CONSTRAINT refuse_all")
        .await
        .expect("drop");
    assert_status(
        &app.post_keyed(&sessions, &practitioner, "s-2", &later)
            .await,
        201,
    );
    assert_eq!(app.db.count("delivery_sessions").await, 3);
}
