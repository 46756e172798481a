//! Management reports over HTTP: what each counts, JSON and CSV, and who
//! may read which zone.

use sct_domain::Role;
use sct_e2e::{Reply, TestApp, TestTeam};
use serde_json::{json, Value};

/// Runs actions in order as the team's manager; returns the last ETag.
async fn walk(
    app: &TestApp,
    t: &TestTeam,
    id: &str,
    etag: &str,
    steps: &[(&str, Value)],
) -> String {
    let mgr = app.manager(t);
    let mut etag = etag.to_owned();
    for (action, body) in steps {
        let r = app.act(id, action, &mgr, &etag, body).await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
        etag = r.etag();
    }
    etag
}

async fn get_csv(app: &TestApp, path: &str, token: &str) -> Reply {
    app.call(
        reqwest::Method::GET,
        path,
        Some(token),
        None,
        &[("accept", "text/csv")],
    )
    .await
}

fn rows(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["rows"].as_array().expect("rows").clone()
}

fn row(rows: &[Value], pred: impl Fn(&Value) -> bool) -> &Value {
    rows.iter()
        .find(|r| pred(r))
        .unwrap_or_else(|| panic!("no such row in {rows:?}"))
}

#[tokio::test]
async fn referrals_are_counted_by_each_dimension_as_json_and_csv() {
    let app = TestApp::spawn().await;
    let a = app.team("RA").await;
    let b = app.team("RB").await;
    app.submitted(&a, 1, 4).await;
    app.submitted(&a, 2, 4).await;
    app.submitted(&a, 3, 5).await;
    app.submitted(&b, 4, 4).await;
    let admin = app.admin();

    let r = app
        .get("/api/v1/reports/referrals?by=zone,status", &admin)
        .await;
    let rs = rows(&r);
    assert_eq!(r.body["by"], json!(["zone", "status"]));
    assert_eq!(rs.len(), 2, "{rs:?}");
    assert_eq!(
        rs[0],
        json!({"zone_code": "RA", "status": "submitted", "referrals": 3})
    );
    assert_eq!(
        rs[1],
        json!({"zone_code": "RB", "status": "submitted", "referrals": 1})
    );
    assert!(r.body["scope"]["zone"].is_null());
    assert!(r.header("vary").is_some_and(|v| v.starts_with("Accept")));

    let r = app
        .get("/api/v1/reports/referrals?by=eligibility&zone=RA", &admin)
        .await;
    let rs = rows(&r);
    assert_eq!(r.body["scope"]["zone"], "RA");
    assert_eq!(
        rs,
        vec![
            json!({"eligibility_outcome": "above_threshold", "referrals": 1}),
            json!({"eligibility_outcome": "eligible", "referrals": 2}),
        ]
    );

    // Every referral scores two areas: each area counts all four.
    let r = app
        .get("/api/v1/reports/referrals?by=indes_area", &admin)
        .await;
    let rs = rows(&r);
    assert_eq!(rs.len(), 2);
    assert!(rs.iter().all(|r| r["referrals"] == 4), "{rs:?}");
    let r = app
        .get(
            "/api/v1/reports/referrals?by=indes_area,indes_level&zone=RA",
            &admin,
        )
        .await;
    let rs = rows(&r);
    let semh4 = row(&rs, |r| {
        r["indes_area"] == "social_emotional_mental_health" && r["indes_level"] == 4
    });
    assert_eq!(semh4["referrals"], 2);

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let r = app
        .get("/api/v1/reports/referrals?by=month,school_phase", &admin)
        .await;
    assert_eq!(
        rows(&r),
        vec![json!({"month": month, "school_phase": "Primary", "referrals": 4})]
    );

    // A period before any submission is empty.
    let r = app
        .get(
            "/api/v1/reports/referrals?from=2020-01-01&to=2020-12-31",
            &admin,
        )
        .await;
    assert_eq!(rows(&r), Vec::<Value>::new());
    assert_eq!(r.body["scope"]["from"], "2020-01-01");
    assert_eq!(r.body["scope"]["to"], "2020-12-31");

    // CSV: a header row of the grouped columns, then the same rows.
    let csv = get_csv(&app, "/api/v1/reports/referrals?by=zone,status", &admin).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/csv")));
    assert_eq!(
        csv.text,
        "zone_code,status,referrals\r\nRA,submitted,3\r\nRB,submitted,1\r\n"
    );
}

