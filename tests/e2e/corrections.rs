//! Corrections of a referral after submission (`PUT /referrals/{id}`), the
//! INDES reassessment at reviews and closure with the level movement the
//! referral shows, referrals for a closed school, and the step changes
//! report's old path.

use crate::delivery::{active_referral, add_intervention, goal_ids, plan_body};
use sct_e2e::{assert_status, upn, Reply, TestApp};
use serde_json::{json, Value};

fn correction(semh: u8, factors: &[&str], reason: &str) -> Value {
    json!({
        "indes": [
            {"area": "social_emotional_mental_health", "level": semh},
            {"area": "speech_and_language", "level": 2}
        ],
        "complicating_factors": factors,
        "existing_plans": ["sen_support_plan"],
        "reason": reason
    })
}

/// The body the test support submits, as a correction: changes nothing.
fn as_submitted() -> Value {
    correction(
        4,
        &["risk_of_exclusion", "attendance"],
        "Escalating anxiety, attendance falling",
    )
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let h = app
        .get(&format!("/api/v1/referrals/{id}/history"), &app.admin())
        .await;
    assert_status(&h, 200);
    h.body["items"].as_array().expect("items").clone()
}

fn level(r: &Reply, area: &str) -> Value {
    r.body["indes_movement"]
        .as_array()
        .expect("indes_movement")
        .iter()
        .find(|m| m["area"] == area)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_school_corrects_its_referral_until_the_team_accepts_and_it_is_screened_again() {
    let app = TestApp::spawn().await;
    let t = app.team("C01").await;
    let urn = t.schools[0].urn.clone();
    let school = app.school(&urn);
    let (id, etag) = app.submitted(&t, 1, 4).await;
    let path = format!("/api/v1/referrals/{id}");

    // If-Match is required, and must be current.
    app.put(&path, &school, None, &as_submitted())
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &school, Some("\"v9\""), &as_submitted())
        .await
        .assert_problem(412, "version_mismatch");
    // Levels on the policy's scale (1-5), once per area; no unknown fields.
    let bad = app
        .put(&path, &school, Some(&etag), &correction(6, &[], "x"))
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "indes[0]", "{}", bad.text);
    let mut unknown = as_submitted();
    unknown["child"] = json!({"given_name": "Other"});
    assert!(
        app.put(&path, &school, Some(&etag), &unknown).await.status >= 400,
        "unknown fields are refused"
    );
    // Another school's referral: 404.
    app.put(
        &path,
        &app.school(&t.schools[1].urn),
        Some(&etag),
        &as_submitted(),
    )
    .await
    .assert_problem(404, "not_found");

    // The same inputs change nothing.
    let same = app.put(&path, &school, Some(&etag), &as_submitted()).await;
    assert_status(&same, 200);
    assert_eq!(same.body["version"], 1);
    assert_eq!(history(&app, &id).await.len(), 1);

    // Level 5 is above the band: screened again, the first screening kept.
    let reason = "Corrected after the family meeting";
    let fixed = app
        .put(
            &path,
            &school,
            Some(&etag),
            &correction(5, &["attendance"], reason),
        )
        .await;
    assert_status(&fixed, 200);
    assert_eq!(fixed.etag(), "\"v2\"");
    assert_eq!(fixed.body["eligibility"]["outcome"], "above_threshold");
    assert_eq!(fixed.body["submitted_eligibility"]["outcome"], "eligible");
    assert_eq!(fixed.body["complicating_factors"], json!(["attendance"]));
    assert_eq!(fixed.body["reason"], reason);
    assert_eq!(
        level(&fixed, "social_emotional_mental_health")["intake_level"],
        5
    );
    let read = app.get(&path, &app.manager(&t)).await;
    assert_eq!(read.body["eligibility"]["outcome"], "above_threshold");
    assert_eq!(read.body["submitted_eligibility"]["outcome"], "eligible");

    // The history names the fields, never their values.
    let h = history(&app, &id).await;
    let last = h.last().expect("entry");
    assert_eq!(last["action"], "correct");
    assert_eq!(last["from_status"], "submitted");
    assert_eq!(last["to_status"], "submitted");
    assert_eq!(
        last["details"]["changed"],
        json!(["indes", "complicating_factors", "reason"])
    );
    assert_eq!(last["details"]["eligibility_changed"], true);
    assert!(last["reason"].is_null());
    let details = last["details"].to_string();
    assert!(!details.contains("Corrected"), "{details}");
    assert!(!details.contains("social_emotional"), "{details}");

    // Once the team accepts, the school no longer corrects; the team does.
    let accepted = app
        .act(
            &id,
            "accept",
            &app.manager(&t),
            &fixed.etag(),
            &json!({"note": "Fits"}),
        )
        .await;
    assert_status(&accepted, 200);
    app.put(&path, &school, Some(&accepted.etag()), &as_submitted())
        .await
        .assert_problem(409, "referral_not_open");
    let by_team = app
        .put(
            &path,
            &app.manager(&t),
            Some(&accepted.etag()),
            &as_submitted(),
        )
        .await;
    assert_status(&by_team, 200);
    assert_eq!(by_team.body["eligibility"]["outcome"], "eligible");
    assert_eq!(by_team.body["status"], "accepted");
    // A manager of another team: 404.
    let other = app.team("C02").await;
    app.put(
        &path,
        &app.manager(&other),
        Some(&by_team.etag()),
        &as_submitted(),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn an_ended_referral_stands_as_it_ended() {
    let app = TestApp::spawn().await;
    let t = app.team("C03").await;
    let school = app.school(&t.schools[0].urn);
    let (withdrawn, etag) = app.submitted(&t, 1, 4).await;
    let w = app
        .act(
            &withdrawn,
            "withdraw",
            &school,
            &etag,
            &json!({"reason": "Moved"}),
        )
        .await;
    assert_status(&w, 200);
    app.put(
        &format!("/api/v1/referrals/{withdrawn}"),
        &app.admin(),
        Some(&w.etag()),
        &correction(3, &[], "x"),
    )
    .await
    .assert_problem(409, "referral_not_open");

    let (closed, _) = active_referral(&app, &t, 0, 2).await;
    let path = format!("/api/v1/referrals/{closed}");
    let etag = app.get(&path, &app.admin()).await.etag();
    let c = app
        .act(
            &closed,
            "close",
            &app.manager(&t),
            &etag,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_status(&c, 200);
    app.put(
        &path,
        &app.admin(),
        Some(&c.etag()),
        &correction(3, &[], "x"),
    )
    .await
    .assert_problem(409, "referral_not_open");
    assert_eq!(
        app.get(&path, &app.admin()).await.body["version"],
        c.body["version"]
    );
}

#[tokio::test]
async fn reviews_and_the_closure_reassess_the_levels_and_the_referral_shows_the_movement() {
    let app = TestApp::spawn().await;
    let t = app.team("C04").await;
    let elsa = add_intervention(
        &app,
        "ELSA",
        "individual",
        &["social_emotional_mental_health"],
        true,
    )
    .await;
    let (id, _) = active_referral(&app, &t, 0, 3).await;
    let path = format!("/api/v1/referrals/{id}");
    let practitioner = app.practitioner(&t, 0);

    // Before any reassessment: intake levels, no change.
    let before = app.get(&path, &practitioner).await;
    let semh = level(&before, "social_emotional_mental_health");
    assert_eq!(semh["intake_level"], 4);
    assert_eq!(semh["latest_level"], 4);
    assert_eq!(semh["change"], 0);
    assert!(semh["latest_assessed_on"].is_null());

    let plan = app
        .put(
            &format!("{path}/plan"),
            &practitioner,
            None,
            &plan_body(2, 8, &[&elsa]),
        )
        .await;
    assert_status(&plan, 201);
    let goals = goal_ids(&plan);
    let ratings = json!([{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 5}]);
    let reviews = format!("{path}/reviews");

    // Levels off the scale, or twice for one area: 422, nothing stored.
    let off = app
        .post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-20", "ratings": ratings, "indes": [{"area": "speech_and_language", "level": 9}]}),
        )
        .await;
    off.assert_problem(422, "validation_failed");
    assert_eq!(off.body["errors"][0]["field"], "indes[0]", "{}", off.text);
    assert_eq!(app.db.count("plan_reviews").await, 0);

    // A review without levels leaves them; one with levels moves them.
    let unassessed = app
        .post(
            &reviews,
            &practitioner,
            &json!({"reviewed_on": "2026-11-19", "ratings": ratings}),
        )
        .await;
    assert_status(&unassessed, 201);
    let review = app
        .post(
            &reviews,
            &practitioner,
            &json!({
                "reviewed_on": "2026-11-20",
                "ratings": ratings,
                "indes": [
                    {"area": "social_emotional_mental_health", "level": 3},
                    {"area": "learning_and_cognition", "level": 2}
                ]
            }),
        )
        .await;
    assert_status(&review, 201);
    let after = app.get(&path, &practitioner).await;
    let semh = level(&after, "social_emotional_mental_health");
    assert_eq!(semh["intake_level"], 4);
    assert_eq!(semh["latest_level"], 3);
    assert_eq!(semh["change"], -1);
    assert_eq!(semh["latest_assessed_on"], "2026-11-20");
    // Not reassessed: as at intake.
    let sl = level(&after, "speech_and_language");
    assert_eq!(sl["latest_level"], 2);
    assert_eq!(sl["change"], 0);
    // First assessed at the review: no intake level, no change.
    let lc = level(&after, "learning_and_cognition");
    assert!(lc["intake_level"].is_null());
    assert_eq!(lc["latest_level"], 2);
    assert!(lc["change"].is_null());

    // Correcting the review's levels replaces them.
    let review_path = review.header("location").expect("location").to_owned();
    let corrected = app
        .put(
            &review_path,
            &practitioner,
            Some(&review.etag()),
            &json!({
                "reviewed_on": "2026-11-20",
                "ratings": ratings,
                "indes": [{"area": "social_emotional_mental_health", "level": 4}]
            }),
        )
        .await;
    assert_status(&corrected, 200);
    let after = app.get(&path, &practitioner).await;
    assert_eq!(level(&after, "social_emotional_mental_health")["change"], 0);
    assert!(level(&after, "learning_and_cognition").is_null());

    // The closure reassesses too (levels on the scale).
    let etag = after.etag();
    let close = |indes: Value| json!({"outcome": "stepped_down", "final_ratings": [{"goal_id": goals[0], "rating": 7}, {"goal_id": goals[1], "rating": 6}], "indes": indes});
    app.act(
        &id,
        "close",
        &practitioner,
        &etag,
        &close(json!([{"area": "social_emotional_mental_health", "level": 0}])),
    )
    .await
    .assert_problem(422, "validation_failed");
    let closed = app
        .act(
            &id,
            "close",
            &practitioner,
            &etag,
            &close(json!([{"area": "social_emotional_mental_health", "level": 2}])),
        )
        .await;
    assert_status(&closed, 200);
    let semh = level(&closed, "social_emotional_mental_health");
    assert_eq!(semh["intake_level"], 4);
    assert_eq!(semh["latest_level"], 2);
    assert_eq!(semh["change"], -2);
    // The school reads the movement of its referral too.
    let seen = app.get(&path, &app.school(&t.schools[0].urn)).await;
    assert_eq!(level(&seen, "social_emotional_mental_health")["change"], -2);
    assert_eq!(app.db.count("indes_reassessments").await, 2);
}

#[tokio::test]
async fn a_school_recorded_as_closed_takes_no_new_referrals() {
    let app = TestApp::spawn().await;
    let t = app.team("C05").await;
    let urn = t.schools[0].urn.clone();
    app.db
        .sql(&format!(
            "UPDATE schools SET status = 'closed' WHERE urn = '{urn}'"
        ))
        .await
        .expect("close the school");
    let refused = app.submit(&urn, &upn(1), 4).await;
    refused.assert_problem(422, "school_closed");
    let by_admin = app
        .post(
            "/api/v1/referrals",
            &app.admin(),
            &sct_e2e::referral_body(&urn, &upn(2), 4),
        )
        .await;
    by_admin.assert_problem(422, "school_closed");
    assert_eq!(app.db.count("referrals").await, 0);
    assert_eq!(app.db.count("children").await, 0);

    // Proposed to close is still open.
    let other = t.schools[1].urn.clone();
    app.db
        .sql(&format!(
            "UPDATE schools SET status = 'proposed_to_close' WHERE urn = '{other}'"
        ))
        .await
        .expect("propose to close");
    assert_status(&app.submit(&other, &upn(3), 4).await, 201);
}

#[tokio::test]
async fn the_old_step_changes_path_redirects_with_its_query() {
    let app = TestApp::spawn().await;
    let t = app.team("C06").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .get(app.url("/api/v1/reports/shift-left?zone=C06&from=2026-01-01"))
        .bearer_auth(app.manager(&t))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 308);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/api/v1/reports/step-changes?zone=C06&from=2026-01-01")
    );
    // Followed, it answers the report (and its refusals) as the new path.
    let followed = app
        .get("/api/v1/reports/shift-left?zone=C06", &app.manager(&t))
        .await;
    assert_status(&followed, 200);
    assert!(followed.body["rows"].is_array(), "{}", followed.text);
    app.get("/api/v1/reports/shift-left", &app.school(&t.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");
    // Without a token: 401 at the old path already.
    app.call(
        reqwest::Method::GET,
        "/api/v1/reports/shift-left",
        None,
        None,
        &[],
    )
    .await
    .assert_problem(401, "missing_token");
}
