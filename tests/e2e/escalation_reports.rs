//! `/reports/escalations` over HTTP (and the escalations column of
//! `/reports/schools`): closures seeded with intake levels, reassessments
//! at closure and escalation outcomes at closure and follow-ups, against
//! hand-computed figures; CSV; who may read which zone.

use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

/// Closes a referral at `closed_at` (SQL: the report reads what closures
/// leave behind, whichever way they were recorded).
async fn close(app: &TestApp, id: &str, closed_at: &str) {
    app.db
        .sql(&format!(
            "UPDATE referrals SET status = 'closed', closed_at = '{closed_at}', closure_outcome = 'needs_met',
                 closed_from = 'active' WHERE id = '{id}'"
        ))
        .await
        .expect("close");
}

/// A reassessment at closure with the levels given.
async fn reassess(app: &TestApp, id: &str, levels: &[(&str, i16)]) {
    let r = uuid::Uuid::new_v4();
    app.db
        .sql(&format!(
            "INSERT INTO indes_reassessments (id, referral_id, occasion, assessed_on, recorded_by, recorded_at)
             VALUES ('{r}', '{id}', 'closure', '2026-01-01', 'x', now())"
        ))
        .await
        .expect("reassessment");
    for (area, level) in levels {
        app.db
            .sql(&format!(
                "INSERT INTO indes_reassessment_levels (reassessment_id, area, level) VALUES ('{r}', '{area}', {level})"
            ))
            .await
            .expect("reassessment level");
    }
}

/// An escalation outcome `months` after the closure (0: at the closure,
/// otherwise at a follow-up, created with it). `ehc` adds an EHC request.
async fn outcome(
    app: &TestApp,
    id: &str,
    closed_at: &str,
    months: i16,
    placement: &str,
    exclusions: i16,
    ehc: bool,
) {
    let follow_up = if months == 0 {
        "NULL".to_owned()
    } else {
        let f = uuid::Uuid::new_v4();
        app.db
            .sql(&format!(
                "INSERT INTO follow_ups (id, referral_id, school_urn, zone_id, closed_at, months, due_on,
                     sustained, recorded_at, recorded_by, created_at)
                 SELECT '{f}', r.id, r.school_urn, r.zone_id, r.closed_at, {months},
                     (r.closed_at + make_interval(months => {months}))::date, true, now(), 'x', now()
                 FROM referrals r WHERE r.id = '{id}'"
            ))
            .await
            .expect("follow-up");
        format!("'{f}'")
    };
    let (by, on, result) = if ehc {
        ("'school'", "'2026-02-10'", "'pending'")
    } else {
        ("NULL", "NULL", "NULL")
    };
    let occasion = if months == 0 { "closure" } else { "follow_up" };
    app.db
        .sql(&format!(
            "INSERT INTO escalation_outcomes (id, referral_id, occasion, follow_up_id, closed_at,
                 months_after_closure, ehc_requested_by, ehc_requested_on, ehc_result, placement,
                 suspensions, permanent_exclusions, step_up_social_care, step_up_health, recorded_by, created_at)
             VALUES (gen_random_uuid(), '{id}', '{occasion}', {follow_up}, '{closed_at}', {months},
                 {by}, {on}, {result}, '{placement}', 0, {exclusions}, false, false, 'x', now())"
        ))
        .await
        .expect("escalation outcome");
}

fn row<'a>(body: &'a Value, zone: &str, level: i64) -> &'a Value {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["zone_code"] == zone && r["intake_level"] == level)
        .unwrap_or_else(|| panic!("no row for {zone} at level {level} in {body}"))
}