#[tokio::test]
async fn reports_are_for_council_admins_and_managers_of_the_zone() {
    let app = TestApp::spawn().await;
    let a = app.team("QA").await;
    let b = app.team("QB").await;
    app.submitted(&a, 1, 4).await;
    app.submitted(&b, 2, 4).await;
    let reports = [
        "referrals",
        "responsiveness",
        "caseloads",
        "outcomes",
        "step-changes",
    ];

    for name in reports {
        let path = format!("/api/v1/reports/{name}");
        // No token: 401; schools, integrations and practitioners: 403.
        app.call(reqwest::Method::GET, &path, None, None, &[])
            .await
            .assert_problem(401, "missing_token");
        let school = app.school(&a.schools[0].urn);
        app.get(&path, &school)
            .await
            .assert_problem(403, "forbidden_for_role");
        let integration = app.token(Role::Integration, &[&a.schools[0].urn], None, "mis");
        app.get(&path, &integration)
            .await
            .assert_problem(403, "forbidden_for_role");
        app.get(&path, &app.practitioner(&a, 0))
            .await
            .assert_problem(403, "forbidden_for_role");
        // Another zone's manager: 404, as for any object outside their scope.
        app.get(&format!("{path}?zone=QA"), &app.manager(&b))
            .await
            .assert_problem(404, "not_found");
        // An unknown zone: 404.
        app.get(&format!("{path}?zone=NOPE"), &app.admin())
            .await
            .assert_problem(404, "not_found");
        // Bad periods and parameters: 400.
        for bad in [
            "from=2026-02-01&to=2026-01-01",
            "from=2026-13-01",
            "to=yesterday",
            "from=1990-01-01&to=2026-01-01",
            "colour=blue",
        ] {
            app.get(&format!("{path}?{bad}"), &app.admin())
                .await
                .assert_problem(400, "invalid_parameter");
        }
        // A manager sees their own zone, named or not.
        let own = app.get(&path, &app.manager(&a)).await;
        assert_eq!(own.status, 200, "{name}: {}", own.text);
        assert_eq!(own.body["scope"]["zone"], "QA", "{name}");
        let named = app.get(&format!("{path}?zone=QA"), &app.manager(&a)).await;
        assert_eq!(named.status, 200, "{name}: {}", named.text);
        for r in own.body["rows"].as_array().expect("rows") {
            assert_ne!(r["zone_code"], "QB", "{name}: {r}");
        }
    }

    let r = app
        .get("/api/v1/reports/referrals?by=zone", &app.manager(&a))
        .await;
    assert_eq!(rows(&r), vec![json!({"zone_code": "QA", "referrals": 1})]);
    for bad in ["by=child_name", "by=zone,zone", "by="] {
        app.get(&format!("/api/v1/reports/referrals?{bad}"), &app.admin())
            .await
            .assert_problem(400, "invalid_parameter");
    }
    app.get(
        "/api/v1/reports/responsiveness?waiting_days=0",
        &app.admin(),
    )
    .await
    .assert_problem(400, "invalid_parameter");
    // A manager token for a team that does not exist sees nothing.
    let stray = app.token(
        Role::TeamManager,
        &[],
        Some(uuid::Uuid::now_v7()),
        "stray-manager",
    );
    app.get("/api/v1/reports/referrals", &stray)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn responsiveness_measures_acceptance_allocation_and_waiting() {
    let app = TestApp::spawn().await;
    let t = app.team("TA").await;
    let (r1, e1) = app.submitted(&t, 1, 4).await;
    let (r2, e2) = app.submitted(&t, 2, 4).await;
    let (r3, _) = app.submitted(&t, 3, 4).await;
    walk(
        &app,
        &t,
        &r1,
        &e1,
        &[("accept", json!({})), ("allocate", json!({"auto": true}))],
    )
    .await;
    walk(&app, &t, &r2, &e2, &[("accept", json!({}))]).await;
    // Fix the clock of the history: r1 accepted after 10 hours and
    // allocated after 40, r2 accepted after 30; r3 waits since 30 days ago.
    for (id, action, hours) in [
        (&r1, "accept", 10),
        (&r1, "allocate", 40),
        (&r2, "accept", 30),
    ] {
        app.db
            .sql(&format!(
                "UPDATE referral_history h SET at = r.created_at + interval '{hours} hours'
                 FROM referrals r WHERE r.id = h.referral_id AND h.referral_id = '{id}'
                   AND h.action = '{action}'"
            ))
            .await
            .expect("backdate");
    }
    app.db
        .sql(&format!(
            "UPDATE referrals SET created_at = now() - interval '30 days' WHERE id = '{r3}'"
        ))
        .await
        .expect("backdate");

    let r = app
        .get("/api/v1/reports/responsiveness", &app.admin())
        .await;
    let rs = rows(&r);
    assert_eq!(r.body["waiting_days"], 10);
    let zone = row(&rs, |r| r["zone_code"] == "TA");
    assert_eq!(zone["all_zones"], false);
    assert_eq!(zone["submitted"], 3);
    assert_eq!(zone["accepted"], 2);
    assert_eq!(zone["allocated"], 1);
    assert_eq!(zone["acceptance_median_hours"], 20.0);
    assert_eq!(zone["acceptance_p90_hours"], 28.0);
    assert_eq!(zone["allocation_median_hours"], 40.0);
    // r2 (accepted, not allocated) and r3 (submitted) still wait; r3 too long.
    assert_eq!(zone["waiting"], 2);
    assert_eq!(zone["waiting_beyond_threshold"], 1);
    let total = row(&rs, |r| r["all_zones"] == true);
    assert_eq!(total["submitted"], 3);
    assert!(total["zone_code"].is_null());

    let r = app
        .get(
            "/api/v1/reports/responsiveness?waiting_days=60",
            &app.manager(&t),
        )
        .await;
    let rs = rows(&r);
    assert_eq!(
        row(&rs, |r| r["zone_code"] == "TA")["waiting_beyond_threshold"],
        0
    );

    let csv = get_csv(&app, "/api/v1/reports/responsiveness", &app.admin()).await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("zone_code,all_zones,submitted,accepted,allocated,acceptance_median_hours,acceptance_p90_hours,allocation_median_hours,allocation_p90_hours,waiting,waiting_beyond_threshold")
    );
    assert_eq!(lines.next(), Some("TA,false,3,2,1,20.0,28.0,40.0,40.0,2,1"));
}

