//! The eligibility policy, test and learn (issue 14, item 6): drafts,
//! changes, a simulation over the referrals of a period (checked against
//! hand-computed counts, nothing stored), publication from an effective day,
//! and the refusals.

use sct_e2e::{assert_status, days_from_today, upn, Reply, TestApp};
use serde_json::{json, Value};

const POLICIES: &str = "/api/v1/eligibility/policies";

/// A draft: the default's rules with the band `low..=high` ("within level
/// 3" is 3..=3).
fn draft(version: &str, low: u8, high: u8, effective_from: &str) -> Value {
    json!({
        "version": version,
        "name": "Within level 3 (test and learn)",
        "description": "The council's later wording: the teams serve children within INDES level 3.",
        "scale": {"min": 1, "max": 5},
        "band": {"low": low, "high": high},
        "ehc_plan": "no_effect",
        "factor_lift": {"min_factors": 2, "levels_below_band": 1},
        "priority": {
            "per_level_of_highest": 10,
            "per_further_area_in_band": 5,
            "factors": {"risk_of_exclusion": 12, "attendance": 8},
            "high_from": 40,
            "urgent_from": 55
        },
        "reopen_window_days": 90,
        "effective_from": effective_from
    })
}

fn today() -> String {
    days_from_today(0).to_string()
}

async fn referral(app: &TestApp, urn: &str, n: u32, level: u8) -> Reply {
    let r = app.submit(urn, &upn(n), level).await;
    assert_status(&r, 201);
    r
}

fn status_of(list: &Reply, version: &str) -> Value {
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|v| v["version"] == version)
        .map_or(Value::Null, |v| v["status"].clone())
}

fn outcome<'a>(sim: &'a Reply, name: &str) -> &'a Value {
    sim.body["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["outcome"] == name)
        .expect("outcome")
}

#[tokio::test]
async fn the_default_policy_says_what_the_sheet_says_and_signposts_to_the_send_team() {
    let app = TestApp::spawn().await;
    let p = app.get("/api/v1/eligibility/policy", &app.admin()).await;
    assert_status(&p, 200);
    let policy = &p.body["policy"];
    assert_eq!(policy["version"], "2023.1");
    assert_eq!(policy["band"], json!({"low": 3, "high": 4}));
    let name = policy["name"].as_str().expect("name");
    assert!(
        name.contains("3 to 4") && name.contains("MI sheet 34/23"),
        "{name}"
    );
    let description = policy["description"].as_str().expect("description");
    assert!(description.contains("council's to decide"), "{description}");
    let above = policy["pathways"]["above_threshold"]
        .as_str()
        .expect("text");
    assert!(above.starts_with("Discuss with the SEND team"), "{above}");
    assert!(above.contains("not a request for an EHC needs assessment"));
}

