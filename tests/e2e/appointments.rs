//! The diary over HTTP (issue 16, item 2): a week of appointments becomes
//! sessions; clashes, spans and every refusal; stale If-Match; the
//! appointments in a case's chronology; a worker's iCalendar feed that a
//! standard parser (the `ical` crate) reads, with initials only, revoked by
//! its owner; a family's and a school-support record's appointments.

use crate::delivery::active_referral;
use chrono::{DateTime, Duration, DurationRound, Utc};
use reqwest::Method;
use sct_e2e::{assert_field_error, assert_status, items, Reply, TestApp, TestTeam};
use serde_json::{json, Value};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// 09:00 UTC, `days` from today.
fn nine(days: i64) -> DateTime<Utc> {
    (Utc::now() + Duration::days(days))
        .duration_trunc(Duration::days(1))
        .expect("day")
        + Duration::hours(9)
}

fn body(referral: &str, start: DateTime<Utc>, minutes: i64, workers: &[&str]) -> Value {
    json!({
        "referral_id": referral,
        "starts_at": stamp(start),
        "ends_at": stamp(start + Duration::minutes(minutes)),
        "mode": "in_person",
        "place": "Family room, 12 Acacia Avenue",
        "expected": ["child", "parent_carer"],
        "worker_ids": workers,
    })
}

async fn plan(app: &TestApp, token: &str, b: &Value) -> Reply {
    app.post("/api/v1/appointments", token, b).await
}

async fn action(
    app: &TestApp,
    id: &str,
    what: &str,
    token: &str,
    etag: Option<&str>,
    b: &Value,
) -> Reply {
    app.call_if_match(
        Method::POST,
        &format!("/api/v1/appointments/{id}/{what}"),
        token,
        etag,
        Some(b),
    )
    .await
}

fn worker(t: &TestTeam, i: usize) -> String {
    t.practitioners[i].id.to_string()
}

