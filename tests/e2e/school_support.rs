//! School support over HTTP (issue 15, item 2): a term of work with one
//! school that includes no referred child (training, a cohort group of 8
//! with 3 sessions, agreed actions, a review), read by the school in its
//! activity view; who may write and read; the refusals.

use crate::school_activity::this_term;
use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, upn, TestApp, TestTeam};
use serde_json::{json, Value};

fn training(urn: &str, today: &str) -> Value {
    json!({
        "school_urn": urn,
        "kind": "staff_training",
        "title": "Emotion coaching for all staff",
        "starts_on": today,
        "ends_on": today,
        "indes_areas": ["social_emotional_mental_health"],
        "staff": [{"role": "class_teacher", "count": 12}, {"role": "teaching_assistant", "count": 9}]
    })
}

fn cohort_work(urn: &str, today: &str, size: i64, referrals: &[&str]) -> Value {
    json!({
        "school_urn": urn,
        "kind": "cohort_group_work",
        "title": "Year 3 regulation group",
        "starts_on": today,
        "indes_areas": ["social_emotional_mental_health", "speech_and_language"],
        "staff": [{"role": "teaching_assistant", "count": 1}],
        "cohort": {"year_groups": ["3"], "size": size, "referral_ids": referrals},
        "aims": "Children name and manage their feelings in class"
    })
}

async fn created(app: &TestApp, token: &str, body: &Value) -> (String, String) {
    let r = app.post("/api/v1/school-support", token, body).await;
    assert_status(&r, 201);
    (r.id(), r.etag())
}

async fn session(app: &TestApp, id: &str, token: &str, body: &Value) -> sct_e2e::Reply {
    app.post(
        &format!("/api/v1/school-support/{id}/sessions"),
        token,
        body,
    )
    .await
}

