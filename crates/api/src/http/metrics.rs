//! A small Prometheus registry: request counts and a fixed-bucket latency
//! histogram per method, route pattern and status, rendered in the text
//! exposition format together with gauges read at scrape time (the
//! connection pool, referrals by status).
//!
//! Labels are bounded by construction: the route is the pattern the request
//! matched (`/api/v1/referrals/{id}`), never the raw path, and unmatched
//! requests share one label; the method is one of the standard ones or
//! `other`. No label ever carries an identifier or personal data.

use sct_persistence::reports::StatusCount;
use sct_persistence::PoolStatus;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Default)]
struct Series {
    count: u64,
    sum: f64,
    // Non-cumulative counts per bucket; rendered cumulatively.
    buckets: [u64; BUCKETS.len()],
}

/// The registry of one server (shared by its workers).
#[derive(Debug, Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<Key, Series>>,
}

fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Formats a float the way Prometheus reads it.
fn num(v: f64) -> String {
    if v.is_infinite() {
        "+Inf".to_owned()
    } else {
        format!("{v}")
    }
}

impl Metrics {
    /// A new, empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let key = Key {
            route: route.to_owned(),
            method: method_label(method),
            status,
        };
        let bucket = BUCKETS.iter().position(|b| seconds <= *b);
        let mut http = self
            .http
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = http.entry(key).or_default();
        s.count += 1;
        s.sum += seconds;
        if let Some(i) = bucket {
            s.buckets[i] += 1;
        }
    }

    /// The exposition text. `referrals` is `None` when the database did not
    /// answer (then `sct_database_up` is 0 and the referral series are absent).
    pub fn render(&self, pool: PoolStatus, referrals: Option<&[StatusCount]>) -> String {
        let mut out = String::new();
        let http = self
            .http
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();

        out.push_str("# HELP sct_http_requests_total HTTP requests answered, by method, route pattern and status.\n");
        out.push_str("# TYPE sct_http_requests_total counter\n");
        for (k, s) in &http {
            let _ = writeln!(
                out,
                "sct_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}",
                k.method,
                escape(&k.route),
                k.status,
                s.count
            );
        }

        out.push_str("# HELP sct_http_request_duration_seconds Time to answer HTTP requests, by method, route pattern and status.\n");
        out.push_str("# TYPE sct_http_request_duration_seconds histogram\n");
        for (k, s) in &http {
            let labels = format!(
                "method=\"{}\",route=\"{}\",status=\"{}\"",
                k.method,
                escape(&k.route),
                k.status
            );
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "sct_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {cumulative}",
                    num(*bound)
                );
            }
            let _ = writeln!(
                out,
                "sct_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "sct_http_request_duration_seconds_sum{{{labels}}} {}",
                num(s.sum)
            );
            let _ = writeln!(
                out,
                "sct_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }

        let gauges = [
            (
                "sct_db_pool_connections_in_use",
                "Database connections lent out to requests.",
                pool.in_use(),
            ),
            (
                "sct_db_pool_connections_idle",
                "Open database connections not in use.",
                pool.available,
            ),
            (
                "sct_db_pool_connections_max",
                "The most connections the pool opens (SCT_DB_POOL_SIZE).",
                pool.max_size,
            ),
            (
                "sct_db_pool_waiting",
                "Requests waiting for a database connection.",
                pool.waiting,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }

        out.push_str("# HELP sct_database_up Whether the database answered this scrape.\n");
        out.push_str("# TYPE sct_database_up gauge\n");
        let _ = writeln!(out, "sct_database_up {}", u8::from(referrals.is_some()));
        if let Some(counts) = referrals {
            out.push_str("# HELP sct_referrals Referrals by current status.\n");
            out.push_str("# TYPE sct_referrals gauge\n");
            for status in sct_domain::Status::ALL {
                let n = counts
                    .iter()
                    .find(|c| c.status == status.as_str())
                    .map_or(0, |c| c.referrals);
                let _ = writeln!(out, "sct_referrals{{status=\"{}\"}} {n}", status.as_str());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> PoolStatus {
        PoolStatus {
            max_size: 16,
            size: 3,
            available: 1,
            waiting: 0,
        }
    }

    #[test]
    fn histograms_are_cumulative_and_labels_bounded() {
        let m = Metrics::new();
        m.observe("GET", "/api/v1/referrals/{id}", 200, 0.003);
        m.observe("GET", "/api/v1/referrals/{id}", 200, 0.2);
        m.observe("BREW", UNMATCHED, 404, 20.0);
        let text = m.render(pool(), None);
        assert!(text.contains(
            "sct_http_requests_total{method=\"GET\",route=\"/api/v1/referrals/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 0\n"));
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/referrals/{id}\",status=\"200\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/referrals/{id}\",status=\"200\",le=\"0.25\"} 2"
        ));
        // Slower than every bound: only +Inf counts it.
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"other\",route=\"unmatched\",status=\"404\",le=\"10\"} 0"
        ));
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"other\",route=\"unmatched\",status=\"404\",le=\"+Inf\"} 1"
        ));
        assert!(text.contains("sct_db_pool_connections_in_use 2\n"));
        assert!(text.contains("sct_database_up 0\n"));
        assert!(!text.contains("sct_referrals{"));
    }

    #[test]
    fn every_status_is_reported_and_label_values_are_escaped() {
        let m = Metrics::new();
        m.observe("GET", "/a\"b", 200, 0.1);
        let counts = [StatusCount {
            status: "submitted".into(),
            referrals: 4,
        }];
        let text = m.render(pool(), Some(&counts));
        assert!(text.contains("route=\"/a\\\"b\""));
        assert!(text.contains("sct_referrals{status=\"submitted\"} 4\n"));
        assert!(text.contains("sct_referrals{status=\"closed\"} 0\n"));
        assert!(text.contains("sct_database_up 1\n"));
    }
}