#[tokio::test]
async fn a_week_of_appointments_becomes_sessions_in_the_chronology() {
    let app = TestApp::spawn().await;
    let t = app.team("DY1").await;
    let (referral, _) = active_referral(&app, &t, 0, 301).await;
    let p0 = app.practitioner(&t, 0);
    let w0 = worker(&t, 0);
    let mut planned = Vec::new();
    for d in (1..=5).rev() {
        let r = plan(&app, &p0, &body(&referral, nine(-d), 60, &[&w0])).await;
        assert_status(&r, 201);
        assert_eq!(r.header("etag"), Some("\"v1\""));
        assert_eq!(r.body["status"], "planned");
        planned.push((r.id(), r.etag()));
    }
    // My week, earliest first, paged two at a time.
    let from = stamp(nine(-6));
    let to = stamp(nine(1));
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let mut url = format!("/api/v1/appointments?worker_id=me&from={from}&to={to}&limit=2");
        if let Some(c) = &cursor {
            url.push_str("&cursor=");
            url.push_str(c);
        }
        let page = app.get(&url, &p0).await;
        assert_status(&page, 200);
        seen.extend(
            items(&page)
                .iter()
                .map(|a| a["id"].as_str().expect("id").to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let ids: Vec<String> = planned.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(seen, ids, "earliest first, every page");
    // The manager sees the team's diary; la_admin the worker's.
    let team = app
        .get(
            &format!("/api/v1/appointments?from={from}&to={to}"),
            &app.manager(&t),
        )
        .await;
    assert_eq!(items(&team).len(), 5);
    let admin = app
        .get(
            &format!("/api/v1/appointments?worker_id={w0}&from={from}&to={to}"),
            &app.admin(),
        )
        .await;
    assert_eq!(items(&admin).len(), 5);

    // Each becomes the session it was: attended, missed, cancelled by the family.
    let outcomes = [
        json!({"attendance": "attended", "attendees": {"child": true, "parent_carer": true, "school_staff": false}, "notes": "Routine chart"}),
        json!({"attendance": "did_not_attend", "attendees": {"child": false, "parent_carer": false, "school_staff": false}}),
        json!({"attendance": "cancelled", "cancelled_by": "family", "attendees": {"child": false, "parent_carer": false, "school_staff": false}}),
        json!({"attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": true}, "duration_minutes": 45}),
        json!({"attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": false}}),
    ];
    for ((id, etag), outcome) in planned.iter().zip(outcomes.iter()) {
        let done = action(&app, id, "complete", &p0, Some(etag), outcome).await;
        assert_status(&done, 200);
        assert_eq!(done.body["status"], "completed");
        assert_eq!(done.body["attendance"], outcome["attendance"]);
        let session = done.body["session_id"].as_str().expect("linked session");
        let s = app.get(&format!("/api/v1/sessions/{session}"), &p0).await;
        assert_status(&s, 200);
        assert_eq!(
            s.body["participants"][0]["attendance"],
            outcome["attendance"]
        );
        assert_eq!(s.body["participants"][0]["referral_id"], referral.as_str());
    }
    let cancelled = app
        .get(&format!("/api/v1/appointments/{}", planned[2].0), &p0)
        .await;
    assert_eq!(cancelled.body["cancelled_by"], "family");
    let fourth = app
        .get(&format!("/api/v1/appointments/{}", planned[3].0), &p0)
        .await;
    let s = app
        .get(
            &format!(
                "/api/v1/sessions/{}",
                fourth.body["session_id"].as_str().expect("s")
            ),
            &p0,
        )
        .await;
    assert_eq!(s.body["duration_minutes"], 45);
    let first = app
        .get(&format!("/api/v1/appointments/{}", planned[0].0), &p0)
        .await;
    let s = app
        .get(
            &format!(
                "/api/v1/sessions/{}",
                first.body["session_id"].as_str().expect("s")
            ),
            &p0,
        )
        .await;
    assert_eq!(s.body["duration_minutes"], 60, "the appointment's length");
    let sessions = app
        .get(&format!("/api/v1/referrals/{referral}/sessions"), &p0)
        .await;
    assert_eq!(items(&sessions).len(), 5);
    // Completed once: a second completion is refused.
    let again = action(
        &app,
        &planned[0].0,
        "complete",
        &p0,
        Some(&first.etag()),
        &outcomes[0],
    )
    .await;
    again.assert_problem(409, "invalid_transition");

    let chronology = app
        .get(
            &format!("/api/v1/referrals/{referral}/chronology?limit=200"),
            &p0,
        )
        .await;
    assert_status(&chronology, 200);
    let kinds: Vec<&str> = items(&chronology)
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "appointment").count(),
        5,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "session").count(), 5);
    let entry = items(&chronology)
        .iter()
        .find(|e| e["entry_id"] == planned[0].0.as_str())
        .expect("the appointment");
    assert_eq!(entry["detail"], "completed");
}

