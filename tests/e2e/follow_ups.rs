//! Escalation outcomes and follow-ups over HTTP (issue 14, items 3 and 4):
//! the outcome at closure (optional, checked), the follow-ups a closure
//! schedules (3 and 6 months, or as configured), recording one once with
//! If-Match (and every refusal), the team's list by zone and due date, who
//! reads what, and re-referrals within 12 months of a closure.

use crate::delivery::active_referral;
use chrono::Months;
use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, items, upn, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

fn escalation() -> Value {
    json!({
        "ehc_request": {"requested_by": "parent", "requested_on": "2026-09-14", "result": "refused_to_assess"},
        "placement": "mainstream_kept",
        "suspensions": 1,
        "permanent_exclusions": 0,
        "attendance_at_referral": 84.46,
        "attendance_now": 93.1,
        "step_up_social_care": false,
        "step_up_health": true
    })
}

fn months_from_today(m: u32) -> String {
    let today = chrono::Utc::now().date_naive();
    today
        .checked_add_months(Months::new(m))
        .expect("date")
        .to_string()
}

/// Child `child` of the team's first school, worked and closed (with
/// `body`): the closure's reply.
async fn closed(app: &TestApp, t: &TestTeam, child: u32, body: &Value) -> Reply {
    let (id, etag) = active_referral(app, t, 0, child).await;
    let r = app
        .act(&id, "close", &app.practitioner(t, 0), &etag, body)
        .await;
    assert_status(&r, 200);
    r
}

async fn follow_ups(app: &TestApp, referral: &str, token: &str) -> Reply {
    app.get(&format!("/api/v1/referrals/{referral}/follow-ups"), token)
        .await
}

