//! `/reports/waiting`: the waiting list per team per day, from the daily
//! snapshot the server fills in from the referrals' history.

use sct_e2e::{TestApp, TestTeam};
use serde_json::{json, Value};

/// Accepts (and, with `allocate`, allocates) a referral as the team's manager.
async fn accept(app: &TestApp, t: &TestTeam, id: &str, etag: &str, allocate: bool) {
    let mgr = app.manager(t);
    let r = app.act(id, "accept", &mgr, etag, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    if allocate {
        let r = app
            .act(id, "allocate", &mgr, &r.etag(), &json!({"auto": true}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

/// Moves a referral's history entry of `action` (and, for `submit`, the
/// referral's creation) to 10:00 UTC `days` days ago.
async fn backdate(app: &TestApp, id: &str, action: &str, days: u32) {
    let at = format!("date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '{days} days' + interval '10 hours'");
    app.db
        .sql(&format!(
            "UPDATE referral_history SET at = {at} WHERE referral_id = '{id}' AND action = '{action}'"
        ))
        .await
        .expect("backdate history");
    if action == "submit" {
        app.db
            .sql(&format!(
                "UPDATE referrals SET created_at = {at} WHERE id = '{id}'"
            ))
            .await
            .expect("backdate referral");
    }
}

fn day(days_ago: u64) -> String {
    let today = chrono::Utc::now().date_naive();
    today
        .checked_sub_days(chrono::Days::new(days_ago))
        .expect("date")
        .to_string()
}

/// `(day, zone or "triage", awaiting acceptance, awaiting allocation)` of each row.
fn counts(body: &Value) -> Vec<(String, String, i64, i64)> {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["day"].as_str().expect("day").to_owned(),
                r["zone_code"].as_str().unwrap_or("triage").to_owned(),
                r["awaiting_acceptance"].as_i64().expect("n"),
                r["awaiting_allocation"].as_i64().expect("n"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_waiting_list_is_counted_per_team_per_day_from_history() {
    let app = TestApp::spawn().await;
    let wa = app.team("WA").await;
    let wb = app.team("WB").await;
    // r1 (WA): submitted 5 days ago, accepted 3 days ago, allocated 2 days ago.
    // r2 (WA): submitted 4 days ago, still waiting for acceptance.
    // r3 (WB): submitted and accepted 3 days ago, waiting for allocation.
    // r4 (WA): submitted today: no complete day yet.
    let (r1, e1) = app.submitted(&wa, 1, 4).await;
    let (r2, _) = app.submitted(&wa, 2, 4).await;
    let (r3, e3) = app.submitted(&wb, 3, 4).await;
    app.submitted(&wa, 4, 4).await;
    accept(&app, &wa, &r1, &e1, true).await;
    accept(&app, &wb, &r3, &e3, false).await;
    for (id, action, days) in [
        (&r1, "submit", 5),
        (&r1, "accept", 3),
        (&r1, "allocate", 2),
        (&r2, "submit", 4),
        (&r3, "submit", 3),
        (&r3, "accept", 3),
    ] {
        backdate(&app, id, action, days).await;
    }

    // Two readers at once: each day is taken once.
    let admin = app.admin();
    let path = format!("/api/v1/reports/waiting?from={}&to={}", day(6), day(0));
    let (first_reply, second_reply) = tokio::join!(app.get(&path, &admin), app.get(&path, &admin));
    assert_eq!(first_reply.status, 200, "{}", first_reply.text);
    assert_eq!(second_reply.status, 200, "{}", second_reply.text);
    assert_eq!(counts(&first_reply.body), counts(&second_reply.body));
    assert_eq!(app.db.count("waiting_snapshot_days").await, 5);
    assert_eq!(app.db.count("waiting_snapshots").await, 15);

    // Hand-computed: the end of each day from 5 days ago to yesterday.
    let expected: Vec<(String, String, i64, i64)> = [
        (5, [(1, 0), (0, 0)]),
        (4, [(2, 0), (0, 0)]),
        (3, [(1, 1), (0, 1)]),
        (2, [(1, 0), (0, 1)]),
        (1, [(1, 0), (0, 1)]),
    ]
    .into_iter()
    .flat_map(|(d, [wa, wb])| {
        [
            (day(d), "WA".to_owned(), wa.0, wa.1),
            (day(d), "WB".to_owned(), wb.0, wb.1),
            (day(d), "triage".to_owned(), 0, 0),
        ]
    })
    .collect();
    assert_eq!(counts(&first_reply.body), expected);
    let first = &first_reply.body["rows"][0];
    assert_eq!(first["queue"], "team");
    assert_eq!(first["team_id"], json!(wa.team.id));
    assert!(
        first_reply.body["rows"][2].get("team_id").is_none(),
        "{}",
        first_reply.text
    );
    assert_eq!(first_reply.body["rows"][2]["queue"], "triage");

    // A team manager reads their zone only, without the triage queue.
    let mgr = app.manager(&wa);
    let r = app
        .get(
            &format!("/api/v1/reports/waiting?from={}&to={}", day(3), day(1)),
            &mgr,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        counts(&r.body),
        vec![
            (day(3), "WA".to_owned(), 1, 1),
            (day(2), "WA".to_owned(), 1, 0),
            (day(1), "WA".to_owned(), 1, 0),
        ]
    );
    let csv = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/reports/waiting?from={}&to={}", day(1), day(1)),
            Some(&mgr),
            None,
            &[("accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.text,
        format!(
            "day,zone_code,team_id,team_name,queue,awaiting_acceptance,awaiting_allocation\r\n{},WA,{},Team WA,team,1,0\r\n",
            day(1),
            wa.team.id
        )
    );

    // Days already taken are kept as taken: a later change of history does
    // not rewrite them.
    backdate(&app, &r2, "submit", 1).await;
    let again = app.get(&path, &admin).await;
    assert_eq!(counts(&again.body), expected);
}

#[tokio::test]
async fn the_waiting_report_refuses_other_roles_zones_and_bad_periods() {
    let app = TestApp::spawn().await;
    let a = app.team("WC").await;
    let b = app.team("WD").await;
    let r = app
        .get("/api/v1/reports/waiting?zone=WD", &app.manager(&a))
        .await;
    r.assert_problem(404, "not_found");
    let r = app
        .get("/api/v1/reports/waiting", &app.school(&b.schools[0].urn))
        .await;
    r.assert_problem(403, "forbidden_for_role");
    let r = app
        .get("/api/v1/reports/waiting", &app.practitioner(&a, 0))
        .await;
    r.assert_problem(403, "forbidden_for_role");
    let r = app
        .get(
            "/api/v1/reports/waiting?from=2026-02-01&to=2026-01-01",
            &app.admin(),
        )
        .await;
    r.assert_problem(400, "invalid_parameter");
    let r = app
        .get("/api/v1/reports/waiting?team=WC", &app.admin())
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // Nothing was submitted: nothing to take, nothing stored.
    let r = app.get("/api/v1/reports/waiting", &app.admin()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["rows"], json!([]));
    assert_eq!(app.db.count("waiting_snapshot_days").await, 0);
}
