//! Notifications for staff front ends (issue 16, item 6), over HTTP against
//! PostgreSQL with a real receiver on loopback: a team's subscription (made
//! by its manager) hears a school's submission to the team, signed, within
//! 5 s, and another zone's team does not; the allocation names the worker
//! by id; the council hears everything; refusals (an integration client
//! subscribing to a staff event, roles that hold no subscription, another
//! team's subscription, bad payloads, stale If-Match); the `.due` sweep run
//! by two "processes" (two pools, concurrently; `make multi` runs two real
//! servers) emits each event once;
//! a promoted enrolment reaches its zone's team only; and no payload
//! carries a name.

use crate::delivery::active_referral;
use crate::webhooks::{drive, verify, Receiver, FAST, SUBS};
use sct_e2e::{assert_status, TestApp, TestTeam};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Subscribes; returns (subscription id, secret).
async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let r = app
        .post(SUBS, token, &json!({"url": url, "events": events}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (
        r.id(),
        r.body["secret"].as_str().expect("secret").to_owned(),
    )
}

/// Names of people, schools and teams that must never be in a payload.
fn assert_no_names(raw: &str, teams: &[&TestTeam]) {
    for name in ["Sam", "Example", "2016-03-14", "Practitioner", "Manager"] {
        assert!(!raw.contains(name), "{name} in {raw}");
    }
    for t in teams {
        assert!(!raw.contains(&t.team.name), "{raw}");
        assert!(!raw.contains(&t.zone.name), "{raw}");
        for s in &t.schools {
            assert!(!raw.contains(&s.name), "{raw}");
        }
    }
}

fn of_type(rx: &Receiver, event: &str) -> Vec<crate::webhooks::Received> {
    rx.succeeded()
        .into_iter()
        .filter(|r| r.body["type"] == event)
        .collect()
}

#[tokio::test]
async fn a_teams_subscription_hears_its_referrals_signed_within_five_seconds() {
    let app = TestApp::spawn_with(FAST).await;
    let a = app.team("SW1").await;
    let b = app.team("SW2").await;
    let rx_a = Receiver::start(&[], 204);
    let rx_b = Receiver::start(&[], 204);
    let rx_council = Receiver::start(&[], 204);
    let events = ["referral.submitted", "referral.allocated"];

    let r = app
        .post(
            SUBS,
            &app.manager(&a),
            &json!({"url": rx_a.url, "events": events}),
        )
        .await;
    assert_status(&r, 201);
    assert_eq!(r.body["team_id"], json!(a.team.id));
    assert!(r.body.get("client_id").is_none(), "{}", r.text);
    let (sub_a, secret_a) = (
        r.id(),
        r.body["secret"].as_str().expect("secret").to_owned(),
    );
    subscribe(&app, &app.manager(&b), &rx_b.url, &events).await;
    let (_, secret_council) =
        subscribe(&app, &app.admin(), &rx_council.url, &["referral.submitted"]).await;

    // A school of team A's zone submits: team A hears it within 5 s.
    let worker = app.webhook_worker();
    let started = Instant::now();
    let submitted = app.submit(&a.schools[0].urn, &sct_e2e::upn(1), 4).await;
    assert_status(&submitted, 201);
    let id = submitted.id();
    drive(&worker, Duration::from_secs(5), || {
        !of_type(&rx_a, "referral.submitted").is_empty()
            && !of_type(&rx_council, "referral.submitted").is_empty()
    })
    .await;
    let elapsed = started.elapsed();
    let got = of_type(&rx_a, "referral.submitted");
    assert_eq!(got.len(), 1, "{:?}", rx_a.seen());
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    verify(&got[0], &secret_a);
    assert_eq!(got[0].body["data"]["referral_id"], id);
    assert_eq!(got[0].body["data"]["team_id"], json!(a.team.id));
    assert_no_names(&got[0].raw, &[&a, &b]);
    let council = of_type(&rx_council, "referral.submitted");
    assert_eq!(council.len(), 1);
    verify(&council[0], &secret_council);

    // The allocation carries the worker's id.
    let m = app.manager(&a);
    let accepted = app
        .act(&id, "accept", &m, &submitted.etag(), &json!({}))
        .await;
    assert_status(&accepted, 200);
    let allocated = app
        .act(
            &id,
            "allocate",
            &m,
            &accepted.etag(),
            &json!({"worker_id": a.practitioners[1].id}),
        )
        .await;
    assert_status(&allocated, 200);
    drive(&worker, Duration::from_secs(5), || {
        !of_type(&rx_a, "referral.allocated").is_empty()
    })
    .await;
    let got = of_type(&rx_a, "referral.allocated");
    assert_eq!(got.len(), 1, "{:?}", rx_a.seen());
    verify(&got[0], &secret_a);
    assert_eq!(
        got[0].body["data"]["worker_id"],
        json!(a.practitioners[1].id)
    );
    assert_no_names(&got[0].raw, &[&a, &b]);

    // Team B heard nothing of team A's referral; the subscriptions list no
    // delivery for it, the delivery log of A's has both.
    for _ in 0..3 {
        worker.round().await.expect("round");
    }
    assert!(rx_b.seen().is_empty(), "{:?}", rx_b.seen());
    let log = app
        .get(&format!("{SUBS}/{sub_a}/deliveries"), &app.manager(&a))
        .await;
    assert_status(&log, 200);
    let types: Vec<&str> = log.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["event_type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, ["referral.submitted", "referral.allocated"]);
    assert_eq!(log.body["items"][0]["status"], "succeeded");
}

#[tokio::test]
async fn each_subscriber_manages_its_own_and_may_not_subscribe_to_what_it_may_not_see() {
    let app = TestApp::spawn().await;
    let a = app.team("SW3").await;
    let b = app.team("SW4").await;
    let url = "http://127.0.0.1:9/hooks";
    let urn = a.schools[0].urn.clone();
    let (cid, csecret, _) = app.register_client(&[&urn]).await;
    let client = app.client_token(&cid, &csecret).await;

    // An integration client: its school events yes, staff events 403.
    subscribe(&app, &client, url, &["referral.submitted"]).await;
    for staff_event in [
        "review.due",
        "follow_up.due",
        "termly_conversation.offered",
        "enrolment.promoted",
    ] {
        let r = app
            .post(
                SUBS,
                &client,
                &json!({"url": url, "events": ["referral.submitted", staff_event]}),
            )
            .await;
        r.assert_problem(403, "forbidden_for_role");
    }
    // Practitioners and schools hold no subscription.
    for token in [app.practitioner(&a, 0), app.school(&urn)] {
        let r = app
            .post(
                SUBS,
                &token,
                &json!({"url": url, "events": ["referral.submitted"]}),
            )
            .await;
        r.assert_problem(403, "forbidden_for_role");
        app.get(SUBS, &token)
            .await
            .assert_problem(403, "forbidden_for_role");
    }
    // A team may hear every staff event of its own.
    let all_staff = [
        "referral.submitted",
        "referral.allocated",
        "review.due",
        "follow_up.due",
        "termly_conversation.offered",
        "enrolment.promoted",
    ];
    let (sub_a, _) = subscribe(&app, &app.manager(&a), url, &all_staff).await;
    let r = app
        .post(SUBS, &app.manager(&a), &json!({"url": url, "events": []}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .post(
            SUBS,
            &app.manager(&a),
            &json!({"url": url, "events": ["review.due"], "team_id": b.team.id}),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);

    // Each sees only its own: team B neither lists nor reads team A's.
    let list = app.get(SUBS, &app.manager(&a)).await;
    assert_status(&list, 200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [sub_a.as_str()]);
    let list = app.get(SUBS, &app.manager(&b)).await;
    assert_eq!(list.body["items"], json!([]));
    app.get(&format!("{SUBS}/{sub_a}"), &app.manager(&b))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{SUBS}/{sub_a}"), &client)
        .await
        .assert_problem(404, "not_found");
    let change = json!({"url": url, "events": ["review.due"], "active": true});
    app.put(
        &format!("{SUBS}/{sub_a}"),
        &app.manager(&b),
        Some("\"v1\""),
        &change,
    )
    .await
    .assert_problem(404, "not_found");
    // The owner changes it with If-Match; a stale tag is 412.
    let r = app
        .put(
            &format!("{SUBS}/{sub_a}"),
            &app.manager(&a),
            Some("\"v1\""),
            &change,
        )
        .await;
    assert_status(&r, 200);
    assert_eq!(r.body["events"], json!(["review.due"]));
    app.put(
        &format!("{SUBS}/{sub_a}"),
        &app.manager(&a),
        Some("\"v1\""),
        &change,
    )
    .await
    .assert_problem(412, "version_mismatch");
    // The council sees the team's (support).
    let r = app.get(&format!("{SUBS}/{sub_a}"), &app.admin()).await;
    assert_status(&r, 200);
    assert_eq!(r.body["team_id"], json!(a.team.id));
}

/// Makes `referral` due for review yesterday.
async fn review_due_yesterday(app: &TestApp, referral: &str) {
    app.db
        .sql(&format!(
            "UPDATE referrals SET review_due_on = current_date - 1 WHERE id = '{referral}'"
        ))
        .await
        .expect("review due");
}

fn count(rows: &[tokio_postgres::Row]) -> i64 {
    rows[0].get::<_, i64>(0)
}

#[tokio::test]
async fn two_processes_sweeping_at_once_emit_each_due_event_once() {
    let app = TestApp::spawn_with(FAST).await;
    let a = app.team("SW5").await;
    let b = app.team("SW6").await;
    let rx_a = Receiver::start(&[], 204);
    let rx_b = Receiver::start(&[], 204);
    let due_events = ["review.due", "follow_up.due"];
    let (_, secret_a) = subscribe(&app, &app.manager(&a), &rx_a.url, &due_events).await;
    subscribe(&app, &app.manager(&b), &rx_b.url, &due_events).await;

    // Two referrals of team A under way with their review due, one of them
    // closed again so that its follow-ups are scheduled; one falls due.
    let (r1, _) = active_referral(&app, &a, 0, 1).await;
    let (r2, etag2) = active_referral(&app, &a, 0, 2).await;
    review_due_yesterday(&app, &r1).await;
    let closed = app
        .act(
            &r2,
            "close",
            &app.practitioner(&a, 0),
            &etag2,
            &json!({"outcome": "needs_met"}),
        )
        .await;
    assert_status(&closed, 200);
    app.db
        .sql(&format!(
            "UPDATE follow_ups SET due_on = current_date WHERE referral_id = '{r2}' AND months = (SELECT min(months) FROM follow_ups WHERE referral_id = '{r2}')"
        ))
        .await
        .expect("follow-up due");

    // Two processes: two pools on one database, sweeping concurrently,
    // several rounds each.
    let today = chrono::Utc::now().date_naive();
    let pools = [
        sct_persistence::Db::connect(&app.db.url, 2).expect("pool 1"),
        sct_persistence::Db::connect(&app.db.url, 2).expect("pool 2"),
    ];
    let sweeps = pools.iter().flat_map(|p| {
        (0..3).map(move |_| async move {
            let mut c = p.conn().await.expect("conn");
            sct_persistence::due::sweep(&mut c, today, sct_persistence::now())
                .await
                .expect("sweep")
        })
    });
    let swept = futures_util::future::join_all(sweeps).await;
    let reviews: i64 = swept.iter().map(|s| s.reviews).sum();
    let follow_ups: i64 = swept.iter().map(|s| s.follow_ups).sum();
    assert_eq!((reviews, follow_ups), (1, 1), "{swept:?}");
    let rows = app
        .db
        .sql("SELECT count(*) FROM outbox_events WHERE event_type = 'review.due'")
        .await
        .expect("count");
    assert_eq!(count(&rows), 1);
    let rows = app
        .db
        .sql("SELECT count(*) FROM outbox_events WHERE event_type = 'follow_up.due'")
        .await
        .expect("count");
    assert_eq!(count(&rows), 1);

    // The scheduled run: of two processes ticking at once, one sweeps; the
    // interval then holds both off.
    let runs = futures_util::future::join_all(pools.iter().map(|p| async move {
        let mut c = p.conn().await.expect("conn");
        sct_persistence::due::run(&mut c, today, 60.0)
            .await
            .expect("run")
    }))
    .await;
    assert_eq!(runs.iter().filter(|r| r.is_some()).count(), 1, "{runs:?}");
    let mut c = pools[0].conn().await.expect("conn");
    assert_eq!(
        sct_persistence::due::run(&mut c, today, 60.0)
            .await
            .expect("run"),
        None
    );
    drop(c);
    // Every run found nothing new: still one event each.
    let rows = app
        .db
        .sql("SELECT count(*) FROM outbox_events WHERE event_type IN ('review.due', 'follow_up.due')")
        .await
        .expect("count");
    assert_eq!(count(&rows), 2);

    // Team A hears each once, signed, with ids and dates only; team B
    // nothing.
    let worker = app.webhook_worker();
    drive(&worker, Duration::from_secs(10), || {
        rx_a.succeeded().len() >= 2
    })
    .await;
    for _ in 0..3 {
        worker.round().await.expect("round");
    }
    let review = of_type(&rx_a, "review.due");
    assert_eq!(review.len(), 1, "{:?}", rx_a.seen());
    verify(&review[0], &secret_a);
    let data: &Value = &review[0].body["data"];
    assert_eq!(data["referral_id"], r1);
    assert_eq!(data["team_id"], json!(a.team.id));
    assert_eq!(data["worker_id"], json!(a.practitioners[0].id));
    assert_eq!(
        data["review_due_on"],
        json!(today.pred_opt().expect("yesterday"))
    );
    let follow_up = of_type(&rx_a, "follow_up.due");
    assert_eq!(follow_up.len(), 1, "{:?}", rx_a.seen());
    verify(&follow_up[0], &secret_a);
    assert_eq!(follow_up[0].body["data"]["referral_id"], r2);
    assert_eq!(follow_up[0].body["data"]["due_on"], json!(today));
    assert!(follow_up[0].body["data"]["follow_up_id"].is_string());
    for r in rx_a.seen() {
        assert_no_names(&r.raw, &[&a, &b]);
    }
    assert_eq!(rx_a.seen().len(), 2);
    assert!(rx_b.seen().is_empty(), "{:?}", rx_b.seen());
}

#[tokio::test]
async fn an_offered_termly_conversation_reaches_the_zones_team_only() {
    let app = TestApp::spawn_with(FAST).await;
    let a = app.team("SW7").await;
    let b = app.team("SW8").await;
    let rx_a = Receiver::start(&[], 204);
    let rx_b = Receiver::start(&[], 204);
    let (_, secret_a) = subscribe(
        &app,
        &app.manager(&a),
        &rx_a.url,
        &["termly_conversation.offered"],
    )
    .await;
    subscribe(
        &app,
        &app.manager(&b),
        &rx_b.url,
        &["termly_conversation.offered"],
    )
    .await;
    let urn = a.schools[0].urn.clone();
    let r = app
        .post(
            "/api/v1/termly-conversations",
            &app.manager(&a),
            &json!({"school_urn": urn, "academic_year": "2026/27", "term": "autumn"}),
        )
        .await;
    assert_status(&r, 201);
    let worker = app.webhook_worker();
    drive(&worker, Duration::from_secs(5), || {
        !rx_a.succeeded().is_empty()
    })
    .await;
    for _ in 0..3 {
        worker.round().await.expect("round");
    }
    let got = of_type(&rx_a, "termly_conversation.offered");
    assert_eq!(got.len(), 1, "{:?}", rx_a.seen());
    verify(&got[0], &secret_a);
    assert_eq!(got[0].body["data"]["termly_conversation_id"], r.id());
    assert_eq!(got[0].body["data"]["zone_id"], json!(a.zone.id));
    assert_no_names(&got[0].raw, &[&a, &b]);
    assert!(rx_b.seen().is_empty(), "{:?}", rx_b.seen());
}

#[tokio::test]
async fn a_promoted_enrolment_reaches_the_zones_team_only_without_the_familys_name() {
    let app = TestApp::spawn_with(FAST).await;
    let a = app.team("SW9").await;
    let b = app.team("SWA").await;
    let rx_a = Receiver::start(&[], 204);
    let rx_b = Receiver::start(&[], 204);
    let (_, secret_a) = subscribe(&app, &app.manager(&a), &rx_a.url, &["enrolment.promoted"]).await;
    subscribe(&app, &app.manager(&b), &rx_b.url, &["enrolment.promoted"]).await;

    // One place, two families: the second waits; cancelling the first
    // promotes it.
    let token = app.manager(&a);
    let programme = crate::community::open_programme(&app, &a, 1).await;
    let first = crate::community::enrol(&app, &programme, &token, "Jordan Firstfamily").await;
    assert_status(&first, 201);
    let second = crate::community::enrol(&app, &programme, &token, "Robin Waitingfamily").await;
    assert_status(&second, 201);
    assert_eq!(second.body["status"], "waiting");
    let cancelled = app
        .call_if_match(
            reqwest::Method::POST,
            &format!(
                "/api/v1/programmes/{programme}/enrolments/{}/cancel",
                first.id()
            ),
            &token,
            Some(&first.etag()),
            None,
        )
        .await;
    assert_status(&cancelled, 200);

    let worker = app.webhook_worker();
    drive(&worker, Duration::from_secs(5), || {
        !rx_a.succeeded().is_empty()
    })
    .await;
    for _ in 0..3 {
        worker.round().await.expect("round");
    }
    let got = of_type(&rx_a, "enrolment.promoted");
    assert_eq!(got.len(), 1, "{:?}", rx_a.seen());
    verify(&got[0], &secret_a);
    let data = &got[0].body["data"];
    assert_eq!(data["enrolment_id"], second.id());
    assert_eq!(data["programme_id"], programme);
    assert_eq!(data["zone_id"], json!(a.zone.id));
    assert_eq!(data["status"], "enrolled");
    for name in ["Jordan", "Firstfamily", "Robin", "Waitingfamily"] {
        assert!(!got[0].raw.contains(name), "{name} in {}", got[0].raw);
    }
    assert_no_names(&got[0].raw, &[&a, &b]);
    assert!(rx_b.seen().is_empty(), "{:?}", rx_b.seen());
}
