//! A panic in a handler is answered 500 problem+json with the request id
//! (issue 17, defect 8), logged without the request's body, and the server
//! goes on serving. The panicking routes exist only in this test's app.

use actix_web::{web, HttpResponse};
use sct_e2e::{TestApp, TestDb};
use serde_json::json;
use std::sync::{Mutex, OnceLock};

async fn panics_literally() -> HttpResponse {
    panic!("a test handler panicked on purpose")
}

async fn panics_with_the_body(body: web::Bytes) -> HttpResponse {
    panic!("the body was {}", String::from_utf8_lossy(&body))
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/test-only/panic", web::get().to(panics_literally))
        .route("/test-only/panic", web::post().to(panics_with_the_body));
}

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(format!(
                "{} {} {}",
                record.level(),
                record.target(),
                record.args()
            ));
        }
    }

    fn flush(&self) {}
}

static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();

#[tokio::test]
async fn a_panicking_handler_is_answered_500_with_the_request_id() {
    let capture = *CAPTURE.get_or_init(|| Box::leak(Box::new(Capture(Mutex::new(Vec::new())))));
    // nextest runs each test in a process of its own; under `cargo test`
    // another test may hold the logger, and the log check is skipped.
    let logging = log::set_logger(capture).is_ok();
    if logging {
        log::set_max_level(log::LevelFilter::Trace);
    }
    let app = TestApp::spawn_with_routes(TestDb::new().await, &[], routes).await;

    let reply = app
        .call(
            reqwest::Method::GET,
            "/test-only/panic",
            None,
            None,
            &[("x-request-id", "panic-probe-1")],
        )
        .await;
    reply.assert_problem(500, "internal_error");
    assert_eq!(reply.header("x-request-id"), Some("panic-probe-1"));
    assert!(
        reply.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("panic-probe-1"),
        "{}",
        reply.text
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));

    let secret = json!({"given_name": "Zebulon", "family_name": "Quillfeather"});
    let reply = app
        .call(
            reqwest::Method::POST,
            "/test-only/panic",
            None,
            Some(&secret),
            &[("x-request-id", "panic-probe-2")],
        )
        .await;
    reply.assert_problem(500, "internal_error");
    assert_eq!(reply.header("x-request-id"), Some("panic-probe-2"));
    assert!(!reply.text.contains("Zebulon"), "{}", reply.text);

    // The server still answers.
    let health = app
        .call(reqwest::Method::GET, "/health/live", None, None, &[])
        .await;
    assert_eq!(health.status, 200);

    if logging {
        let lines = capture.0.lock().expect("lines").clone();
        let panics: Vec<&String> = lines.iter().filter(|l| l.contains("panicked")).collect();
        assert!(
            panics
                .iter()
                .any(|l| l.contains("panic-probe-1") && l.contains("on purpose")),
            "{lines:#?}"
        );
        assert!(
            panics.iter().any(|l| l.contains("panic-probe-2")),
            "{lines:#?}"
        );
        assert!(
            !lines
                .iter()
                .any(|l| l.contains("Zebulon") || l.contains("Quillfeather")),
            "{lines:#?}"
        );
    }
}