#[tokio::test]
async fn closures_are_counted_with_their_escalations_and_level_movement() {
    let app = TestApp::spawn().await;
    let team = app.team("SE").await;
    let other = app.team("SF").await;
    // Intake levels: the highest of social_emotional_mental_health (given)
    // and speech_and_language (2).
    let (with_ehc, _) = app.submitted(&team, 1, 4).await;
    let (excluded, _) = app.submitted(&team, 2, 4).await;
    let (plain, _) = app.submitted(&team, 3, 4).await;
    let (level_up, _) = app.submitted(&team, 4, 3).await;
    let (late, _) = app.submitted(&team, 5, 4).await;
    let (elsewhere, _) = app.submitted(&other, 6, 4).await;
    let (open, _) = app.submitted(&team, 7, 4).await;

    // A: level 4 -> 3; an EHC request at closure, a special school by the
    // 6-month follow-up.
    close(&app, &with_ehc, "2026-03-01T10:00:00Z").await;
    reassess(
        &app,
        &with_ehc,
        &[
            ("social_emotional_mental_health", 3),
            ("speech_and_language", 2),
        ],
    )
    .await;
    outcome(
        &app,
        &with_ehc,
        "2026-03-01T10:00:00Z",
        0,
        "mainstream_kept",
        0,
        true,
    )
    .await;
    outcome(
        &app,
        &with_ehc,
        "2026-03-01T10:00:00Z",
        6,
        "state_special_school",
        0,
        true,
    )
    .await;
    // B: level 4 -> 4; nothing at closure, alternative provision and a
    // permanent exclusion by the 12-month follow-up.
    close(&app, &excluded, "2026-04-01T10:00:00Z").await;
    reassess(&app, &excluded, &[("social_emotional_mental_health", 4)]).await;
    outcome(
        &app,
        &excluded,
        "2026-04-01T10:00:00Z",
        0,
        "mainstream_kept",
        0,
        false,
    )
    .await;
    outcome(
        &app,
        &excluded,
        "2026-04-01T10:00:00Z",
        12,
        "alternative_provision",
        1,
        false,
    )
    .await;
    // C: closed, never reassessed, no outcome.
    close(&app, &plain, "2026-05-01T10:00:00Z").await;
    // D: level 3 -> 4.
    close(&app, &level_up, "2026-02-01T10:00:00Z").await;
    reassess(&app, &level_up, &[("social_emotional_mental_health", 4)]).await;
    // Closed after the period, and in the other zone.
    close(&app, &late, "2026-08-01T10:00:00Z").await;
    close(&app, &elsewhere, "2026-03-01T10:00:00Z").await;
    outcome(
        &app,
        &elsewhere,
        "2026-03-01T10:00:00Z",
        0,
        "independent_non_maintained",
        0,
        false,
    )
    .await;
    // An outcome of a closure since reopened counts nowhere (the referral is open).
    app.db
        .sql(&format!(
            "UPDATE referrals SET closed_at = NULL WHERE id = '{open}'"
        ))
        .await
        .expect("open");

    let period = "from=2026-01-01&to=2026-06-30";
    let admin = app.admin();
    let r = app
        .get(&format!("/api/v1/reports/escalations?{period}"), &admin)
        .await;
    assert_status(&r, 200);
    assert_eq!(
        r.body["rows"].as_array().expect("rows").len(),
        3,
        "{}",
        r.body
    );
    let four = row(&r.body, "SE", 4);
    let expected = json!({
        "zone_code": "SE", "intake_level": 4, "closed": 3, "reassessed_at_closure": 2,
        "level_down": 1, "level_same": 1, "level_up": 0, "mean_level_change": -0.5,
        "outcome_recorded": 2, "followed_up_6_months": 2, "followed_up_12_months": 1,
        "ehc_requested_6_months": 1, "ehc_requested_12_months": 1,
        "specialist_placement_6_months": 1, "specialist_placement_12_months": 1,
        "alternative_provision_6_months": 0, "alternative_provision_12_months": 1,
        "permanent_exclusion_6_months": 0, "permanent_exclusion_12_months": 1
    });
    assert_eq!(*four, expected);
    let three = row(&r.body, "SE", 3);
    assert_eq!(three["closed"], 1);
    assert_eq!(three["level_up"], 1);
    assert_eq!(three["mean_level_change"], 1.0);
    assert_eq!(three["outcome_recorded"], 0);
    let sf = row(&r.body, "SF", 4);
    assert_eq!(sf["closed"], 1);
    assert_eq!(sf["specialist_placement_6_months"], 1);
    assert!(
        sf.get("mean_level_change").is_none(),
        "absent, not null: {sf}"
    );

    // The team manager reads their zone, as JSON or CSV; not another zone.
    let mgr = app.manager(&team);
    let r = app
        .get(&format!("/api/v1/reports/escalations?{period}"), &mgr)
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["rows"].as_array().expect("rows").len(), 2);
    let csv = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/reports/escalations?{period}&zone=SE"),
            Some(&mgr),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("zone_code,intake_level,closed,reassessed_at_closure,level_down"));
    assert_eq!(
        lines.next(),
        Some("SE,3,1,1,0,0,1,1.0,0,0,0,0,0,0,0,0,0,0,0")
    );
    assert_eq!(
        lines.next(),
        Some("SE,4,3,2,1,1,0,-0.5,2,2,1,1,1,1,1,0,1,0,1")
    );
    app.get(
        &format!("/api/v1/reports/escalations?{period}&zone=SF"),
        &mgr,
    )
    .await
    .assert_problem(404, "not_found");
    for token in [app.practitioner(&team, 0), app.school(&team.schools[0].urn)] {
        app.get("/api/v1/reports/escalations", &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.get(
        "/api/v1/reports/escalations?from=2026-06-30&to=2026-01-01",
        &admin,
    )
    .await
    .assert_problem(400, "invalid_parameter");

    // The schools report: of the school's referrals of the last year, A
    // (EHC request, special school) and B (alternative provision, an
    // exclusion) escalated; the other school's referral is its own.
    let r = app.get("/api/v1/reports/schools?zone=SE", &admin).await;
    assert_status(&r, 200);
    let urn = &team.schools[0].urn;
    let school = r.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["urn"] == *urn)
        .expect("the school's row");
    assert_eq!(school["referrals"], 6);
    assert_eq!(school["escalated"], 2);
}
