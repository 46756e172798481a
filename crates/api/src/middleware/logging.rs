//! Log output: text (default) or one JSON object per line with
//! `SCT_LOG_FORMAT=json`. Every line written while a request is handled
//! carries that request's id (the `x-request-id` it answers with), taken
//! from a task-local the request middleware sets.
//!
//! What is logged is identifiers and codes only: no names, dates of birth or
//! free text (handlers keep to this; see the `audit` target).

use std::io::Write as _;

tokio::task_local! {
    /// The id of the request the current task is answering.
    pub static REQUEST_ID: String;
}

/// The current request's id, if a request is being handled.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Whether `SCT_LOG_FORMAT` asks for JSON lines.
pub fn json_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("json"))
}

/// One JSON log line (without the newline).
pub fn json_line(
    timestamp: &str,
    level: log::Level,
    target: &str,
    request_id: Option<&str>,
    message: &str,
) -> String {
    let mut line = serde_json::Map::new();
    line.insert("timestamp".into(), timestamp.into());
    line.insert("level".into(), level.as_str().into());
    line.insert("target".into(), target.into());
    if let Some(id) = request_id {
        line.insert("request_id".into(), id.into());
    }
    line.insert("message".into(), message.into());
    serde_json::Value::Object(line).to_string()
}

/// Installs the process logger: `RUST_LOG` filters (default `info`),
/// `SCT_LOG_FORMAT` picks `text` or `json`.
pub fn init() {
    let json = json_requested(std::env::var("SCT_LOG_FORMAT").ok().as_deref());
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if json {
        builder.format(|buf, record| {
            let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let line = json_line(
                &ts,
                record.level(),
                record.target(),
                current_request_id().as_deref(),
                &record.args().to_string(),
            );
            writeln!(buf, "{line}")
        });
    } else {
        builder.format(|buf, record| {
            let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            match current_request_id() {
                Some(id) => writeln!(
                    buf,
                    "{ts} {:<5} {} request_id={id} {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
                None => writeln!(
                    buf,
                    "{ts} {:<5} {} {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
            }
        });
    }
    builder.init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_objects_with_the_request_id() {
        let line = json_line(
            "2026-11-28T10:00:00.000000Z",
            log::Level::Info,
            "access",
            Some("req-1"),
            "GET /api/v1/referrals 200 \"quoted\"",
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], "access");
        assert_eq!(v["request_id"], "req-1");
        assert_eq!(v["message"], "GET /api/v1/referrals 200 \"quoted\"");
        assert!(!line.contains('\n'));
        let bare = json_line("t", log::Level::Warn, "sct", None, "m");
        assert!(!bare.contains("request_id"));
        assert!(json_requested(Some("JSON")));
        assert!(!json_requested(Some("text")));
        assert!(!json_requested(None));
    }

    #[tokio::test]
    async fn the_request_id_follows_the_task_across_awaits() {
        assert_eq!(current_request_id(), None);
        let seen = REQUEST_ID
            .scope("abc".to_owned(), async {
                tokio::task::yield_now().await;
                current_request_id()
            })
            .await;
        assert_eq!(seen.as_deref(), Some("abc"));
    }
}