#[tokio::test]
async fn a_draft_is_changed_simulated_and_published_and_only_new_referrals_take_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("P01").await;
    let urn = t.schools[0].urn.clone();
    // Every referral also has speech and language at 2 and two complicating
    // factors (the support's body), so its highest level is max(L, 2), and
    // a highest level of 2 is lifted into the band by the two factors.
    // Under 2023.1 (band 3-4): L=1, 3, 4, 4 eligible, L=5 above.
    // Under the draft (band 3-3): L=1, 3 eligible, L=4, 4, 5 above.
    let mut ids = Vec::new();
    for (n, level) in [(1, 1), (2, 3), (3, 4), (4, 4), (5, 5)] {
        ids.push(referral(&app, &urn, n, level).await.id());
    }
    // One more, a year ago (level 4, eligible): outside a month's period.
    let old = referral(&app, &urn, 6, 4).await.id();
    app.db
        .sql(&format!(
            "UPDATE referrals SET created_at = now() - interval '400 days' WHERE id = '{old}'"
        ))
        .await
        .expect("backdate");
    assert_eq!(ids.len(), 5);

    // Create (Idempotency-Key: a retry replays the first answer).
    let body = draft("2027.1", 3, 3, &today());
    let created = app.post_keyed(POLICIES, &admin, "policy-1", &body).await;
    assert_status(&created, 201);
    assert_eq!(created.etag(), "\"v1\"");
    assert_eq!(
        created.header("location"),
        Some("/api/v1/eligibility/policies/2027.1")
    );
    assert_eq!(created.body["status"], "draft");
    assert!(
        created.body.get("published_at").is_none(),
        "{}",
        created.text
    );
    // No pathway texts sent: the default words.
    let above = created.body["policy"]["pathways"]["above_threshold"]
        .as_str()
        .expect("text");
    assert!(above.starts_with("Discuss with the SEND team"));
    let again = app.post_keyed(POLICIES, &admin, "policy-1", &body).await;
    assert_status(&again, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    app.post(POLICIES, &admin, &body)
        .await
        .assert_problem(409, "already_exists");

    // A draft screens nothing.
    let before = referral(&app, &urn, 7, 4).await;
    assert_eq!(before.body["eligibility"]["policy_version"], "2023.1");
    assert_eq!(before.body["eligibility"]["outcome"], "eligible");
    // Referral 7 was submitted today: from here on, five referrals today.
    let list = app.get(POLICIES, &admin).await;
    assert_status(&list, 200);
    assert_eq!(status_of(&list, "2023.1"), "in_force");
    assert_eq!(status_of(&list, "2027.1"), "draft");

    // Change the draft with If-Match.
    let path = format!("{POLICIES}/2027.1");
    let mut changed = body.clone();
    changed["name"] = json!("Within level 3");
    app.put(&path, &admin, None, &changed)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &admin, Some("\"v9\""), &changed)
        .await
        .assert_problem(412, "version_mismatch");
    let put = app.put(&path, &admin, Some("\"v1\""), &changed).await;
    assert_status(&put, 200);
    assert_eq!(put.etag(), "\"v2\"");
    assert_eq!(put.body["policy"]["name"], "Within level 3");
    app.put(&path, &admin, Some("\"v1\""), &changed)
        .await
        .assert_problem(412, "version_mismatch");
    let read = app.get(&path, &admin).await;
    assert_status(&read, 200);
    assert_eq!(read.etag(), "\"v2\"");

    // Simulate the last month: six referrals (levels 1, 3, 4, 4, 5 and the
    // 4 of referral 7); the one of a year ago is outside.
    let referrals_before = app.db.count("referrals").await;
    let audit_before = app.db.count("audit_events").await;
    let period = json!({"from": days_from_today(-30).to_string(), "to": today()});
    let sim = app.post(&format!("{path}/simulate"), &admin, &period).await;
    assert_status(&sim, 200);
    assert_eq!(sim.body["version"], "2027.1");
    assert_eq!(sim.body["referrals"], 6);
    assert_eq!(sim.body["changed"], 3);
    assert_eq!(sim.body["off_scale"], 0);
    assert_eq!(
        sim.body["moves"],
        json!([
            {"from": "eligible", "to": "eligible", "referrals": 2},
            {"from": "eligible", "to": "above_threshold", "referrals": 3},
            {"from": "above_threshold", "to": "above_threshold", "referrals": 1}
        ])
    );
    let eligible = outcome(&sim, "eligible");
    assert_eq!(
        (
            &eligible["before"],
            &eligible["after"],
            &eligible["leaving"],
            &eligible["arriving"]
        ),
        (&json!(5), &json!(2), &json!(3), &json!(0))
    );
    let above = outcome(&sim, "above_threshold");
    assert_eq!(
        (
            &above["before"],
            &above["after"],
            &above["leaving"],
            &above["arriving"]
        ),
        (&json!(1), &json!(4), &json!(0), &json!(3))
    );
    // Over two years the old referral counts too.
    let long = json!({"from": days_from_today(-730).to_string(), "to": today()});
    let sim2 = app.post(&format!("{path}/simulate"), &admin, &long).await;
    assert_status(&sim2, 200);
    assert_eq!(
        (&sim2.body["referrals"], &sim2.body["changed"]),
        (&json!(7), &json!(4))
    );
    // Nothing stored: no referral changed, no row but the audit trail's.
    assert_eq!(app.db.count("referrals").await, referrals_before);
    let r = app
        .get(&format!("/api/v1/referrals/{}", ids[2]), &admin)
        .await;
    assert_eq!(r.body["eligibility"]["outcome"], "eligible");
    assert_eq!(r.body["eligibility"]["policy_version"], "2023.1");
    assert_eq!(r.body["version"], 1);
    assert!(app.db.count("audit_events").await > audit_before);

    // Publish from today, with If-Match.
    let publish = format!("{path}/publish");
    let no_tag = app
        .call(reqwest::Method::POST, &publish, Some(&admin), None, &[])
        .await;
    no_tag.assert_problem(428, "if_match_required");
    let stale = app
        .call(
            reqwest::Method::POST,
            &publish,
            Some(&admin),
            None,
            &[("if-match", "\"v1\"")],
        )
        .await;
    stale.assert_problem(412, "version_mismatch");
    let published = app
        .call(
            reqwest::Method::POST,
            &publish,
            Some(&admin),
            None,
            &[("if-match", "\"v2\"")],
        )
        .await;
    assert_status(&published, 200);
    assert_eq!(published.body["status"], "in_force");
    assert!(published.body["published_at"].is_string());
    assert_eq!(published.etag(), "\"v3\"");
    let list = app.get(POLICIES, &admin).await;
    assert_eq!(status_of(&list, "2023.1"), "superseded");
    assert_eq!(status_of(&list, "2027.1"), "in_force");
    let current = app
        .get("/api/v1/eligibility/policy", &app.school(&urn))
        .await;
    assert_eq!(current.body["policy"]["version"], "2027.1");
    assert_eq!(current.body["policy"]["band"], json!({"low": 3, "high": 3}));

    // A new referral is screened by it; the earlier ones keep 2023.1.
    let after = referral(&app, &urn, 8, 4).await;
    assert_eq!(after.body["eligibility"]["policy_version"], "2027.1");
    assert_eq!(after.body["eligibility"]["outcome"], "above_threshold");
    assert_eq!(
        after.body["eligibility"]["pathway"],
        "specialist_assessment"
    );
    let kept = app
        .get(&format!("/api/v1/referrals/{}", ids[2]), &admin)
        .await;
    assert_eq!(kept.body["eligibility"]["policy_version"], "2023.1");
    assert_eq!(kept.body["eligibility"]["outcome"], "eligible");
    let check = app
        .post(
            "/api/v1/eligibility/check",
            &app.school(&urn),
            &json!({"indes": [{"area": "learning_and_cognition", "level": 4}]}),
        )
        .await;
    assert_status(&check, 200);
    assert_eq!(check.body["eligibility"]["policy_version"], "2027.1");

    // Published once; a published version no longer changes.
    app.call(
        reqwest::Method::POST,
        &publish,
        Some(&admin),
        None,
        &[("if-match", "\"v3\"")],
    )
    .await
    .assert_problem(409, "policy_published");
    app.put(&path, &admin, Some("\"v3\""), &changed)
        .await
        .assert_problem(409, "policy_published");

    // Audited by subject: the version's label.
    let rows = app
        .db
        .sql(
            "SELECT action FROM audit_events WHERE subject_type = 'policy' \
             AND subject_id = '2027.1' AND outcome < 300 ORDER BY id",
        )
        .await
        .expect("audit");
    let actions: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    for a in [
        "create_policy",
        "update_policy",
        "simulate_policy",
        "publish_policy",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
    let by = app
        .db
        .sql("SELECT published_by FROM eligibility_policies WHERE version = '2027.1'")
        .await
        .expect("row");
    assert!(by[0].get::<_, Option<String>>(0).is_some());
}