#[tokio::test]
async fn clashes_spans_and_every_refusal() {
    let app = TestApp::spawn().await;
    let t = app.team("DY2").await;
    let other = app.team("DY3").await;
    let (referral, _) = active_referral(&app, &t, 0, 302).await;
    let p0 = app.practitioner(&t, 0);
    let w0 = worker(&t, 0);
    let w1 = worker(&t, 1);
    let start = nine(2);

    // Spans: ends before it starts, at its start, longer than 12 hours.
    for minutes in [-30, 0, 12 * 60 + 1] {
        let r = plan(&app, &p0, &body(&referral, start, minutes, &[&w0])).await;
        r.assert_problem(422, "validation_failed");
        let code = if minutes > 0 {
            "too_long"
        } else {
            "ends_before_start"
        };
        assert_field_error(&r, "ends_at", code);
    }
    assert_status(
        &plan(&app, &p0, &body(&referral, start, 12 * 60, &[&w1])).await,
        201,
    );
    // Exactly one of referral and programme session.
    let mut both = body(&referral, start, 60, &[&w0]);
    both["programme_session_id"] = json!(referral);
    assert_field_error(&plan(&app, &p0, &both).await, "referral_id", "exactly_one");
    let mut neither = body(&referral, start, 60, &[&w0]);
    neither.as_object_mut().expect("obj").remove("referral_id");
    assert_field_error(
        &plan(&app, &p0, &neither).await,
        "referral_id",
        "exactly_one",
    );
    // Unknown fields, a worker of another team, roles.
    let mut unknown = body(&referral, start, 60, &[&w0]);
    unknown["colour"] = json!("red");
    assert_status(&plan(&app, &p0, &unknown).await, 422);
    let outsider = other.practitioners[0].id.to_string();
    assert_field_error(
        &plan(&app, &p0, &body(&referral, start, 60, &[&outsider])).await,
        "worker_ids",
        "worker_not_in_team",
    );
    let school = app.school(&t.schools[0].urn);
    plan(&app, &school, &body(&referral, start, 60, &[&w0]))
        .await
        .assert_problem(403, "forbidden_for_role");
    plan(
        &app,
        &app.manager(&other),
        &body(&referral, start, 60, &[&w0]),
    )
    .await
    .assert_problem(404, "not_found");
    // A practitioner who does not work the referral.
    plan(
        &app,
        &app.practitioner(&t, 2),
        &body(&referral, start, 60, &[&w0]),
    )
    .await
    .assert_problem(404, "not_found");

    // A clash for one worker: 409 unless a reason is given; touching ends do not clash.
    let first = plan(&app, &p0, &body(&referral, start, 60, &[&w0])).await;
    assert_status(&first, 201);
    plan(
        &app,
        &p0,
        &body(&referral, start + Duration::minutes(30), 60, &[&w0]),
    )
    .await
    .assert_problem(409, "appointment_clash");
    // w1 has a 12-hour appointment from the same start: a clash through the second worker.
    plan(
        &app,
        &p0,
        &body(&referral, start + Duration::hours(2), 30, &[&w0, &w1]),
    )
    .await
    .assert_problem(409, "appointment_clash");
    assert_status(
        &plan(
            &app,
            &p0,
            &body(&referral, start + Duration::minutes(60), 30, &[&w0]),
        )
        .await,
        201,
    );
    let mut reasoned = body(&referral, start + Duration::minutes(30), 60, &[&w0]);
    reasoned["clash_reason"] = json!("Joint visit with the school nurse");
    let overridden = plan(&app, &p0, &reasoned).await;
    assert_status(&overridden, 201);
    assert_eq!(
        overridden.body["clash_reason"],
        "Joint visit with the school nurse"
    );

    // Changes: If-Match required and current; a clash on change; a span on change.
    let id = first.id();
    let path = format!("/api/v1/appointments/{id}");
    let mut change = body(&referral, start - Duration::hours(2), 90, &[&w0]);
    change.as_object_mut().expect("obj").remove("referral_id");
    app.put(&path, &p0, None, &change)
        .await
        .assert_problem(428, "if_match_required");
    app.put(&path, &p0, Some("\"v9\""), &change)
        .await
        .assert_problem(412, "version_mismatch");
    let mut clashing = change.clone();
    clashing["starts_at"] = json!(stamp(start + Duration::minutes(45)));
    clashing["ends_at"] = json!(stamp(start + Duration::minutes(75)));
    app.put(&path, &p0, Some(&first.etag()), &clashing)
        .await
        .assert_problem(409, "appointment_clash");
    let mut long = change.clone();
    long["ends_at"] = json!(stamp(start + Duration::hours(11)));
    assert_field_error(
        &app.put(&path, &p0, Some(&first.etag()), &long).await,
        "ends_at",
        "too_long",
    );
    let moved = app.put(&path, &p0, Some(&first.etag()), &change).await;
    assert_status(&moved, 200);
    assert_eq!(moved.etag(), "\"v2\"");
    // Reads: outside the team 404; a school 403.
    app.get(&path, &app.manager(&other))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.practitioner(&t, 2))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &school)
        .await
        .assert_problem(403, "forbidden_for_role");
    let from = stamp(nine(0));
    let to = stamp(nine(5));
    app.get(
        &format!("/api/v1/appointments?worker_id={w1}&from={from}&to={to}"),
        &p0,
    )
    .await
    .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/appointments?worker_id={w0}&from={from}&to={to}"),
        &app.manager(&other),
    )
    .await
    .assert_problem(404, "not_found");
    let wide = stamp(nine(40));
    app.get(&format!("/api/v1/appointments?from={from}&to={wide}"), &p0)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(&format!("/api/v1/appointments?from={to}&to={from}"), &p0)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(
        &format!("/api/v1/appointments?worker_id=me&from={from}&to={to}"),
        &app.admin(),
    )
    .await
    .assert_problem(400, "invalid_parameter");
    app.get(
        &format!("/api/v1/appointments?from={from}&to={to}&cursor=forged"),
        &p0,
    )
    .await
    .assert_problem(400, "invalid_cursor");
    app.get(
        &format!("/api/v1/appointments?from={from}&to={to}"),
        &school,
    )
    .await
    .assert_problem(403, "forbidden_for_role");

    // Completing a future appointment, or a cancellation without who cancelled.
    let v2 = moved.etag();
    let missed = json!({"attendance": "cancelled", "attendees": {"child": false, "parent_carer": false, "school_staff": false}});
    assert_field_error(
        &action(&app, &id, "complete", &p0, Some(&v2), &missed).await,
        "cancelled_by",
        "required",
    );
    let attended = json!({"attendance": "attended", "cancelled_by": "school", "attendees": {"child": true, "parent_carer": false, "school_staff": false}});
    assert_field_error(
        &action(&app, &id, "complete", &p0, Some(&v2), &attended).await,
        "cancelled_by",
        "not_allowed",
    );
    let ok = json!({"attendance": "attended", "attendees": {"child": true, "parent_carer": false, "school_staff": false}});
    assert_field_error(
        &action(&app, &id, "complete", &p0, Some(&v2), &ok).await,
        "starts_at",
        "in_future",
    );
    action(&app, &id, "complete", &p0, None, &ok)
        .await
        .assert_problem(428, "if_match_required");

    // Cancelled: stale and missing If-Match refused; then no clash, no change.
    let cancel = json!({"cancelled_by": "service", "reason": "Worker unwell"});
    action(&app, &id, "cancel", &p0, Some("\"v1\""), &cancel)
        .await
        .assert_problem(412, "version_mismatch");
    action(&app, &id, "cancel", &p0, None, &cancel)
        .await
        .assert_problem(428, "if_match_required");
    action(&app, &id, "cancel", &school, Some(&v2), &cancel)
        .await
        .assert_problem(403, "forbidden_for_role");
    let cancelled = action(&app, &id, "cancel", &p0, Some(&v2), &cancel).await;
    assert_status(&cancelled, 200);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancelled_by"], "service");
    action(&app, &id, "cancel", &p0, Some(&cancelled.etag()), &cancel)
        .await
        .assert_problem(409, "invalid_transition");
    app.put(&path, &p0, Some(&cancelled.etag()), &change)
        .await
        .assert_problem(409, "invalid_transition");
    assert_status(
        &plan(
            &app,
            &p0,
            &body(&referral, start - Duration::hours(2), 90, &[&w0]),
        )
        .await,
        201,
    );
}

