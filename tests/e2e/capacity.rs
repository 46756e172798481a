//! `/reports/capacity` over HTTP: time by function per team and worker,
//! against hand-computed figures, and who may read it.

use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

fn rows(r: &sct_e2e::Reply) -> Vec<Value> {
    assert_status(r, 200);
    r.body["rows"].as_array().expect("rows").clone()
}

#[tokio::test]
async fn capacity_sums_each_function_per_team_and_worker() {
    let app = TestApp::spawn().await;
    let team = app.team("CP").await;
    let other = app.team("CQ").await;
    let (first, second) = (&team.practitioners[0], &team.practitioners[1]);
    let today = chrono::Utc::now().date_naive();

    // One referral allocated to the first practitioner.
    let (id, etag) = app.submitted(&team, 1, 4).await;
    let mgr = app.manager(&team);
    let accepted = app.act(&id, "accept", &mgr, &etag, &json!({})).await;
    assert_status(&accepted, 200);
    let allocated = app
        .act(
            &id,
            "allocate",
            &mgr,
            &accepted.etag(),
            &json!({"worker_id": first.id}),
        )
        .await;
    assert_status(&allocated, 200);

    // Sessions: the first practitioner two individual (45 + 60 minutes) and
    // one group (90); the second one individual (30); one last year (not
    // counted); one of the other team (not counted).
    let seed = |team_id: uuid::Uuid, days_ago: u32, format: &str, minutes: u32, by: &str| {
        format!(
            "INSERT INTO delivery_sessions (id, team_id, held_on, format, duration_minutes, recorded_by)
             VALUES (gen_random_uuid(), '{team_id}', current_date - {days_ago}, '{format}', {minutes}, '{by}')"
        )
    };
    for stmt in [
        seed(team.team.id, 1, "individual", 45, &first.subject),
        seed(team.team.id, 2, "individual", 60, &first.subject),
        seed(team.team.id, 3, "group", 90, &first.subject),
        seed(team.team.id, 4, "individual", 30, &second.subject),
        seed(team.team.id, 400, "individual", 50, &first.subject),
        seed(
            other.team.id,
            1,
            "individual",
            50,
            &other.practitioners[0].subject,
        ),
    ] {
        app.db.sql(&stmt).await.expect("seed session");
    }
    // A consultation recorded by the first practitioner.
    let consulted = app
        .post(
            "/api/v1/consultations",
            &app.practitioner(&team, 0),
            &json!({
                "school_urn": team.schools[0].urn, "held_on": today.to_string(),
                "topic": "School avoidance", "subject": "cohort", "cohort": "Year 4",
                "indes_areas": ["social_emotional_mental_health"],
                "advice": "Graded re-entry; key adult"
            }),
        )
        .await;
    assert_status(&consulted, 201);
    // Supervision facilitated by the second practitioner, attended by the
    // first; a programme of the zone with two sessions (90 minutes timed,
    // one untimed) and one next month (not held yet).
    let zone = team.zone.id;
    for stmt in [
        format!(
            "INSERT INTO practice_sessions (id, kind, zone_id, held_on, facilitator_id, created_by)
             VALUES ('00000000-0000-0000-0000-00000000c001', 'group_supervision', '{zone}', current_date - 1, '{}', 'cp-manager')",
            second.id
        ),
        format!(
            "INSERT INTO practice_attendees (id, practice_session_id, worker_id)
             VALUES (gen_random_uuid(), '00000000-0000-0000-0000-00000000c001', '{}')",
            first.id
        ),
        format!(
            "INSERT INTO programmes (id, programme_type, title, description, zone_id, capacity, starts_on, ends_on,
                 age_from, age_to, status, created_by, created_at, updated_at)
             VALUES ('00000000-0000-0000-0000-00000000c002', 'workshop', 'Sleep', 'Sleep routines', '{zone}', 10,
                 current_date - 30, current_date + 60, 3, 11, 'running', 'cp-manager', now(), now())"
        ),
        "INSERT INTO programme_sessions (id, programme_id, session_date, starts_at, ends_at, created_at) VALUES
             (gen_random_uuid(), '00000000-0000-0000-0000-00000000c002', current_date - 7, '10:00', '11:30', now()),
             (gen_random_uuid(), '00000000-0000-0000-0000-00000000c002', current_date - 6, NULL, NULL, now()),
             (gen_random_uuid(), '00000000-0000-0000-0000-00000000c002', current_date + 30, '10:00', '11:30', now())"
            .to_owned(),
    ] {
        app.db.sql(&stmt).await.expect("seed");
    }
    // Households: the referral's family (supported) and a family of the zone
    // with no referral (not counted); an adult of each enrolled on the
    // programme by `family_member_id`, the first twice, and an enrolment by
    // free-text name only (not counted): 1 family, 2 adults.
    let mut adults = Vec::new();
    for _ in 0..2 {
        let f = app.post("/api/v1/families", &mgr, &json!({})).await;
        assert_status(&f, 201);
        let m = app
            .post(
                &format!("/api/v1/families/{}/members", f.id()),
                &mgr,
                &json!({"kind": "adult", "role": "parent", "given_name": "Jo", "family_name": "Example"}),
            )
            .await;
        assert_status(&m, 201);
        adults.push((f.id(), m.id()));
    }
    let linked = app
        .put(
            &format!("/api/v1/referrals/{id}/family"),
            &mgr,
            Some(&allocated.etag()),
            &json!({"family_id": adults[0].0}),
        )
        .await;
    assert_status(&linked, 200);
    for body in [
        json!({"family_member_id": adults[0].1, "contact_consent": true}),
        json!({"family_member_id": adults[0].1, "contact_consent": true}),
        json!({"family_member_id": adults[1].1, "contact_consent": false}),
        json!({"parent_carer_name": "Alex Example", "contact_consent": true}),
    ] {
        let e = app
            .post(
                "/api/v1/programmes/00000000-0000-0000-0000-00000000c002/enrolments",
                &mgr,
                &body,
            )
            .await;
        assert_status(&e, 201);
    }

    let r = app.get("/api/v1/reports/capacity", &app.admin()).await;
    let all = rows(&r);
    let of_team: Vec<&Value> = all.iter().filter(|r| r["zone_code"] == "CP").collect();
    // The team's row, then the manager and three practitioners by name.
    assert_eq!(of_team.len(), 5, "{of_team:?}");
    let total = of_team[0];
    assert_eq!(total["team_total"], true);
    assert!(total.get("worker_id").is_none());
    assert_eq!(
        (
            total["caseload"].clone(),
            total["cap"].clone(),
            total["utilisation"].clone()
        ),
        (json!(1), json!(13), json!(0.08))
    );
    assert_eq!(total["individual_sessions"], 3);
    assert_eq!(total["individual_minutes"], 135);
    assert_eq!(total["group_sessions"], 1);
    assert_eq!(total["group_minutes"], 90);
    assert_eq!(total["consultations"], 1);
    assert_eq!(total["termly_conversations_held"], 0);
    assert_eq!(total["programme_sessions"], 2);
    assert_eq!(total["programme_minutes"], 90);
    assert_eq!(total["supervision_sessions"], 1);
    assert_eq!(total["families_supported"], 1);
    assert_eq!(total["adults_attending_programmes"], 2);

    let worker = |id: uuid::Uuid| -> &Value {
        of_team
            .iter()
            .find(|r| r["worker_id"] == json!(id))
            .expect("worker row")
    };
    let one = worker(first.id);
    assert_eq!(one["team_total"], false);
    assert_eq!(one["job_role"], "practitioner");
    assert_eq!(
        (one["caseload"].clone(), one["cap"].clone()),
        (json!(1), json!(3))
    );
    assert_eq!(one["individual_sessions"], 2);
    assert_eq!(one["individual_minutes"], 105);
    assert_eq!(one["group_minutes"], 90);
    assert_eq!(one["consultations"], 1);
    assert_eq!(one["supervision_sessions"], 1);
    assert!(one.get("programme_sessions").is_none(), "team rows only");
    assert!(one.get("families_supported").is_none(), "team rows only");
    let two = worker(second.id);
    assert_eq!(two["individual_minutes"], 30);
    assert_eq!(two["consultations"], 0);
    assert_eq!(two["supervision_sessions"], 1);
    assert_eq!(two["caseload"], 0);

    // The team manager reads their zone, as JSON or CSV.
    let r = app.get("/api/v1/reports/capacity", &mgr).await;
    assert!(rows(&r).iter().all(|r| r["zone_code"] == "CP"));
    let csv = app
        .call(
            reqwest::Method::GET,
            "/api/v1/reports/capacity",
            Some(&mgr),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    let second_line = csv.text.lines().nth(1).expect("team row");
    assert!(
        second_line.ends_with(",true,,,,,1,13,0.08,3,135,1,90,1,0,2,90,1,0,0,1,2"),
        "{second_line}"
    );

    // Refusals.
    app.get("/api/v1/reports/capacity?zone=CQ", &mgr)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/reports/capacity", &app.practitioner(&team, 0))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(
        "/api/v1/reports/capacity",
        &app.school(&team.schools[0].urn),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    app.get("/api/v1/reports/capacity?from=2026-13-01", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");
}