#[tokio::test]
async fn a_version_published_for_a_later_day_waits_for_its_day() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("P02").await;
    let urn = t.schools[0].urn.clone();
    let tomorrow = days_from_today(1).to_string();
    let created = app
        .post(POLICIES, &admin, &draft("2027.2", 3, 3, &tomorrow))
        .await;
    assert_status(&created, 201);
    let path = format!("{POLICIES}/2027.2");
    let published = app
        .call(
            reqwest::Method::POST,
            &format!("{path}/publish"),
            Some(&admin),
            None,
            &[("if-match", "\"v1\"")],
        )
        .await;
    assert_status(&published, 200);
    assert_eq!(published.body["status"], "published");
    let r = referral(&app, &urn, 1, 4).await;
    assert_eq!(r.body["eligibility"]["policy_version"], "2023.1");

    // Its day comes (as another process's clock would see it): the server
    // screens with it within the cache's time to live.
    app.db
        .sql("UPDATE eligibility_policies SET effective_from = effective_from - 1 WHERE version = '2027.2'")
        .await
        .expect("move the day");
    tokio::time::sleep(
        sct_api::http::state::ActivePolicy::TTL + std::time::Duration::from_millis(200),
    )
    .await;
    let r = referral(&app, &urn, 2, 4).await;
    assert_eq!(r.body["eligibility"]["policy_version"], "2027.2");
    assert_eq!(r.body["eligibility"]["outcome"], "above_threshold");
    let list = app.get(POLICIES, &admin).await;
    assert_eq!(status_of(&list, "2027.2"), "in_force");
}