#[tokio::test]
async fn caseloads_stand_against_caps_per_worker_and_team() {
    let app = TestApp::spawn().await;
    let t = app.team("CA").await;
    let other = app.team("CB").await;
    let busy = t.practitioners[0].id.to_string();
    let mut etags = Vec::new();
    for n in 1..=3 {
        let (id, e) = app.submitted(&t, n, 4).await;
        let e = walk(
            &app,
            &t,
            &id,
            &e,
            &[
                ("accept", json!({})),
                ("allocate", json!({"worker_id": busy})),
            ],
        )
        .await;
        etags.push((id, e));
    }
    let (id, e) = &etags[0];
    walk(
        &app,
        &t,
        id,
        e,
        &[("close", json!({"outcome": "needs_met"}))],
    )
    .await;

    let r = app
        .get("/api/v1/reports/caseloads?zone=CA", &app.admin())
        .await;
    let rs = rows(&r);
    assert_eq!(rs.len(), 4, "a team row and three practitioners: {rs:?}");
    let team = &rs[0];
    assert_eq!(team["team_total"], true);
    assert_eq!(team["team_id"], t.team.id.to_string());
    assert_eq!(team["practitioners"], 3);
    assert_eq!(team["caseload"], 2);
    assert_eq!(team["cap"], 13);
    assert_eq!(team["at_or_over_cap"], 0);
    assert_eq!(team["closed_in_period"], 1);
    assert!(team["worker_id"].is_null());
    let w = row(&rs, |r| r["worker_id"] == busy.as_str());
    assert_eq!(w["caseload"], 2);
    assert_eq!(w["cap"], 3);
    assert_eq!(w["utilisation"], 0.67);
    assert_eq!(w["closed_in_period"], 1);
    assert_eq!(w["team_total"], false);

    // Every zone for la_admin; the manager's own team otherwise.
    let all = app.get("/api/v1/reports/caseloads", &app.admin()).await;
    assert_eq!(rows(&all).len(), 8);
    let mine = app
        .get("/api/v1/reports/caseloads", &app.manager(&other))
        .await;
    let rs = rows(&mine);
    assert_eq!(rs.len(), 4);
    assert!(rs.iter().all(|r| r["zone_code"] == "CB"));

    let csv = get_csv(&app, "/api/v1/reports/caseloads?zone=CA", &app.admin()).await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "zone_code,team_id,team_name,team_total,worker_id,worker_name,active,practitioners,caseload,cap,utilisation,at_or_over_cap,closed_in_period");
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with(&format!("CA,{},Team CA,true,,,,3,2,13,", t.team.id)));
}

