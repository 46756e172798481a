//! `/reports/practice` over HTTP: practice sessions with settings' staff,
//! partners and localities, against hand-computed reach per zone and
//! locality; CSV; who may read which zone.

use sct_e2e::{assert_status, TestApp};
use serde_json::{json, Value};

fn row<'a>(body: &'a Value, zone: &str, locality: Option<&str>) -> &'a Value {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["zone_code"] == zone && r["locality_name"].as_str() == locality)
        .unwrap_or_else(|| panic!("no row {zone} {locality:?} in {body}"))
}

#[tokio::test]
async fn practice_report_counts_meetings_settings_and_partners_reached() {
    let app = TestApp::spawn().await;
    let opens = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
    let a = app.team_with("PA", opens, &[3, 3], 4).await;
    let b = app.team("PB").await;
    let admin = app.admin();
    let urns: Vec<String> = a.schools.iter().map(|x| x.urn.clone()).collect();
    let partner = |name: &str, zone: uuid::Uuid| json!({"name": name, "kind": "voluntary", "zone_ids": [zone]});
    let mut partners = Vec::new();
    for (name, zone) in [("P1", a.zone.id), ("P2", a.zone.id), ("P3", b.zone.id)] {
        let r = app
            .post("/api/v1/partners", &admin, &partner(name, zone))
            .await;
        assert_status(&r, 201);
        partners.push(r.id());
    }
    let mut localities = Vec::new();
    for (name, urns) in [
        ("Alpha cluster", vec![urns[0].clone(), urns[1].clone()]),
        ("Beta cluster", vec![urns[2].clone()]),
        ("Gamma cluster", vec![urns[3].clone()]),
        ("Delta cluster", vec![urns[0].clone()]),
    ] {
        let r = app
            .post(
                "/api/v1/localities",
                &admin,
                &json!({"name": name, "zone_id": a.zone.id, "school_urns": urns}),
            )
            .await;
        assert_status(&r, 201);
        localities.push(r.id());
    }
    let meet = |zone: uuid::Uuid,
                facilitator: uuid::Uuid,
                held_on: &str,
                locality: Option<&str>,
                settings: &[(&str, &str)],
                partners: &[&str]| {
        let mut body = json!({
            "kind": "community_of_practice",
            "zone_id": zone,
            "held_on": held_on,
            "facilitator_id": facilitator,
            "attendees": {
                "settings": settings.iter().map(|(u, r)| json!({"urn": u, "role": r})).collect::<Vec<_>>(),
                "partners": partners.iter().map(|p| json!({"partner_id": p, "name": "Rep"})).collect::<Vec<_>>()
            }
        });
        if let Some(l) = locality {
            body["locality_id"] = json!(l);
        }
        body
    };
    let (l1, l2, l3, l4) = (
        localities[0].as_str(),
        localities[1].as_str(),
        localities[2].as_str(),
        localities[3].as_str(),
    );
    let (p1, p2, p3) = (
        partners[0].as_str(),
        partners[1].as_str(),
        partners[2].as_str(),
    );
    let pa = app.practitioner(&a, 0);
    let host = a.manager.id;
    let sessions = [
        // m1, Alpha: its s0 and s1, and s2's SENCo; P1.
        meet(
            a.zone.id,
            host,
            "2026-09-10",
            Some(l1),
            &[(&urns[2], "senco")],
            &[p1],
        ),
        // m2, the zone: s3 twice (two staff); P1 and P2.
        meet(
            a.zone.id,
            host,
            "2026-10-01",
            None,
            &[
                (&urns[3], "class_teacher"),
                (&urns[3], "teaching_assistant"),
            ],
            &[p1, p2],
        ),
        // m3, Alpha again: s0 and s1 again.
        meet(a.zone.id, host, "2026-11-30", Some(l1), &[], &[]),
        // m4, Beta, before the period: counts nowhere.
        meet(
            a.zone.id,
            host,
            "2026-08-31",
            Some(l2),
            &[(&urns[3], "senco")],
            &[p2],
        ),
        // m6, Gamma (retired below): s3.
        meet(a.zone.id, host, "2026-09-01", Some(l3), &[], &[]),
    ];
    for body in &sessions {
        assert_status(&app.post("/api/v1/practice-sessions", &pa, body).await, 201);
    }
    let m5 = meet(
        b.zone.id,
        b.manager.id,
        "2026-10-15",
        None,
        &[(&b.schools[0].urn, "headteacher")],
        &[p3],
    );
    assert_status(
        &app.post("/api/v1/practice-sessions", &app.practitioner(&b, 0), &m5)
            .await,
        201,
    );
    // Gamma (a meeting in the period) and Delta (none) are retired.
    for (id, name, urn) in [
        (l3, "Gamma cluster", &urns[3]),
        (l4, "Delta cluster", &urns[0]),
    ] {
        let r = app
            .put(
                &format!("/api/v1/localities/{id}"),
                &admin,
                Some("\"v1\""),
                &json!({"name": name, "zone_id": a.zone.id, "school_urns": [urn], "retired": true}),
            )
            .await;
        assert_status(&r, 200);
    }

    let period = "from=2026-09-01&to=2026-11-30";
    let r = app
        .get(&format!("/api/v1/reports/practice?{period}"), &admin)
        .await;
    assert_status(&r, 200);
    let rows = r.body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5, "{}", r.body);
    let reach = |v: &Value| {
        (
            v["meetings"].as_i64().expect("meetings"),
            v["settings_reached"].as_i64().expect("settings"),
            v["partners_reached"].as_i64().expect("partners"),
        )
    };
    // Zone PA: m1, m2, m3, m6; settings s0-s3; partners P1, P2.
    assert_eq!(reach(row(&r.body, "PA", None)), (4, 4, 2));
    assert!(row(&r.body, "PA", None).get("locality_id").is_none());
    // Alpha: m1, m3; s0, s1 (members) and s2 (staff); P1.
    assert_eq!(reach(row(&r.body, "PA", Some("Alpha cluster"))), (2, 3, 1));
    assert_eq!(row(&r.body, "PA", Some("Alpha cluster"))["locality_id"], l1);
    // Beta: its only meeting was before the period.
    assert_eq!(reach(row(&r.body, "PA", Some("Beta cluster"))), (0, 0, 0));
    // Gamma, retired, had m6: its member s3.
    assert_eq!(reach(row(&r.body, "PA", Some("Gamma cluster"))), (1, 1, 0));
    assert_eq!(reach(row(&r.body, "PB", None)), (1, 1, 1));
    // Ordered: zone, the zone's row first, then localities by name.
    let order: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r["zone_code"].as_str().expect("z"),
                r["locality_name"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("PA", None),
            ("PA", Some("Alpha cluster")),
            ("PA", Some("Beta cluster")),
            ("PA", Some("Gamma cluster")),
            ("PB", None),
        ]
    );

    // The team manager reads their zone, as JSON or CSV; not another zone.
    let mgr = app.manager(&a);
    let mine = app
        .get(&format!("/api/v1/reports/practice?{period}"), &mgr)
        .await;
    assert_status(&mine, 200);
    assert_eq!(mine.body["rows"].as_array().expect("rows").len(), 4);
    let csv = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/reports/practice?{period}&zone=PA"),
            Some(&mgr),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("zone_code,locality_id,locality_name,meetings,settings_reached,partners_reached")
    );
    assert_eq!(lines.next(), Some("PA,,,4,4,2"));
    assert_eq!(
        lines.next(),
        Some(format!("PA,{l1},Alpha cluster,2,3,1").as_str())
    );
    app.get(&format!("/api/v1/reports/practice?{period}&zone=PB"), &mgr)
        .await
        .assert_problem(404, "not_found");
    for token in [app.practitioner(&a, 0), app.school(&urns[0])] {
        app.get("/api/v1/reports/practice", &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    app.get(
        "/api/v1/reports/practice?from=2026-11-30&to=2026-09-01",
        &admin,
    )
    .await
    .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/reports/practice?zone=PA&colour=red", &admin)
        .await
        .assert_problem(400, "invalid_parameter");
}