/// The text of a feed, with its checks of the wire format.
async fn feed(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.client.get(app.url(path)).send().await.expect("feed");
    let status = res.status().as_u16();
    if status == 200 {
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with("text/calendar"), "{ct}");
    }
    (status, res.text().await.expect("text"))
}

#[tokio::test]
async fn a_calendar_feed_opens_in_a_standard_parser_with_initials_only() {
    let app = TestApp::spawn().await;
    let t = app.team("DY4").await;
    let (referral, _) = active_referral(&app, &t, 0, 303).await;
    let p0 = app.practitioner(&t, 0);
    let w0 = worker(&t, 0);
    let mut ids = Vec::new();
    for d in 1..=3 {
        let mut b = body(&referral, nine(d), 45, &[&w0]);
        if d == 3 {
            b["mode"] = json!("online");
        }
        let r = plan(&app, &p0, &b).await;
        assert_status(&r, 201);
        ids.push((r.id(), r.etag()));
    }
    let c = action(
        &app,
        &ids[1].0,
        "cancel",
        &p0,
        Some(&ids[1].1),
        &json!({"cancelled_by": "school"}),
    )
    .await;
    assert_status(&c, 200);

    // Tokens: team roles with a worker record only.
    app.post("/api/v1/me/calendar-tokens", &app.admin(), &json!({}))
        .await
        .assert_problem(403, "forbidden_for_role");
    app.post(
        "/api/v1/me/calendar-tokens",
        &app.school(&t.schools[0].urn),
        &json!({}),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    let created = app
        .post("/api/v1/me/calendar-tokens", &p0, &json!({}))
        .await;
    assert_status(&created, 201);
    let path = created.body["feed_path"]
        .as_str()
        .expect("feed path")
        .to_owned();
    let token = path
        .strip_prefix("/api/v1/calendar/")
        .and_then(|p| p.strip_suffix(".ics"))
        .expect("token")
        .to_owned();
    let listed = app.get("/api/v1/me/calendar-tokens", &p0).await;
    assert_status(&listed, 200);
    assert_eq!(items(&listed).len(), 1);
    assert!(items(&listed)[0]["feed_path"].is_null(), "shown once only");
    // Stored hashed; not in the audit trail.
    let plain = app
        .db
        .sql(&format!(
            "SELECT 1 FROM calendar_tokens WHERE token_hash = '{token}' \
             UNION ALL SELECT 1 FROM audit_events WHERE audit_events::text LIKE '%{token}%'"
        ))
        .await
        .expect("query");
    assert!(plain.is_empty(), "the token is stored hashed only");

    let (status, text) = feed(&app, &path).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF line endings only"
    );
    assert!(
        text.split("\r\n").all(|l| l.len() <= 75),
        "folded at 75 octets"
    );
    for secret in ["Sam", "Example", "Acacia", "parent_carer"] {
        assert!(!text.contains(secret), "no personal data: {secret}");
    }
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("one calendar").expect("parses");
    assert!(parser.next().is_none());
    assert_eq!(calendar.events.len(), 3);
    for (event, (id, _)) in calendar.events.iter().zip(ids.iter()) {
        let prop = |name: &str| {
            event
                .properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(prop("UID"), format!("{id}@sct"));
        assert!(prop("DTSTAMP").ends_with('Z'));
        assert!(prop("DTSTART").ends_with("T090000Z"), "{}", prop("DTSTART"));
        assert!(prop("DTEND").ends_with("T094500Z"));
        assert!(
            prop("SUMMARY").starts_with("Appointment: S.E."),
            "{}",
            prop("SUMMARY")
        );
    }
    let status_of = |i: usize| {
        calendar.events[i]
            .properties
            .iter()
            .find(|p| p.name == "STATUS")
            .and_then(|p| p.value.clone())
    };
    assert_eq!(status_of(1).as_deref(), Some("CANCELLED"));
    assert_eq!(status_of(0).as_deref(), Some("CONFIRMED"));

    // Revoked by its owner with If-Match; then the feed is gone.
    let token_id = created.id();
    let revoke = |who: String, etag: Option<&'static str>| {
        let app = &app;
        let token_id = token_id.clone();
        async move {
            app.call_if_match(
                Method::DELETE,
                &format!("/api/v1/me/calendar-tokens/{token_id}"),
                &who,
                etag,
                None,
            )
            .await
        }
    };
    revoke(app.practitioner(&t, 1), Some("\"v1\""))
        .await
        .assert_problem(404, "not_found");
    revoke(p0.clone(), None)
        .await
        .assert_problem(428, "if_match_required");
    revoke(p0.clone(), Some("\"v7\""))
        .await
        .assert_problem(412, "version_mismatch");
    assert_status(&revoke(p0.clone(), Some("\"v1\"")).await, 204);
    revoke(p0.clone(), Some("\"v2\""))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(feed(&app, &path).await.0, 404);
    assert_eq!(feed(&app, "/api/v1/calendar/not-a-token.ics").await.0, 404);
}