#[tokio::test]
async fn outcomes_at_closure_and_the_step_changes() {
    let app = TestApp::spawn().await;
    let t = app.team("OA").await;
    let outcomes = ["stepped_down", "stepped_down", "stepped_up", "needs_met"];
    for (n, outcome) in (1..).zip(outcomes) {
        let (id, e) = app.submitted(&t, n, 4).await;
        walk(
            &app,
            &t,
            &id,
            &e,
            &[
                ("accept", json!({})),
                ("allocate", json!({"auto": true})),
                ("close", json!({"outcome": outcome})),
            ],
        )
        .await;
    }
    // One referral still open does not count.
    app.submitted(&t, 9, 4).await;

    let r = app.get("/api/v1/reports/outcomes", &app.admin()).await;
    let rs = rows(&r);
    let down = row(&rs, |r| {
        r["zone_code"] == "OA" && r["outcome"] == "stepped_down"
    });
    assert_eq!(down["closed"], 2);
    assert!(down["median_days_open"].as_f64().is_some_and(|d| d >= 0.0));
    let up_all = row(&rs, |r| {
        r["all_zones"] == true && r["outcome"] == "stepped_up"
    });
    assert_eq!(up_all["closed"], 1);

    let r = app
        .get("/api/v1/reports/step-changes", &app.manager(&t))
        .await;
    let rs = rows(&r);
    let zone = row(&rs, |r| r["zone_code"] == "OA");
    assert_eq!(zone["closed"], 4);
    assert_eq!(zone["needs_met"], 1);
    assert_eq!(zone["stepped_down"], 2);
    assert_eq!(zone["stepped_up"], 1);
    assert_eq!(zone["net_stepped_down"], 1);
    assert_eq!(zone["stepped_down_share"], 0.5);
    assert_eq!(zone["stepped_up_share"], 0.25);

    // Closures outside the period are not counted.
    let r = app
        .get(
            "/api/v1/reports/step-changes?from=2020-01-01&to=2020-12-31",
            &app.admin(),
        )
        .await;
    let rs = rows(&r);
    assert!(rs.iter().all(|r| r["closed"] == 0), "{rs:?}");

    let csv = get_csv(&app, "/api/v1/reports/step-changes?zone=OA", &app.admin()).await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.text,
        "zone_code,all_zones,closed,needs_met,stepped_down,stepped_up,net_stepped_down,stepped_down_share,stepped_up_share\r\n\
         OA,false,4,1,2,1,1,0.5,0.25\r\n\
         ,true,4,1,2,1,1,0.5,0.25\r\n"
    );
}

