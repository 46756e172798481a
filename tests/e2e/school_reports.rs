//! `/reports/schools` over HTTP: each school's figures against hand-computed
//! expectations, CSV, and who may read which zone.

use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

fn school<'a>(body: &'a Value, urn: &str) -> &'a Value {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["urn"] == urn)
        .unwrap_or_else(|| panic!("no row for {urn} in {body}"))
}

#[tokio::test]
async fn every_school_of_a_zone_is_reported_with_its_period() {
    let app = TestApp::spawn().await;
    let opens = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
    let team = app.team_with("SR", opens, &[5], 3).await;
    let other = app.team("SS").await;
    let (busy, quiet, closed) = (
        team.schools[0].urn.clone(),
        team.schools[1].urn.clone(),
        team.schools[2].urn.clone(),
    );
    let today = chrono::Utc::now().date_naive().to_string();
    for stmt in [
        format!("UPDATE schools SET pupil_count = 400 WHERE urn = '{busy}'"),
        format!("UPDATE schools SET pupil_count = NULL WHERE urn = '{quiet}'"),
        format!("UPDATE schools SET status = 'closed' WHERE urn = '{closed}'"),
    ] {
        app.db.sql(&stmt).await.expect("seed school");
    }

    // Four referrals from the busy school: level 5 is above the band; the
    // others are eligible (level 1 and 2 lifted by the complicating factors).
    for (n, level) in [(1, 4), (2, 4), (3, 5), (4, 1)] {
        assert_status(&app.submit(&busy, &sct_e2e::upn(n), level).await, 201);
    }
    // One referral in the other zone.
    app.submitted(&other, 5, 4).await;
    // A consultation with the busy school today.
    let consulted = app
        .post(
            "/api/v1/consultations",
            &app.practitioner(&team, 0),
            &json!({
                "school_urn": busy, "held_on": today, "topic": "School avoidance",
                "subject": "cohort", "cohort": "Year 4",
                "indes_areas": ["social_emotional_mental_health"],
                "advice": "Graded re-entry; key adult"
            }),
        )
        .await;
    assert_status(&consulted, 201);
    // A termly conversation held with the busy school, one declined by the
    // quiet school, and two answers of feedback from the busy school.
    let zone = team.zone.id;
    for (urn, status, held) in [
        (&busy, "held", "current_date"),
        (&quiet, "declined", "NULL"),
    ] {
        app.db
            .sql(&format!(
                "INSERT INTO termly_conversations (id, school_urn, zone_id, academic_year, term, status,
                     held_on, attendees, children_discussed, actions, offered_by, version, created_at, updated_at)
                 VALUES (gen_random_uuid(), '{urn}', '{zone}', '2026/27', 'autumn', '{status}',
                     {held}, ARRAY['SENCo'], {children}, '[]', 'sr-manager', 1, now(), now())",
                children = if status == "held" { "3" } else { "NULL" }
            ))
            .await
            .expect("seed termly conversation");
    }
    for (rating, confidence) in [(5, 3), (4, 4)] {
        app.db
            .sql(&format!(
                "INSERT INTO school_feedback (id, school_urn, zone_id, about, item_id, rating, confidence, given_by, created_at)
                 VALUES (gen_random_uuid(), '{busy}', '{zone}', 'consultation', gen_random_uuid(), {rating}, {confidence}, 'school', now())"
            ))
            .await
            .expect("seed feedback");
    }

    let admin = app.admin();
    let r = app.get("/api/v1/reports/schools", &admin).await;
    assert_status(&r, 200);
    let urns: Vec<&str> = r.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["urn"].as_str().expect("urn"))
        .collect();
    // Both zones' open schools; the closed school, which did not refer, is left out.
    assert_eq!(urns.len(), 4, "{urns:?}");
    assert!(!urns.contains(&closed.as_str()));
    let busy_row = school(&r.body, &busy);
    assert_eq!(busy_row["zone_code"], "SR");
    assert_eq!(busy_row["status"], "open");
    assert_eq!(busy_row["pupils"], 400);
    assert_eq!(busy_row["referrals"], 4);
    assert_eq!(busy_row["referrals_per_1000_pupils"], 10.0);
    assert_eq!(
        (
            busy_row["eligible"].clone(),
            busy_row["above_threshold"].clone(),
            busy_row["below_threshold"].clone()
        ),
        (json!(3), json!(1), json!(0))
    );
    assert_eq!(busy_row["insufficient_information"], 0);
    assert_eq!(busy_row["termly_conversations_held"], 1);
    assert_eq!(busy_row["termly_conversations_declined"], 0);
    assert_eq!(busy_row["consultations"], 1);
    assert_eq!(busy_row["feedback_responses"], 2);
    assert_eq!(busy_row["mean_feedback_rating"], 4.5);
    assert_eq!(busy_row["mean_feedback_confidence"], 3.5);
    let quiet_row = school(&r.body, &quiet);
    assert_eq!(quiet_row["referrals"], 0);
    assert_eq!(quiet_row["termly_conversations_declined"], 1);
    assert!(
        quiet_row.get("pupils").is_none(),
        "absent, not null: {quiet_row}"
    );
    assert!(quiet_row.get("referrals_per_1000_pupils").is_none());
    assert!(quiet_row.get("mean_feedback_rating").is_none());

    // A period before any of it: the schools are there, with nothing.
    let r = app
        .get(
            "/api/v1/reports/schools?from=2024-01-01&to=2024-12-31&zone=SR",
            &admin,
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(school(&r.body, &busy)["referrals"], 0);
    assert_eq!(school(&r.body, &busy)["consultations"], 0);

    // A team manager reads their zone only, as JSON or CSV.
    let mgr = app.manager(&team);
    let r = app.get("/api/v1/reports/schools", &mgr).await;
    assert_status(&r, 200);
    assert_eq!(r.body["rows"].as_array().expect("rows").len(), 2);
    let csv = app
        .call(
            reqwest::Method::GET,
            "/api/v1/reports/schools",
            Some(&mgr),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    let header = csv.text.lines().next().expect("header");
    assert!(header
        .starts_with("urn,name,zone_code,phase,status,pupils,referrals,referrals_per_1000_pupils"));
    assert!(
        csv.text
            .contains(",open,400,4,10.0,3,0,1,0,0,1,0,1,2,4.5,3.5\r"),
        "{}",
        csv.text
    );

    // Refusals: another zone (404), schools and practitioners (403), an
    // inverted period (400), an unknown parameter (400).
    app.get("/api/v1/reports/schools?zone=SS", &mgr)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/reports/schools", &app.school(&busy))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get("/api/v1/reports/schools", &app.practitioner(&team, 0))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(
        "/api/v1/reports/schools?from=2026-02-01&to=2026-01-01",
        &admin,
    )
    .await
    .assert_problem(400, "invalid_parameter");
    let r = app.get("/api/v1/reports/schools?urn=1", &admin).await;
    assert_eq!(r.status, 400, "{}", r.text);
}