#[tokio::test]
async fn a_family_and_a_school_support_record_are_planned_for_and_completed() {
    let app = TestApp::spawn().await;
    let t = app.team("DY7").await;
    let other = app.team("DY8").await;
    let mgr = app.manager(&t);
    let p0 = app.practitioner(&t, 0);
    let w0 = worker(&t, 0);

    // A family of the zone, and a piece of work with one of its schools.
    let fam = app.post("/api/v1/families", &mgr, &json!({})).await;
    assert_status(&fam, 201);
    let family = fam.id();
    let today = Utc::now().date_naive().to_string();
    let support = app
        .post(
            "/api/v1/school-support",
            &mgr,
            &json!({
                "school_urn": t.schools[0].urn, "kind": "staff_training",
                "title": "Emotion coaching for all staff", "starts_on": today,
                "indes_areas": ["social_emotional_mental_health"],
                "staff": [{"role": "class_teacher", "count": 12}]
            }),
        )
        .await;
    assert_status(&support, 201);
    let support = support.id();

    let about = |key: &str, id: &str, start: DateTime<Utc>| {
        let mut b = body("x", start, 60, &[&w0]);
        b.as_object_mut().expect("object").remove("referral_id");
        b[key] = json!(id);
        b
    };
    // A home visit to the family, planned by a practitioner of the zone.
    let visit = plan(&app, &p0, &about("family_id", &family, nine(1))).await;
    assert_status(&visit, 201);
    assert_eq!(visit.body["family_id"], family);
    assert!(visit.body.get("referral_id").is_none());
    // Training at the school this morning (so that it can be completed).
    let training = plan(&app, &p0, &about("school_support_id", &support, nine(0))).await;
    assert_status(&training, 201);
    assert_eq!(training.body["school_support_id"], support);

    // Refusals: another zone's team (404), a school (403), two subjects
    // (422), an unknown family (404).
    let ow = worker(&other, 0);
    let mut theirs = about("family_id", &family, nine(3));
    theirs["worker_ids"] = json!([ow]);
    plan(&app, &app.manager(&other), &theirs)
        .await
        .assert_problem(404, "not_found");
    let mut theirs = about("school_support_id", &support, nine(3));
    theirs["worker_ids"] = json!([ow]);
    plan(&app, &app.practitioner(&other, 0), &theirs)
        .await
        .assert_problem(404, "not_found");
    plan(
        &app,
        &app.school(&t.schools[0].urn),
        &about("school_support_id", &support, nine(3)),
    )
    .await
    .assert_problem(403, "forbidden_for_role");
    let mut both = about("family_id", &family, nine(3));
    both["school_support_id"] = json!(support);
    assert_field_error(&plan(&app, &p0, &both).await, "referral_id", "exactly_one");
    plan(
        &app,
        &p0,
        &about("family_id", &uuid::Uuid::now_v7().to_string(), nine(3)),
    )
    .await
    .assert_problem(404, "not_found");

    // Completing the training records the record's session with its counts;
    // counts are refused on the family's appointment.
    let attended = json!({
        "attendance": "attended",
        "attendees": {"child": false, "parent_carer": false, "school_staff": true},
        "children_count": 0, "staff_count": 21, "notes": "Whole-staff twilight session"
    });
    let r = action(
        &app,
        &training.id(),
        "complete",
        &p0,
        Some("\"v9\""),
        &attended,
    )
    .await;
    r.assert_problem(412, "version_mismatch");
    let done = action(
        &app,
        &training.id(),
        "complete",
        &p0,
        Some(&training.etag()),
        &attended,
    )
    .await;
    assert_status(&done, 200);
    assert_eq!(done.body["status"], "completed");
    let session = done.body["support_session_id"]
        .as_str()
        .expect("support session")
        .to_owned();
    let record = app
        .get(&format!("/api/v1/school-support/{support}/sessions"), &mgr)
        .await;
    assert_status(&record, 200);
    assert_eq!(record.body["total_minutes"], 60);
    let sessions = record.body["items"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{}", record.text);
    assert_eq!(sessions[0]["id"], session);
    assert_eq!(sessions[0]["staff_count"], 21);
    assert_eq!(sessions[0]["duration_minutes"], 60);
    assert_eq!(sessions[0]["practitioner_id"], w0);

    let r = action(
        &app,
        &visit.id(),
        "complete",
        &p0,
        Some(&visit.etag()),
        &attended,
    )
    .await;
    assert_field_error(&r, "children_count", "not_allowed");
    let missed = json!({
        "attendance": "did_not_attend",
        "attendees": {"child": false, "parent_carer": false, "school_staff": false}
    });
    let r = action(
        &app,
        &visit.id(),
        "complete",
        &p0,
        Some(&visit.etag()),
        &missed,
    )
    .await;
    assert_status(&r, 200);
    assert_eq!(r.body["attendance"], "did_not_attend");
    assert!(r.body.get("session_id").is_none());
    assert!(r.body.get("support_session_id").is_none());
}