/// A referral of the team accepted, allocated and started: its id.
async fn active(app: &TestApp, t: &TestTeam, n: u32) -> String {
    let (id, etag) = app.submitted(t, n, 4).await;
    let etag = walk(
        app,
        t,
        &id,
        &etag,
        &[
            ("accept", json!({})),
            ("allocate", json!({"worker_id": t.practitioners[0].id})),
        ],
    )
    .await;
    let r = app
        .act(&id, "start", &app.practitioner(t, 0), &etag, &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

#[tokio::test]
async fn programmes_report_enrolment_waiting_and_attendance() {
    let app = TestApp::spawn().await;
    let a = app.team("RP1").await;
    let b = app.team("RP2").await;
    let mgr = app.manager(&a);
    let prog = app
        .post(
            "/api/v1/programmes",
            &mgr,
            &json!({
                "programme_type": "parenting_programme",
                "title": "Triple P Group",
                "description": "Eight weekly sessions",
                "zone_id": a.zone.id,
                "capacity": 2,
                "starts_on": "2027-01-11",
                "ends_on": "2027-03-01",
                "audience": {"age_from": 2, "age_to": 12, "needs": []}
            }),
        )
        .await;
    assert_eq!(prog.status, 201, "{}", prog.text);
    let id = prog.id();
    let session = app
        .post(
            &format!("/api/v1/programmes/{id}/sessions"),
            &mgr,
            &json!({"date": "2027-01-11"}),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.text);
    let opened = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/programmes/{id}/status"),
            Some(&mgr),
            Some(&json!({"status": "open"})),
            &[("if-match", &prog.etag())],
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let mut enrolments = Vec::new();
    for name in ["A", "B", "C"] {
        let e = app
            .post(
                &format!("/api/v1/programmes/{id}/enrolments"),
                &mgr,
                &json!({"parent_carer_name": name, "contact_consent": true}),
            )
            .await;
        assert_eq!(e.status, 201, "{}", e.text);
        enrolments.push(e.id());
    }
    let marked = app
        .call(
            reqwest::Method::PUT,
            &format!(
                "/api/v1/programmes/{id}/sessions/{}/attendance",
                session.id()
            ),
            Some(&mgr),
            Some(&json!({"records": [
                {"enrolment_id": enrolments[0], "status": "attended"},
                {"enrolment_id": enrolments[1], "status": "did_not_attend"}
            ]})),
            &[("if-match", "\"v1\"")],
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text);

    let path = "/api/v1/reports/programmes?from=2027-01-01&to=2027-12-31";
    let r = app.get(path, &app.admin()).await;
    let rs = rows(&r);
    assert_eq!(rs.len(), 1, "{rs:?}");
    let row = &rs[0];
    assert_eq!(row["zone_code"], "RP1");
    assert_eq!(row["programme_id"], id);
    assert_eq!(row["title"], "Triple P Group");
    assert_eq!(row["programme_type"], "parenting_programme");
    assert_eq!(row["status"], "open");
    assert_eq!(row["capacity"], 2);
    assert_eq!(row["enrolled"], 2);
    assert_eq!(row["waiting"], 1);
    assert_eq!(row["completed"], 0);
    assert_eq!(row["cancelled"], 0);
    assert_eq!(
        row["sessions_held"], 0,
        "a session in the future is not held yet"
    );
    assert_eq!(row["attended"], 1);
    assert_eq!(row["attendance_marks"], 2);
    assert_eq!(row["attendance_rate"], 0.5);
    assert_eq!(r.body["scope"]["from"], "2027-01-01");

    // A period the programme does not run in, and another zone, are empty.
    assert!(rows(
        &app.get(
            "/api/v1/reports/programmes?from=2026-01-01&to=2026-12-31",
            &app.admin()
        )
        .await
    )
    .is_empty());
    assert!(rows(&app.get(&format!("{path}&zone=RP2"), &app.admin()).await).is_empty());
    assert_eq!(rows(&app.get(path, &mgr).await).len(), 1);
    assert!(rows(&app.get(path, &app.manager(&b)).await).is_empty());
    app.get(&format!("{path}&zone=RP1"), &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    app.get(path, &app.practitioner(&a, 0))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.get(path, &app.school(&a.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");

    let csv = get_csv(&app, path, &mgr).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("zone_code,programme_id,title,programme_type,status,starts_on,ends_on,capacity,enrolled,waiting,completed,cancelled,sessions_held,attended,attendance_marks,attendance_rate")
    );
    assert_eq!(
        lines.next(),
        Some(format!("RP1,{id},Triple P Group,parenting_programme,open,2027-01-11,2027-03-01,2,2,1,0,0,0,1,2,0.5").as_str())
    );
}

#[tokio::test]
async fn interventions_report_delivery_attendance_and_distance_travelled() {
    let app = TestApp::spawn().await;
    let a = app.team("RI1").await;
    let b = app.team("RI2").await;
    let admin = app.admin();
    let add = |name: &str| {
        json!({
            "name": name, "description": "D", "approach": "A", "mode": "individual",
            "areas": ["social_emotional_mental_health"], "evidence_base": "E", "typical_sessions": 6
        })
    };
    let elsa = app
        .post("/api/v1/interventions", &admin, &add("ELSA"))
        .await;
    assert_eq!(elsa.status, 201, "{}", elsa.text);
    let elsa = elsa.id();
    let unused = app
        .post("/api/v1/interventions", &admin, &add("Zones of Regulation"))
        .await
        .id();
    let ref_a = active(&app, &a, 1).await;
    let ref_b = active(&app, &a, 2).await;
    let ref_c = active(&app, &b, 3).await;
    let practitioner = app.practitioner(&a, 0);
    let plan = |baseline: i64| {
        json!({"goals": [
            {"area": "social_emotional_mental_health", "description": "Calm mornings", "baseline": baseline, "target": 8},
            {"area": "speech_and_language", "description": "Asks for help", "baseline": 3, "target": 8}
        ], "intervention_ids": [elsa]})
    };
    let mut goals = Vec::new();
    for (referral_id, token, baseline) in [
        (&ref_a, practitioner.clone(), 2),
        (&ref_b, practitioner.clone(), 4),
        (&ref_c, app.practitioner(&b, 0), 1),
    ] {
        let p = app
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/referrals/{referral_id}/plan"),
                Some(&token),
                Some(&plan(baseline)),
                &[],
            )
            .await;
        assert_eq!(p.status, 201, "{}", p.text);
        goals.push(
            p.body["goals"]
                .as_array()
                .expect("goals")
                .iter()
                .map(|g| g["id"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>(),
        );
    }
    let attendees = json!({"child": true, "parent_carer": false, "school_staff": false});
    let nobody = json!({"child": false, "parent_carer": false, "school_staff": false});
    let group = app
        .post(
            "/api/v1/group-sessions",
            &practitioner,
            &json!({"held_on": "2026-11-20", "intervention_id": elsa, "duration_minutes": 60, "participants": [
                {"referral_id": ref_a, "attendance": "attended", "attendees": attendees},
                {"referral_id": ref_b, "attendance": "did_not_attend", "attendees": nobody}
            ]}),
        )
        .await;
    assert_eq!(group.status, 201, "{}", group.text);
    let single = app
        .post(
            &format!("/api/v1/referrals/{ref_a}/sessions"),
            &practitioner,
            &json!({"held_on": "2026-11-27", "intervention_id": elsa, "duration_minutes": 45, "attendance": "cancelled", "attendees": nobody}),
        )
        .await;
    assert_eq!(single.status, 201, "{}", single.text);
    // Goals of ref_a rated 5 and 4 (distance 3 and 1); ref_b's not rated; ref_c (other zone) 7 and 3.
    for (referral_id, g, ratings, token) in [
        (&ref_a, &goals[0], [5, 4], practitioner.clone()),
        (&ref_c, &goals[2], [7, 3], app.practitioner(&b, 0)),
    ] {
        let rv = app
            .post(
                &format!("/api/v1/referrals/{referral_id}/reviews"),
                &token,
                &json!({"reviewed_on": "2026-11-28", "ratings": [
                    {"goal_id": g[0], "rating": ratings[0]}, {"goal_id": g[1], "rating": ratings[1]}
                ]}),
            )
            .await;
        assert_eq!(rv.status, 201, "{}", rv.text);
    }

    let path = "/api/v1/reports/interventions?from=2026-11-01&to=2026-11-30";
    let mgr = app.manager(&a);
    let report = app.get(path, &mgr).await;
    assert_eq!(report.body["scope"]["zone"], "RI1");
    let rs = rows(&report);
    assert_eq!(rs.len(), 2, "{rs:?}");
    let elsa_row = row(&rs, |x| x["intervention_id"] == elsa);
    assert_eq!(elsa_row["name"], "ELSA");
    assert_eq!(elsa_row["mode"], "individual");
    assert_eq!(elsa_row["active"], true);
    assert_eq!(elsa_row["referrals"], 2);
    assert_eq!(elsa_row["sessions"], 2);
    assert_eq!(elsa_row["attended"], 1);
    assert_eq!(elsa_row["did_not_attend"], 1);
    assert_eq!(elsa_row["cancelled"], 1);
    assert_eq!(elsa_row["goals_reviewed"], 2);
    assert_eq!(elsa_row["mean_baseline"], 2.5);
    assert_eq!(elsa_row["mean_latest_rating"], 4.5);
    assert_eq!(elsa_row["mean_distance_travelled"], 2.0);
    let z = row(&rs, |x| x["intervention_id"] == unused);
    assert_eq!(z["referrals"], 0);
    assert_eq!(z["sessions"], 0);
    assert!(z["mean_distance_travelled"].is_null());

    // Every zone for la_admin: ref_c joins (baseline 1 and 3, rated 7 and 3).
    let all = rows(&app.get(path, &admin).await);
    let elsa_row = row(&all, |x| x["intervention_id"] == elsa);
    assert_eq!(elsa_row["referrals"], 3);
    assert_eq!(elsa_row["goals_reviewed"], 4);
    assert_eq!(elsa_row["mean_distance_travelled"], 2.5);
    // A period without reviews or sessions.
    let before = rows(
        &app.get(
            "/api/v1/reports/interventions?from=2026-01-01&to=2026-01-31",
            &admin,
        )
        .await,
    );
    let elsa_row = row(&before, |x| x["intervention_id"] == elsa);
    assert_eq!(elsa_row["sessions"], 0);
    assert_eq!(elsa_row["goals_reviewed"], 0);
    assert!(elsa_row["mean_baseline"].is_null());

    app.get(&format!("{path}&zone=RI1"), &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    for token in [practitioner.clone(), app.school(&a.schools[0].urn)] {
        app.get(path, &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    let csv = get_csv(&app, path, &mgr).await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv
        .text
        .starts_with("intervention_id,name,mode,active,referrals,sessions,attended,did_not_attend,cancelled,goals_reviewed,mean_baseline,mean_latest_rating,mean_distance_travelled\r\n"));
    assert!(csv.text.contains(&format!(
        "{elsa},ELSA,individual,true,2,2,1,1,1,2,2.5,4.5,2.0\r\n"
    )));
}

/// `SCT_DATABASE_READ_URL`: reports and the audit list read from the read
/// pool and say how stale it may be in `Age` (0 here: the "replica" is the
/// primary itself, which is never behind); the rest of the API does not
/// send `Age`; without a read URL nothing does; and an unreachable read
/// pool falls back to the primary.
#[tokio::test]
async fn the_read_pool_serves_reports_and_the_audit_list_with_an_age() {
    let db = sct_e2e::TestDb::new().await;
    let read_url = format!("{}?application_name=sct-read-e2e", db.url);
    let app = TestApp::spawn_on_with(db, &[("SCT_DATABASE_READ_URL", &read_url)]).await;
    let a = app.team("RR").await;
    let (id, _) = app.submitted(&a, 1, 4).await;
    let admin = app.admin();
    let r = app.get("/api/v1/reports/referrals?by=zone", &admin).await;
    assert_eq!(rows(&r).len(), 1);
    assert_eq!(r.header("age"), Some("0"), "{:?}", r.text);
    let r = get_csv(&app, "/api/v1/reports/caseloads?zone=RR", &app.manager(&a)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), Some("0"));
    let r = app.get("/api/v1/audit-events?limit=5", &admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), Some("0"));
    // Everything else stays on the primary and sends no Age.
    let r = app.get(&format!("/api/v1/referrals/{id}"), &admin).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), None);
    // Scope is still decided on the primary: another zone is 404.
    let b = app.team("RS").await;
    let r = app
        .get("/api/v1/reports/outcomes?zone=RR", &app.manager(&b))
        .await;
    r.assert_problem(404, "not_found");

    let plain = TestApp::spawn().await;
    let r = plain.get("/api/v1/reports/referrals", &plain.admin()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), None);
    let r = plain.get("/api/v1/audit-events", &plain.admin()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), None);

    // Nothing listens on port 1: the read falls back to the primary.
    let down = TestApp::spawn_with(&[(
        "SCT_DATABASE_READ_URL",
        "postgres://postgres@127.0.0.1:1/nowhere",
    )])
    .await;
    let r = down.get("/api/v1/reports/outcomes", &down.admin()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("age"), None);
}
