//! Issue 13's "Done when", end to end over HTTP against PostgreSQL: a
//! practitioner creates a family with two children at two schools and two
//! adults, runs its early help assessment, writes a family plan with goals,
//! delivers sessions, reviews and closes both children's referrals, reviews
//! the family plan and closes the family with its final ratings, and
//! reads one family page with both referrals; each school still sees only
//! its own child.

use crate::delivery::active_referral;
use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

fn goal_ids(v: &Value) -> Vec<String> {
    v["goals"]
        .as_array()
        .expect("goals")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_family_is_assessed_planned_supported_reviewed_and_closed_on_one_page() {
    let app = TestApp::spawn().await;
    let t = app.team("FF").await;
    let mgr = app.manager(&t);
    let pr = app.practitioner(&t, 0);
    let (s1, s2) = (t.schools[0].urn.clone(), t.schools[1].urn.clone());

    // Two children at two schools, each referred by their school, allocated
    // to the practitioner and started.
    let mut referrals = Vec::new();
    for (school, child) in [(0, 60), (1, 61)] {
        let (id, _) = active_referral(&app, &t, school, child).await;
        referrals.push(id);
    }

    // The family: both children and two adults.
    let fam = app.post("/api/v1/families", &pr, &json!({})).await;
    assert_status(&fam, 201);
    let fam = fam.id();
    let members = format!("/api/v1/families/{fam}/members");
    let mut kids = Vec::new();
    for (r, urn) in [(&referrals[0], &s1), (&referrals[1], &s2)] {
        let read = app.get(&format!("/api/v1/referrals/{r}"), &pr).await;
        assert_status(&read, 200);
        let m = app
            .post(
                &members,
                &pr,
                &json!({"kind": "child", "child_id": read.body["child"]["id"], "school_urn": urn}),
            )
            .await;
        assert_status(&m, 201);
        kids.push(m.id());
        let linked = app
            .put(
                &format!("/api/v1/referrals/{r}/family"),
                &mgr,
                Some(&read.etag()),
                &json!({"family_id": fam}),
            )
            .await;
        assert_status(&linked, 200);
    }
    let mut adults = Vec::new();
    for (given, role, rel) in [("Jo", "parent", "mother"), ("Alex", "carer", "step_parent")] {
        let m = app
            .post(
                &members,
                &pr,
                &json!({"kind": "adult", "role": role, "given_name": given, "family_name": "Example",
                        "relationships": [
                            {"child_member_id": kids[0], "relationship": rel, "parental_responsibility": role == "parent"},
                            {"child_member_id": kids[1], "relationship": rel, "parental_responsibility": role == "parent"}]}),
            )
            .await;
        assert_status(&m, 201);
        adults.push(m.id());
    }

    // The early help assessment.
    let assessed = app
        .post(
            &format!("/api/v1/families/{fam}/assessments"),
            &pr,
            &json!({
                "assessed_on": "2026-11-30",
                "child_areas": [
                    {"child_member_id": kids[0], "area": "social_emotional_mental_health", "needs": "Anxious", "strengths": "Kind"},
                    {"child_member_id": kids[1], "area": "speech_and_language", "needs": "Few words", "strengths": "Curious"}],
                "family_areas": [{"area": "routines", "needs": "Rushed mornings", "strengths": "Bedtime works"}],
                "family_view": "We want calmer mornings"
            }),
        )
        .await;
    assert_status(&assessed, 201);

    // The family plan with goals, and each child's support plan serving it.
    let fplan = app
        .put(
            &format!("/api/v1/families/{fam}/plan"),
            &pr,
            None,
            &json!({
                "goals": [{"area": "routines", "description": "Calm mornings", "baseline": 2, "target": 8}],
                "actions": [{"description": "Morning chart", "owner_member_id": adults[0], "due_on": "2026-12-20"}],
                "review_dates": ["2027-01-15"]
            }),
        )
        .await;
    assert_status(&fplan, 201);
    let fplan_id = fplan.body["id"].as_str().expect("plan id").to_owned();
    let mut goals = Vec::new();
    for r in &referrals {
        let sp = app
            .put(
                &format!("/api/v1/referrals/{r}/plan"),
                &pr,
                None,
                &json!({"goals": [{"area": "social_emotional_mental_health", "description": "Comes in calmly",
                                   "baseline": 2, "target": 7}], "family_plan_id": fplan_id}),
            )
            .await;
        assert_status(&sp, 201);
        assert_eq!(sp.body["family_plan_id"], json!(fplan_id));
        goals.push(goal_ids(&sp.body));
    }

    // Sessions, a review, and closure with the final ratings.
    for (r, g) in referrals.iter().zip(&goals) {
        let s = app
            .post(
                &format!("/api/v1/referrals/{r}/sessions"),
                &pr,
                &json!({"held_on": "2026-11-20", "duration_minutes": 45, "attendance": "attended",
                        "attendees": {"child": true, "parent_carer": true, "school_staff": false}}),
            )
            .await;
        assert_status(&s, 201);
        let review = app
            .post(
                &format!("/api/v1/referrals/{r}/reviews"),
                &pr,
                &json!({"reviewed_on": "2026-11-25", "ratings": [{"goal_id": g[0], "rating": 5}]}),
            )
            .await;
        assert_status(&review, 201);
        let now = app.get(&format!("/api/v1/referrals/{r}"), &pr).await;
        let closed = app
            .act(
                r,
                "close",
                &pr,
                &now.etag(),
                &json!({"outcome": "needs_met", "final_ratings": [{"goal_id": g[0], "rating": 8}]}),
            )
            .await;
        assert_status(&closed, 200);
        assert_eq!(closed.body["status"], "closed");
    }

    // One family page: both children's referrals, closed.
    let page = app.get(&format!("/api/v1/families/{fam}"), &pr).await;
    assert_status(&page, 200);
    let shown: Vec<(String, String)> = page.body["referrals"]
        .as_array()
        .expect("referrals")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = referrals
        .iter()
        .map(|r| (r.clone(), "closed".to_owned()))
        .collect();
    let mut got = shown.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{}", page.text);
    assert_eq!(page.body["members"].as_array().map(Vec::len), Some(4));
    // The family plan's review rates the family goal; closing the family
    // records its final rating.
    let fgoal = fplan.body["goals"][0]["id"].clone();
    let freview = app
        .post(
            &format!("/api/v1/families/{fam}/plan/reviews"),
            &pr,
            &json!({"reviewed_on": "2026-11-25", "ratings": [{"goal_id": fgoal, "rating": 5}]}),
        )
        .await;
    assert_status(&freview, 201);
    let plan = app.get(&format!("/api/v1/families/{fam}/plan"), &pr).await;
    assert_status(&plan, 200);
    assert_eq!(plan.body["goals"][0]["description"], "Calm mornings");
    assert_eq!(plan.body["goals"][0]["latest_rating"], 5);
    let closed = app
        .put(
            &format!("/api/v1/families/{fam}"),
            &pr,
            Some(&page.etag()),
            &json!({"zone_id": page.body["zone_id"], "status": "closed",
                    "final_ratings": [{"goal_id": fgoal, "rating": 8}]}),
        )
        .await;
    assert_status(&closed, 200);
    assert_eq!(closed.body["status"], "closed");
    let plan = app.get(&format!("/api/v1/families/{fam}/plan"), &pr).await;
    assert_eq!(plan.body["goals"][0]["latest_rating"], 8);
    assert_eq!(plan.body["goals"][0]["distance_travelled"], 6);

    // Each school sees only its own child and referral, and never the
    // family's assessment or plan.
    for (urn, mine, theirs, other_kid) in [
        (&s1, &referrals[0], &referrals[1], &kids[1]),
        (&s2, &referrals[1], &referrals[0], &kids[0]),
    ] {
        let school = app.school(urn);
        let p = app.get(&format!("/api/v1/families/{fam}"), &school).await;
        assert_status(&p, 200);
        assert!(p.text.contains(mine.as_str()), "{}", p.text);
        assert!(!p.text.contains(theirs.as_str()), "{}", p.text);
        assert!(!p.text.contains(other_kid.as_str()), "{}", p.text);
        app.get(&format!("/api/v1/referrals/{theirs}"), &school)
            .await
            .assert_problem(404, "not_found");
        app.get(&format!("/api/v1/families/{fam}/plan"), &school)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.get(&format!("/api/v1/families/{fam}/assessments"), &school)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
}
