//! `/metrics` over HTTP: Prometheus text, labelled by route pattern, with no
//! identifiers or personal data, and request ids on every response.

use sct_e2e::{upn, TestApp};

async fn scrape(app: &TestApp) -> String {
    let res = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(res.status(), 200);
    let ct = res.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    assert!(res.headers().contains_key("x-request-id"));
    res.text().await.expect("body")
}

/// The value of the one sample whose line starts with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = TestApp::spawn().await;
    let t = app.team("MA").await;
    let created = app.submit(&t.schools[0].urn, &upn(7), 4).await;
    assert_eq!(created.status, 201);
    let id = created.id();
    let school = app.school(&t.schools[0].urn);
    for _ in 0..2 {
        let r = app.get(&format!("/api/v1/referrals/{id}"), &school).await;
        assert_eq!(r.status, 200);
    }
    let missing = uuid::Uuid::now_v7();
    let r = app
        .get(&format!("/api/v1/referrals/{missing}"), &school)
        .await;
    assert_eq!(r.status, 404);
    let r = app.get("/no/such/route/B801200005001", &school).await;
    assert_eq!(r.status, 404);

    let text = scrape(&app).await;
    for family in [
        "# TYPE sct_http_requests_total counter",
        "# TYPE sct_http_request_duration_seconds histogram",
        "# TYPE sct_db_pool_connections_in_use gauge",
        "# TYPE sct_db_pool_waiting gauge",
        "# TYPE sct_referrals gauge",
        "# HELP sct_http_requests_total ",
    ] {
        assert!(text.contains(family), "{family} missing:\n{text}");
    }
    let route = "route=\"/api/v1/referrals/{id}\"";
    assert_eq!(
        sample(
            &text,
            &format!("sct_http_requests_total{{method=\"GET\",{route},status=\"200\"}}")
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("sct_http_requests_total{{method=\"GET\",{route},status=\"404\"}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                "sct_http_request_duration_seconds_count{{method=\"GET\",{route},status=\"200\"}}"
            )
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("sct_http_request_duration_seconds_bucket{{method=\"GET\",{route},status=\"200\",le=\"+Inf\"}}")
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            "sct_http_requests_total{method=\"POST\",route=\"/api/v1/referrals\",status=\"201\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "sct_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "sct_referrals{status=\"submitted\"}"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "sct_referrals{status=\"closed\"}"), Some(0.0));
    assert_eq!(sample(&text, "sct_database_up"), Some(1.0));
    assert_eq!(sample(&text, "sct_db_pool_connections_max"), Some(8.0));
    assert_eq!(sample(&text, "sct_db_pool_waiting"), Some(0.0));

    // Never a raw path, an id or anything about the child.
    for leak in [
        id.as_str(),
        &missing.to_string(),
        "B801200005001",
        &upn(7),
        "Sam",
        "Example",
        t.schools[0].urn.as_str(),
    ] {
        assert!(!text.contains(leak), "{leak} leaked into metrics");
    }
    // Label values are route patterns or `unmatched`.
    for line in text.lines().filter(|l| l.contains("route=\"")) {
        let route = line
            .split("route=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("route");
        assert!(
            route == "unmatched" || route.starts_with('/'),
            "odd route label in {line}"
        );
    }
}

#[tokio::test]
async fn metrics_are_public_and_count_themselves() {
    let app = TestApp::spawn().await;
    scrape(&app).await;
    let text = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            "sct_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"
        ),
        Some(1.0)
    );
    // Pool gauges are consistent: in use plus idle never exceeds the maximum.
    let in_use = sample(&text, "sct_db_pool_connections_in_use").expect("in use");
    let idle = sample(&text, "sct_db_pool_connections_idle").expect("idle");
    let max = sample(&text, "sct_db_pool_connections_max").expect("max");
    assert!(in_use + idle <= max);
}