async fn record(
    app: &TestApp,
    referral: &str,
    follow_up: &str,
    token: &str,
    etag: Option<&str>,
    body: &Value,
) -> Reply {
    app.call_if_match(
        Method::POST,
        &format!("/api/v1/referrals/{referral}/follow-ups/{follow_up}/record"),
        token,
        etag,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_closure_records_its_escalation_outcome_and_schedules_follow_ups() {
    let app = TestApp::spawn().await;
    let t = app.team("FU1").await;
    let (id, etag) = active_referral(&app, &t, 0, 1).await;
    let worker = app.practitioner(&t, 0);

    // Refusals name the field; nothing is closed.
    for (field, value, bad_field, code) in [
        (
            "attendance_now",
            json!(100.5),
            "escalation.attendance_now",
            "out_of_range",
        ),
        (
            "attendance_at_referral",
            json!(-1),
            "escalation.attendance_at_referral",
            "out_of_range",
        ),
        (
            "suspensions",
            json!(201),
            "escalation.suspensions",
            "out_of_range",
        ),
        (
            "ehc_request",
            json!({"requested_by": "school", "requested_on": months_from_today(1), "result": "pending"}),
            "escalation.ehc_request.requested_on",
            "in_future",
        ),
    ] {
        let mut e = escalation();
        e[field] = value;
        let r = app
            .act(
                &id,
                "close",
                &worker,
                &etag,
                &json!({"outcome": "needs_met", "escalation": e}),
            )
            .await;
        assert_field_error(&r, bad_field, code);
    }
    let mut unknown = escalation();
    unknown["placement"] = json!("boarding_school");
    let r = app
        .act(
            &id,
            "close",
            &worker,
            &etag,
            &json!({"outcome": "needs_met", "escalation": unknown}),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    assert_eq!(app.db.count("follow_ups").await, 0);

    let r = app
        .act(
            &id,
            "close",
            &worker,
            &etag,
            &json!({"outcome": "stepped_down", "escalation": escalation()}),
        )
        .await;
    assert_status(&r, 200);
    let e = &r.body["closure"]["escalation"];
    assert_eq!(e["placement"], "mainstream_kept");
    assert_eq!(e["ehc_request"]["result"], "refused_to_assess");
    assert_eq!(e["attendance_at_referral"], 84.5, "one decimal kept");
    assert_eq!(e["step_up_health"], true);
    // The referral's read shows it too; a school reads it on its referral.
    for token in [app.manager(&t), app.school(&t.schools[0].urn)] {
        let read = app.get(&format!("/api/v1/referrals/{id}"), &token).await;
        assert_status(&read, 200);
        assert_eq!(read.body["closure"]["escalation"], *e);
        assert_eq!(read.body["re_referral_of"], Value::Null);
        // ... and so does a list page that shows the referral.
        let page = app.get("/api/v1/referrals?status=closed", &token).await;
        assert_status(&page, 200);
        let shown = items(&page)
            .iter()
            .find(|i| i["id"] == id.as_str())
            .expect("the closed referral is listed");
        assert_eq!(shown["closure"]["escalation"], *e);
    }
    // Stored as columns a report counts in one statement.
    let rows = app
        .db
        .sql(&format!(
            "SELECT count(*) FILTER (WHERE ehc_requested_by = 'parent' AND step_up_health \
             AND attendance_now = 93.1 AND months_after_closure = 0) \
             FROM escalation_outcomes WHERE referral_id = '{id}'"
        ))
        .await
        .expect("count");
    assert_eq!(rows[0].get::<_, i64>(0), 1);

    let list = follow_ups(&app, &id, &app.manager(&t)).await;
    assert_status(&list, 200);
    let due: Vec<(i64, String, String)> = items(&list)
        .iter()
        .map(|f| {
            (
                f["months"].as_i64().expect("months"),
                f["due_on"].as_str().expect("due").to_owned(),
                f["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        due,
        [
            (3, months_from_today(3), "pending".to_owned()),
            (6, months_from_today(6), "pending".to_owned()),
        ]
    );

    // Without an outcome a closure still closes (existing clients), and
    // still schedules its follow-ups.
    let plain = closed(&app, &t, 2, &json!({"outcome": "needs_met"})).await;
    assert!(plain.body["closure"].get("escalation").is_none());
    let list = follow_ups(&app, &plain.id(), &app.admin()).await;
    assert_eq!(items(&list).len(), 2);
}

#[tokio::test]
async fn follow_ups_fall_due_as_configured() {
    let app = TestApp::spawn_with(&[("SCT_FOLLOW_UP_MONTHS", "1,12")]).await;
    let t = app.team("FU2").await;
    let r = closed(&app, &t, 1, &json!({"outcome": "needs_met"})).await;
    let list = follow_ups(&app, &r.id(), &app.manager(&t)).await;
    let due: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["due_on"].as_str().expect("due"))
        .collect();
    assert_eq!(due, [months_from_today(1), months_from_today(12)]);
}

#[tokio::test]
async fn a_follow_up_is_recorded_once_by_the_zones_team() {
    let app = TestApp::spawn().await;
    let t = app.team("FU3").await;
    let other = app.team("FU4").await;
    let r = closed(&app, &t, 1, &json!({"outcome": "needs_met"})).await;
    let id = r.id();
    let list = follow_ups(&app, &id, &app.manager(&t)).await;
    let first = list.body["items"][0]["id"].as_str().expect("id").to_owned();
    let second = list.body["items"][1]["id"].as_str().expect("id").to_owned();
    let body = json!({"sustained": true, "outcome": escalation()});
    let worker = app.practitioner(&t, 1);

    // Schools and MIS clients read, never record.
    record(
        &app,
        &id,
        &first,
        &app.school(&t.schools[0].urn),
        Some("\"v1\""),
        &body,
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    // Another zone's team is not told it exists; nor is a wrong referral.
    record(
        &app,
        &id,
        &first,
        &app.manager(&other),
        Some("\"v1\""),
        &body,
    )
    .await
    .assert_problem(404, "not_found");
    let nil = uuid::Uuid::nil().to_string();
    record(&app, &nil, &first, &worker, Some("\"v1\""), &body)
        .await
        .assert_problem(404, "not_found");
    // If-Match is required and must be current.
    record(&app, &id, &first, &worker, None, &body)
        .await
        .assert_problem(428, "if_match_required");
    record(&app, &id, &first, &worker, Some("\"v7\""), &body)
        .await
        .assert_problem(412, "version_mismatch");
    let mut bad = body.clone();
    bad["outcome"]["attendance_now"] = json!(120);
    assert_field_error(
        &record(&app, &id, &first, &worker, Some("\"v1\""), &bad).await,
        "outcome.attendance_now",
        "out_of_range",
    );
    let mut extra = body.clone();
    extra["notes"] = json!("Sam is doing well");
    assert_field_error(
        &record(&app, &id, &first, &worker, Some("\"v1\""), &extra).await,
        "notes",
        "unknown_field",
    );
    assert_eq!(app.db.count("escalation_outcomes").await, 0);

    // Any practitioner of the zone's team records it.
    let done = record(&app, &id, &first, &worker, Some("\"v1\""), &body).await;
    assert_status(&done, 200);
    assert_eq!(done.etag(), "\"v2\"");
    assert_eq!(done.body["status"], "recorded");
    assert_eq!(done.body["sustained"], true);
    assert_eq!(done.body["outcome"]["placement"], "mainstream_kept");
    // Twice: 409, whatever If-Match says.
    for etag in ["\"v2\"", "\"v1\""] {
        record(&app, &id, &first, &worker, Some(etag), &body)
            .await
            .assert_problem(409, "already_recorded");
    }
    // A history entry, an audit row and an event, once each.
    let history = app
        .get(&format!("/api/v1/referrals/{id}/history"), &app.manager(&t))
        .await;
    let recorded: Vec<&Value> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|h| h["action"] == "record_follow_up")
        .collect();
    assert_eq!(recorded.len(), 1, "{}", history.text);
    assert_eq!(
        app.db
            .count(&format!(
                "audit_events WHERE action = 'record_follow_up' AND subject_id = '{id}' AND outcome = 200"
            ))
            .await,
        1
    );
    let events = app
        .db
        .sql(&format!(
            "SELECT data::text FROM outbox_events WHERE event_type = 'referral.follow_up_recorded' AND subject_id = '{id}'"
        ))
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    let data: String = events[0].get(0);
    assert!(
        data.contains("\"sustained\": true") || data.contains("\"sustained\":true"),
        "{data}"
    );
    assert!(
        !data.contains("attendance"),
        "no figures in the event: {data}"
    );
    // The school reads its referral's follow-ups with the outcome.
    let seen = follow_ups(&app, &id, &app.school(&t.schools[0].urn)).await;
    assert_status(&seen, 200);
    assert_eq!(seen.body["items"][0]["sustained"], true);
    for token in [app.school(&t.schools[1].urn), app.manager(&other)] {
        follow_ups(&app, &id, &token)
            .await
            .assert_problem(404, "not_found");
    }

    // Reopened, the referral is not closed: no outcome for it.
    let read = app
        .get(&format!("/api/v1/referrals/{id}"), &app.manager(&t))
        .await;
    let reopened = app
        .act(
            &id,
            "reopen",
            &app.manager(&t),
            &read.etag(),
            &json!({"reason": "Attendance fell again"}),
        )
        .await;
    assert_status(&reopened, 200);
    assert!(reopened.body["closure"].is_null());
    record(&app, &id, &second, &worker, Some("\"v1\""), &body)
        .await
        .assert_problem(409, "referral_not_closed");
    assert_eq!(app.db.count("escalation_outcomes").await, 1);
}

#[tokio::test]
async fn the_team_lists_the_follow_ups_falling_due_in_its_zone() {
    let app = TestApp::spawn().await;
    let t = app.team("FU5").await;
    let other = app.team("FU6").await;
    for child in 1..=2 {
        closed(&app, &t, child, &json!({"outcome": "needs_met"})).await;
    }
    closed(&app, &other, 3, &json!({"outcome": "needs_met"})).await;
    let ids = |r: &Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| f["zone_id"].as_str().expect("zone").to_owned())
            .collect()
    };
    let zone = t.zone.id.to_string();

    let mine = app
        .get("/api/v1/follow-ups", &app.practitioner(&t, 1))
        .await;
    assert_status(&mine, 200);
    assert_eq!(ids(&mine), vec![zone.clone(); 4]);
    let soon = format!("/api/v1/follow-ups?due_before={}", months_from_today(4));
    let r = app.get(&soon, &app.manager(&t)).await;
    assert_eq!(items(&r).len(), 2);
    assert!(r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|f| f["months"] == 3));
    // la_admin sees every zone, or one; a team asking for another zone sees nothing.
    let all = app.get("/api/v1/follow-ups", &app.admin()).await;
    assert_eq!(items(&all).len(), 6);
    let one = app
        .get(
            &format!("/api/v1/follow-ups?zone={}", other.zone.id),
            &app.admin(),
        )
        .await;
    assert_eq!(ids(&one), vec![other.zone.id.to_string(); 2]);
    let theirs = app
        .get(
            &format!("/api/v1/follow-ups?zone={}", other.zone.id),
            &app.manager(&t),
        )
        .await;
    assert_eq!(items(&theirs).len(), 0);
    // Schools and MIS clients do not read the team's list.
    app.get("/api/v1/follow-ups", &app.school(&t.schools[0].urn))
        .await
        .assert_problem(403, "forbidden_for_role");

    // Keyset pages, earliest due first; forged cursors and bad limits refused.
    let mut seen = Vec::new();
    let mut path = "/api/v1/follow-ups?limit=4".to_owned();
    loop {
        let page = app.get(&path, &app.admin()).await;
        assert_status(&page, 200);
        for f in items(&page) {
            seen.push((
                f["due_on"].as_str().expect("due").to_owned(),
                f["id"].as_str().expect("id").to_owned(),
            ));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/follow-ups?limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    app.get("/api/v1/follow-ups?cursor=Zm9yZ2Vk", &app.admin())
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/api/v1/follow-ups?limit=0", &app.admin())
        .await
        .assert_problem(400, "invalid_parameter");
    assert_eq!(
        app.get("/api/v1/follow-ups?due_before=tomorrow", &app.admin())
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn a_new_referral_within_twelve_months_of_a_closure_is_a_re_referral() {
    let app = TestApp::spawn().await;
    let t = app.team("FU7").await;
    let first = closed(&app, &t, 1, &json!({"outcome": "needs_met"}))
        .await
        .id();
    // The same child (the LA's record, by UPN), from another school.
    let again = app.submit(&t.schools[1].urn, &upn(1), 4).await;
    assert_status(&again, 201);
    assert_eq!(again.body["re_referral_of"], json!(first));
    let read = app
        .get(
            &format!("/api/v1/referrals/{}", again.id()),
            &app.manager(&t),
        )
        .await;
    assert_eq!(read.body["re_referral_of"], json!(first));
    // Another child is no re-referral.
    let fresh = app.submit(&t.schools[0].urn, &upn(2), 4).await;
    assert_eq!(fresh.body["re_referral_of"], Value::Null);
    // A closure more than 12 months before is no longer one.
    let old = closed(&app, &t, 3, &json!({"outcome": "needs_met"}))
        .await
        .id();
    let long_ago = chrono::Utc::now().date_naive() - chrono::Days::new(400);
    app.db
        .sql(&format!(
            "UPDATE referrals SET closed_at = '{long_ago}T12:00:00Z' WHERE id = '{old}'"
        ))
        .await
        .expect("age the closure");
    let later = app.submit(&t.schools[0].urn, &upn(3), 4).await;
    assert_status(&later, 201);
    assert_eq!(later.body["re_referral_of"], Value::Null);
    // Reports count them in one statement.
    let rows = app
        .db
        .sql("SELECT count(*) FROM referrals WHERE re_referral_of IS NOT NULL")
        .await
        .expect("count");
    assert_eq!(rows[0].get::<_, i64>(0), 1);
}