#[tokio::test]
async fn a_term_of_work_with_a_school_without_a_referred_child_shows_in_its_activity() {
    let app = TestApp::spawn().await;
    let t = app.team("SS1").await;
    let urn = t.schools[0].urn.clone();
    let (year, term, today) = this_term();
    let manager = app.manager(&t);
    let practitioner = app.practitioner(&t, 0);

    // Training of the school's staff, and a cohort group of 8 children,
    // none of them referred.
    let (train, _) = created(&app, &manager, &training(&urn, &today)).await;
    let r = app
        .post(
            "/api/v1/school-support",
            &practitioner,
            &cohort_work(&urn, &today, 8, &[]),
        )
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["cohort"]["size"], 8);
    assert_eq!(r.body["cohort"]["year_groups"], json!(["3"]));
    assert_eq!(r.body["staff"][0]["role"], "teaching_assistant");
    assert_eq!(app.db.count("referrals").await, 0);
    let group = r.id();
    let location = r.header("location").map(str::to_owned);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/school-support/{group}").as_str())
    );

    // Three sessions: two led by the caller (by default), one recorded by
    // la_admin for another practitioner of the team; 8 children counted.
    for token in [&practitioner, &practitioner] {
        let s = session(
            &app,
            &group,
            token,
            &json!({"held_on": today, "duration_minutes": 45, "children_count": 8, "staff_count": 1}),
        )
        .await;
        assert_status(&s, 201);
        assert_eq!(s.body["practitioner_id"], json!(t.practitioners[0].id));
    }
    let s = session(
        &app,
        &group,
        &app.admin(),
        &json!({"held_on": today, "duration_minutes": 60, "practitioner_id": t.practitioners[1].id,
            "children_count": 7, "notes": "Feelings thermometer"}),
    )
    .await;
    assert_status(&s, 201);
    let sessions = app
        .get(
            &format!("/api/v1/school-support/{group}/sessions"),
            &app.school(&urn),
        )
        .await;
    assert_status(&sessions, 200);
    assert_eq!(sessions.body["sessions"], 3);
    assert_eq!(sessions.body["total_minutes"], 150);

    // Agreed actions: one for the school, one for a team worker, marked done.
    let for_school = app
        .post(
            &format!("/api/v1/school-support/{group}/actions"),
            &practitioner,
            &json!({"description": "Share the regulation plan with Year 3 staff", "owner": "school", "due_on": today}),
        )
        .await;
    assert_status(&for_school, 201);
    let for_team = app
        .post(
            &format!("/api/v1/school-support/{group}/actions"),
            &practitioner,
            &json!({"description": "Send the resources", "owner": "team", "owner_worker_id": t.practitioners[0].id}),
        )
        .await;
    assert_status(&for_team, 201);
    let action_path = format!("/api/v1/school-support/{group}/actions/{}", for_team.id());
    let done = json!({"description": "Send the resources", "owner": "team",
        "owner_worker_id": t.practitioners[0].id, "done": true});
    app.put(&action_path, &practitioner, None, &done)
        .await
        .assert_problem(428, "if_match_required");
    let marked = app
        .put(&action_path, &practitioner, Some(&for_team.etag()), &done)
        .await;
    assert_status(&marked, 200);
    assert_eq!(marked.body["done"], true);
    app.put(&action_path, &practitioner, Some(&for_team.etag()), &done)
        .await
        .assert_problem(412, "version_mismatch");

    // The review, once.
    let current = app
        .get(&format!("/api/v1/school-support/{group}"), &manager)
        .await;
    assert_status(&current, 200);
    assert_eq!(current.body["actions"].as_array().map(Vec::len), Some(2));
    let review = json!({"outcome": "achieved", "summary": "Regulation strategies in daily use", "reviewed_on": today});
    let path = format!("/api/v1/school-support/{group}/review");
    let reviewed = app
        .call_if_match(
            Method::POST,
            &path,
            &manager,
            Some(&current.etag()),
            Some(&review),
        )
        .await;
    assert_status(&reviewed, 200);
    assert_eq!(reviewed.body["review"]["outcome"], "achieved");
    app.call_if_match(
        Method::POST,
        &path,
        &manager,
        Some(&reviewed.etag()),
        Some(&review),
    )
    .await
    .assert_problem(409, "already_exists");

    // The school reads its own records, its MIS too.
    let school = app.school(&urn);
    let (client, secret, _) = app.register_client(&[&urn]).await;
    let mis = app.client_token(&client, &secret).await;
    for token in [&school, &mis] {
        let list = app
            .get(&format!("/api/v1/school-support?school_urn={urn}"), token)
            .await;
        assert_status(&list, 200);
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["id"].as_str())
            .collect();
        assert_eq!(ids, vec![train.as_str(), group.as_str()]);
        let got = app
            .get(&format!("/api/v1/school-support/{group}"), token)
            .await;
        assert_status(&got, 200);
        assert_eq!(got.body["review"]["outcome"], "achieved");
    }
    let kind = app
        .get("/api/v1/school-support?kind=staff_training", &manager)
        .await;
    assert_status(&kind, 200);
    assert_eq!(kind.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(kind.body["items"][0]["id"], json!(train));

    // ...and in its activity view, JSON and CSV.
    let view_path = format!("/api/v1/schools/{urn}/activity?academic_year={year}&term={term}");
    let view = app.get(&view_path, &school).await;
    assert_status(&view, 200);
    let support = view.body["school_support"].as_array().expect("section");
    assert_eq!(support.len(), 2, "{}", view.text);
    let group_row = support
        .iter()
        .find(|s| s["id"] == json!(group))
        .expect("the group");
    assert_eq!(group_row["kind"], "cohort_group_work");
    assert_eq!(group_row["sessions"], 3);
    assert_eq!(group_row["total_minutes"], 150);
    assert_eq!(group_row["children_counted"], 23);
    assert_eq!(group_row["review_outcome"], "achieved");
    let tr = support
        .iter()
        .find(|s| s["id"] == json!(train))
        .expect("the training");
    assert_eq!(tr["sessions"], 0);
    assert!(tr.get("review_outcome").is_none());
    assert_eq!(view.body["referrals"]["items"], json!([]));
    let csv = app
        .call(
            Method::GET,
            &view_path,
            Some(&school),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_status(&csv, 200);
    assert!(
        csv.text.lines().any(|l| l.starts_with(&format!(
            "school_support,cohort_group_work,{group},achieved,{today},Year 3 regulation group,3"
        ))),
        "{}",
        csv.text
    );

    // The sessions count in the capacity report: the team's three, and
    // each practitioner's those they led.
    let cap = app.get("/api/v1/reports/capacity", &app.admin()).await;
    assert_status(&cap, 200);
    let rows = cap.body["rows"].as_array().expect("rows");
    let team_row = rows
        .iter()
        .find(|r| r["team_id"] == json!(t.team.id) && r["team_total"] == true)
        .expect("team row");
    assert_eq!(team_row["school_support_sessions"], 3);
    assert_eq!(team_row["school_support_minutes"], 150);
    let led = |w: uuid::Uuid| {
        rows.iter().find(|r| r["worker_id"] == json!(w)).map(|r| {
            (
                r["school_support_sessions"].clone(),
                r["school_support_minutes"].clone(),
            )
        })
    };
    assert_eq!(led(t.practitioners[0].id), Some((json!(2), json!(90))));
    assert_eq!(led(t.practitioners[1].id), Some((json!(1), json!(60))));

    // Another school never sees it.
    let other_school = app.school(&t.schools[1].urn);
    let elsewhere = app
        .get(
            &format!(
                "/api/v1/schools/{}/activity?academic_year={year}&term={term}",
                t.schools[1].urn
            ),
            &other_school,
        )
        .await;
    assert_status(&elsewhere, 200);
    assert_eq!(elsewhere.body["school_support"], json!([]));
    app.get(&view_path, &other_school)
        .await
        .assert_problem(404, "not_found");
}

/// A team with a school's referral of its first school and one of its second.
async fn with_referrals(app: &TestApp, code: &str) -> (TestTeam, String, String) {
    let t = app.team(code).await;
    let (own, _) = app.submitted(&t, 1, 2).await;
    let r = app.submit(&t.schools[1].urn, &upn(2), 2).await;
    assert_status(&r, 201);
    (t, own, r.id())
}

#[tokio::test]
async fn refusals_roles_zones_schools_cohorts_reviews_and_versions() {
    let app = TestApp::spawn().await;
    let (t, own, theirs) = with_referrals(&app, "SS3").await;
    let other = app.team("SS4").await;
    let urn = t.schools[0].urn.clone();
    let (_, _, today) = this_term();
    let token = app.practitioner(&t, 0);
    let school = app.school(&urn);

    // Roles: a school and its MIS read, never write (403).
    let (client, secret, _) = app.register_client(&[&urn]).await;
    let mis = app.client_token(&client, &secret).await;
    for t in [&school, &mis] {
        app.post("/api/v1/school-support", t, &training(&urn, &today))
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    // A setting outside the caller's zone, or none at all: 404.
    app.post(
        "/api/v1/school-support",
        &app.manager(&other),
        &training(&urn, &today),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/school-support",
        &token,
        &training("999999", &today),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(app.db.count("school_support").await, 0);

    // Cohorts: negative, implausible, smaller than the referrals linked,
    // unknown referral, another school's referral, missing for group work.
    let post = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move { app.post("/api/v1/school-support", &token, &body).await }
    };
    assert_field_error(
        &post(cohort_work(&urn, &today, -1, &[])).await,
        "cohort.size",
        "negative_count",
    );
    assert_field_error(
        &post(cohort_work(&urn, &today, 2001, &[])).await,
        "cohort.size",
        "implausible_count",
    );
    assert_field_error(
        &post(cohort_work(&urn, &today, 0, &[&own])).await,
        "cohort.size",
        "cohort_smaller_than_linked",
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_field_error(
        &post(cohort_work(&urn, &today, 8, &[&unknown])).await,
        "cohort.referral_ids[0]",
        "unknown_referral",
    );
    assert_field_error(
        &post(cohort_work(&urn, &today, 8, &[&own, &theirs])).await,
        "cohort.referral_ids[1]",
        "unknown_referral",
    );
    let mut bad_years = cohort_work(&urn, &today, 8, &[]);
    bad_years["cohort"]["year_groups"] = json!(["3", "3", "Y7"]);
    let r = post(bad_years).await;
    assert_field_error(&r, "cohort.year_groups[1]", "duplicate_year_group");
    assert_field_error(&r, "cohort.year_groups[2]", "invalid_year_group");
    let mut no_cohort = cohort_work(&urn, &today, 8, &[]);
    no_cohort.as_object_mut().expect("object").remove("cohort");
    assert_field_error(&post(no_cohort).await, "cohort", "cohort_required");
    let mut named = training(&urn, &today);
    named["staff"] = json!([{"role": "senco", "count": 1, "name": "Ms Example"}]);
    assert_eq!(post(named).await.status, 422);
    let mut twice = training(&urn, &today);
    twice["staff"] = json!([{"role": "senco", "count": 1}, {"role": "senco", "count": 2}]);
    assert_field_error(&post(twice).await, "staff[1].role", "duplicate_role");
    assert_eq!(app.db.count("school_support").await, 0);

    // With the school's own referral linked (the others counted only).
    let r = post(cohort_work(&urn, &today, 8, &[&own])).await;
    assert_status(&r, 201);
    assert_eq!(r.body["cohort"]["referral_ids"], json!([own]));
    let id = r.id();
    let etag = r.etag();

    // Reads: another school, another zone's team: 404.
    let path = format!("/api/v1/school-support/{id}");
    for t in [app.school(&t.schools[1].urn), app.manager(&other)] {
        app.get(&path, &t).await.assert_problem(404, "not_found");
        app.get(&format!("{path}/sessions"), &t)
            .await
            .assert_problem(404, "not_found");
    }
    let theirs_list = app
        .get("/api/v1/school-support", &app.school(&t.schools[1].urn))
        .await;
    assert_status(&theirs_list, 200);
    assert_eq!(theirs_list.body["items"], json!([]));
    let other_list = app
        .get("/api/v1/school-support", &app.manager(&other))
        .await;
    assert_eq!(other_list.body["items"], json!([]));
    app.get(
        "/api/v1/school-support?from=2026-12-01&to=2026-11-01",
        &token,
    )
    .await
    .assert_problem(400, "invalid_parameter");

    // Changes: another zone 404, a school 403, stale 412, a bad cohort 422.
    let change = json!({"kind": "cohort_group_work", "title": "Year 3 and 4 regulation group",
        "starts_on": today, "cohort": {"year_groups": ["3", "4"], "size": 12, "referral_ids": [own]}});
    app.put(&path, &app.manager(&other), Some(&etag), &change)
        .await
        .assert_problem(404, "not_found");
    app.put(&path, &school, Some(&etag), &change)
        .await
        .assert_problem(403, "forbidden_for_role");
    let mut negative = change.clone();
    negative["cohort"]["size"] = json!(-3);
    assert_field_error(
        &app.put(&path, &token, Some(&etag), &negative).await,
        "cohort.size",
        "negative_count",
    );
    let changed = app.put(&path, &token, Some(&etag), &change).await;
    assert_status(&changed, 200);
    assert_eq!(changed.body["cohort"]["size"], 12);
    app.put(&path, &token, Some(&etag), &change)
        .await
        .assert_problem(412, "version_mismatch");

    // Sessions: another zone 404, a school 403, a worker of another team,
    // an impossible duration or count, the future: 422.
    let ok = json!({"held_on": today, "duration_minutes": 30, "children_count": 8});
    session(&app, &id, &app.manager(&other), &ok)
        .await
        .assert_problem(404, "not_found");
    session(&app, &id, &school, &ok)
        .await
        .assert_problem(403, "forbidden_for_role");
    let mut foreign = ok.clone();
    foreign["practitioner_id"] = json!(other.practitioners[0].id);
    assert_field_error(
        &session(&app, &id, &token, &foreign).await,
        "practitioner_id",
        "unknown_worker",
    );
    assert_field_error(
        &session(&app, &id, &app.admin(), &ok).await,
        "practitioner_id",
        "unknown_worker",
    );
    let mut long = ok.clone();
    long["duration_minutes"] = json!(0);
    assert_field_error(
        &session(&app, &id, &token, &long).await,
        "duration_minutes",
        "invalid_duration",
    );
    let mut crowd = ok.clone();
    crowd["children_count"] = json!(5000);
    assert_field_error(
        &session(&app, &id, &token, &crowd).await,
        "children_count",
        "implausible_count",
    );
    let mut future = ok.clone();
    future["held_on"] = json!("2099-01-01");
    assert_field_error(
        &session(&app, &id, &token, &future).await,
        "held_on",
        "in_future",
    );
    let mut named = ok.clone();
    named["child_name"] = json!("Sam Example");
    assert_field_error(
        &session(&app, &id, &token, &named).await,
        "child_name",
        "unknown_field",
    );
    assert_eq!(app.db.count("school_support_sessions").await, 0);

    // Actions: a team-owned action names a worker of the team.
    let actions = format!("{path}/actions");
    assert_field_error(
        &app.post(
            &actions,
            &token,
            &json!({"description": "x", "owner": "team"}),
        )
        .await,
        "owner_worker_id",
        "invalid_owner",
    );
    assert_field_error(
        &app.post(
            &actions,
            &token,
            &json!({"description": "x", "owner": "team", "owner_worker_id": other.manager.id}),
        )
        .await,
        "owner_worker_id",
        "unknown_worker",
    );
    app.post(
        &actions,
        &school,
        &json!({"description": "x", "owner": "school"}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");

    // Review: a school 403, another zone 404, stale 412, once (409).
    let review = json!({"outcome": "partly_achieved", "summary": "Half the strategies in use", "reviewed_on": today});
    let rpath = format!("{path}/review");
    let current = changed.etag();
    app.call_if_match(Method::POST, &rpath, &school, Some(&current), Some(&review))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.call_if_match(
        Method::POST,
        &rpath,
        &app.manager(&other),
        Some(&current),
        Some(&review),
    )
    .await
    .assert_problem(404, "not_found");
    app.call_if_match(Method::POST, &rpath, &token, Some(&etag), Some(&review))
        .await
        .assert_problem(412, "version_mismatch");
    let done = app
        .call_if_match(Method::POST, &rpath, &token, Some(&current), Some(&review))
        .await;
    assert_status(&done, 200);
    app.call_if_match(
        Method::POST,
        &rpath,
        &token,
        Some(&done.etag()),
        Some(&review),
    )
    .await
    .assert_problem(409, "already_exists");
}