#[tokio::test]
async fn refusals_roles_bad_policies_long_periods_and_past_days() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let t = app.team("P03").await;
    let urn = t.schools[0].urn.clone();
    let body = draft("2027.3", 3, 3, &today());
    let path = format!("{POLICIES}/2027.3");
    let period = json!({"from": "2026-01-01", "to": "2026-06-30"});

    // Only la_admin.
    for token in [app.manager(&t), app.practitioner(&t, 0), app.school(&urn)] {
        app.get(POLICIES, &token)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.post(POLICIES, &token, &body)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.get(&format!("{POLICIES}/2023.1"), &token)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.post(&format!("{POLICIES}/2023.1/simulate"), &token, &period)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    assert_eq!(app.db.count("eligibility_policies").await, 1);

    // A band outside its scale; other incoherences name their field.
    let bad = app
        .post(POLICIES, &admin, &draft("2027.3", 3, 6, &today()))
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "band", "{}", bad.text);
    assert_eq!(bad.body["errors"][0]["code"], "band_outside_scale");
    let mut bad_lift = body.clone();
    bad_lift["factor_lift"]["levels_below_band"] = json!(3);
    let bad = app.post(POLICIES, &admin, &bad_lift).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "factor_lift");
    let mut label = body.clone();
    label["version"] = json!("2027/3");
    app.post(POLICIES, &admin, &label)
        .await
        .assert_problem(422, "validation_failed");
    let mut unknown = body.clone();
    unknown["active"] = json!(true);
    assert_eq!(app.post(POLICIES, &admin, &unknown).await.status, 422);
    let mut blank = body.clone();
    blank["pathways"] = json!({"eligible": "a", "below_threshold": "b", "above_threshold": " ", "insufficient_information": "d"});
    let bad = app.post(POLICIES, &admin, &blank).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "pathways");
    assert_eq!(app.db.count("eligibility_policies").await, 1);

    // The default's label is taken.
    app.post(POLICIES, &admin, &draft("2023.1", 3, 4, &today()))
        .await
        .assert_problem(409, "already_exists");

    // A simulation over more than 3 years, or backwards.
    let sim = format!("{POLICIES}/2023.1/simulate");
    let long = app
        .post(
            &sim,
            &admin,
            &json!({"from": "2020-01-01", "to": "2023-01-02"}),
        )
        .await;
    long.assert_problem(422, "validation_failed");
    assert_eq!(long.body["errors"][0]["field"], "to");
    assert_eq!(long.body["errors"][0]["code"], "period_too_long");
    let three = app
        .post(
            &sim,
            &admin,
            &json!({"from": "2020-01-01", "to": "2023-01-01"}),
        )
        .await;
    assert_status(&three, 200);
    let back = app
        .post(
            &sim,
            &admin,
            &json!({"from": "2026-02-01", "to": "2026-01-01"}),
        )
        .await;
    back.assert_problem(422, "validation_failed");
    assert_eq!(back.body["errors"][0]["code"], "before_from");

    // Unknown versions.
    app.get(&format!("{POLICIES}/nope"), &admin)
        .await
        .assert_problem(404, "not_found");
    app.post(&format!("{POLICIES}/nope/simulate"), &admin, &period)
        .await
        .assert_problem(404, "not_found");
    app.call(
        reqwest::Method::POST,
        &format!("{POLICIES}/nope/publish"),
        Some(&admin),
        None,
        &[("if-match", "\"v1\"")],
    )
    .await
    .assert_problem(404, "not_found");

    // A draft whose day has passed is not published into the past.
    let created = app
        .post(
            POLICIES,
            &admin,
            &draft("2027.3", 3, 3, &days_from_today(-1).to_string()),
        )
        .await;
    assert_status(&created, 201);
    let past = app
        .call(
            reqwest::Method::POST,
            &format!("{path}/publish"),
            Some(&admin),
            None,
            &[("if-match", "\"v1\"")],
        )
        .await;
    past.assert_problem(422, "validation_failed");
    assert_eq!(past.body["errors"][0]["code"], "in_past");
    // The change names the version of its path.
    let other = app
        .put(
            &path,
            &admin,
            Some("\"v1\""),
            &draft("2027.4", 3, 3, &today()),
        )
        .await;
    other.assert_problem(422, "validation_failed");
    assert_eq!(other.body["errors"][0]["code"], "path_mismatch");
    // The default is published: it does not change.
    app.put(
        &format!("{POLICIES}/2023.1"),
        &admin,
        Some("\"v1\""),
        &draft("2023.1", 3, 3, &today()),
    )
    .await
    .assert_problem(409, "policy_published");
    let list = app.get(POLICIES, &admin).await;
    assert_eq!(status_of(&list, "2027.3"), "draft");
    assert_eq!(status_of(&list, "2023.1"), "in_force");
}
