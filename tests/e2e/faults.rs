//! Faults: the database stops and comes back during a stream of
//! submissions; two servers on one database race on one referral.
//!
//! The outage test runs its own PostgreSQL cluster (initdb in a temporary
//! folder, `PrivateCluster`): it must never stop the shared test server,
//! which other tests use in parallel.

use sct_e2e::{referral_body, upn, PrivateCluster, TestApp, TestDb};
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One submission of the stream.
#[derive(Debug, Clone)]
struct Sent {
    /// When it was sent, from the start of the test.
    at: Duration,
    /// How long the answer took (`None`: no answer within 10 s).
    took: Option<Duration>,
    status: u16,
    id: Option<String>,
    retry_after: bool,
    problem: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_referrals_survive_a_database_outage() {
    let cluster = Arc::new(PrivateCluster::start_new());
    let db = TestDb::create_on(&cluster.admin_url(), "sct_fault").await;
    let app = TestApp::spawn_on(db).await;
    let team = app.team("F01").await;
    let urn = team.schools[0].urn.clone();
    let token = app.school(&urn);
    let client = reqwest::Client::new();
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4_u32 {
        let (client, stop, token, urn) = (client.clone(), stop.clone(), token.clone(), urn.clone());
        let url = app.url("/api/v1/referrals");
        workers.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            let mut i = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                let mut body = referral_body(&urn, &upn(w * 250 + i % 250), 4);
                body["external_reference"] = json!(format!("FAULT-{w}-{i}"));
                let at = start.elapsed();
                let req = client.post(&url).bearer_auth(&token).json(&body).send();
                let entry = match tokio::time::timeout(Duration::from_secs(10), req).await {
                    Ok(Ok(res)) => {
                        let status = res.status().as_u16();
                        let retry_after = res.headers().contains_key("retry-after");
                        let problem = res
                            .headers()
                            .get("content-type")
                            .is_some_and(|v| v == "application/problem+json");
                        let took = start.elapsed().saturating_sub(at);
                        let json: serde_json::Value = res.json().await.unwrap_or_default();
                        Sent {
                            at,
                            took: Some(took),
                            status,
                            id: json["id"].as_str().map(str::to_owned),
                            retry_after,
                            problem,
                        }
                    }
                    Ok(Err(_)) => Sent {
                        at,
                        took: Some(start.elapsed().saturating_sub(at)),
                        status: 0,
                        id: None,
                        retry_after: false,
                        problem: false,
                    },
                    Err(_) => Sent {
                        at,
                        took: None,
                        status: 0,
                        id: None,
                        retry_after: false,
                        problem: false,
                    },
                };
                sent.push(entry);
                i += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            sent
        }));
    }
    let ready = |client: reqwest::Client, url: String| async move {
        client
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_or(0, |r| r.status().as_u16())
    };
    let ready_url = app.url("/health/ready");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop())
        .await
        .expect("stop");
    let stopped = start.elapsed();
    // Readiness fails at once.
    let probe = Instant::now();
    let status = ready(client.clone(), ready_url.clone()).await;
    let ready_fail = probe.elapsed();
    assert_eq!(status, 503, "ready while the database is down");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start())
        .await
        .expect("start");
    let up = start.elapsed();
    // Readiness comes back by itself.
    let mut ready_back = None;
    while start.elapsed() < up + Duration::from_secs(10) {
        if ready(client.clone(), ready_url.clone()).await == 200 {
            ready_back = Some(start.elapsed().saturating_sub(up));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut sent: Vec<Sent> = Vec::new();
    for w in workers {
        sent.extend(w.await.expect("worker"));
    }
    sent.sort_by_key(|s| s.at);

    // Every answer came in time, as 201 or as 503 problem+json with
    // Retry-After; nothing else (no 500, no hang).
    let hung = sent.iter().filter(|s| s.took.is_none()).count();
    assert_eq!(hung, 0, "requests without an answer in 10 s");
    let odd: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.status != 201 && s.status != 503)
        .collect();
    assert!(odd.is_empty(), "unexpected answers: {odd:?}");
    let refusals: Vec<&Sent> = sent.iter().filter(|s| s.status == 503).collect();
    assert!(!refusals.is_empty(), "no 503 during the outage");
    assert!(refusals.iter().all(|s| s.retry_after && s.problem));
    let slowest_503 = refusals
        .iter()
        .filter_map(|s| s.took)
        .max()
        .unwrap_or_default();
    assert!(
        slowest_503 < Duration::from_secs(1),
        "a 503 took {slowest_503:?}"
    );
    // Sent after the stop completed: the first answer and how fast.
    let first_after_stop = sent
        .iter()
        .find(|s| s.at >= stopped)
        .expect("sent after stop");
    assert_eq!(first_after_stop.status, 503);
    // Service resumes by itself within 5 s of the database's return.
    let resumed = sent
        .iter()
        .filter(|s| s.at >= up && s.status == 201)
        .map(|s| s.at + s.took.unwrap_or_default())
        .min()
        .expect("a 201 after the database came back");
    let recovery = resumed.saturating_sub(up);
    assert!(
        recovery < Duration::from_secs(5),
        "recovered in {recovery:?}"
    );
    assert!(
        sent.iter()
            .filter(|s| s.at >= up + recovery + Duration::from_millis(200))
            .all(|s| s.status == 201),
        "503s after recovery"
    );
    let ready_back = ready_back.expect("ready came back");
    assert!(ready_back < Duration::from_secs(5));

    // Every referral acknowledged with 201 is stored, with its audit row.
    let acked: HashSet<String> = sent.iter().filter_map(|s| s.id.clone()).collect();
    let stored: HashSet<String> = app
        .db
        .sql("SELECT id::text FROM referrals")
        .await
        .expect("referrals")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    let audited: HashSet<String> = app
        .db
        .sql("SELECT subject_id FROM audit_events WHERE action = 'submit_referral' AND subject_type = 'referral'")
        .await
        .expect("audit")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    let missing: Vec<&String> = acked.difference(&stored).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert!(acked.is_subset(&audited), "acknowledged without audit row");
    eprintln!(
        "outage figures: {} submissions, {} acknowledged (201), {} refused (503), {} found in the database \
         ({} stored without acknowledgement); /health/ready failed in {:?}; first request after the stop \
         answered 503 in {:?}; slowest 503 {:?}; service resumed {:?} after the database was back \
         (ready after {:?})",
        sent.len(),
        acked.len(),
        refusals.len(),
        acked.intersection(&stored).count(),
        stored.len() - acked.intersection(&stored).count(),
        ready_fail,
        first_after_stop.took.unwrap_or_default(),
        slowest_503,
        recovery,
        ready_back,
    );
    drop(app);
}

#[tokio::test]
async fn two_servers_racing_on_one_referral_have_one_winner() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn_on(first.db.shared()).await;
    let team = first.team("R01").await;
    let urn = team.schools[0].urn.clone();
    let manager = first.manager(&team);
    let mut wins = 0;
    for round in 0..10_u32 {
        let r = first.submit(&urn, &upn(round), 4).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.id();
        let etag = r.etag();
        // The same manager accepts on one server and declines on the other,
        // both with the ETag they read.
        let decline = json!({"reason": "Met in school", "signposting": "SEN Support"});
        let accept = json!({});
        let (a, b) = tokio::join!(
            first.act(&id, "accept", &manager, &etag, &accept),
            second.act(&id, "decline", &manager, &etag, &decline),
        );
        let statuses = [a.status, b.status];
        let ok = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == 200 { &b } else { &a };
        assert!(
            loser.status == 412 || loser.status == 409,
            "round {round}: {}",
            loser.text
        );
        wins += 1;
        // History: the submission and exactly one decision, version 2.
        let h = first
            .get(&format!("/api/v1/referrals/{id}/history"), &manager)
            .await;
        let items = h.body["items"].as_array().expect("items");
        assert_eq!(items.len(), 2, "{}", h.text);
        let winner = if a.status == 200 { "accept" } else { "decline" };
        assert_eq!(items[1]["action"], winner);
        let now = second
            .get(&format!("/api/v1/referrals/{id}"), &manager)
            .await;
        assert_eq!(now.body["version"], 2);
        assert_eq!(
            now.body["status"],
            if winner == "accept" {
                "accepted"
            } else {
                "declined"
            }
        );
    }
    assert_eq!(wins, 10);
    let decisions = first
        .db
        .count("referral_history WHERE action IN ('accept', 'decline')")
        .await;
    assert_eq!(decisions, 10);
}
