//! Prometheus metrics on the official `prometheus-client` crate: request
//! counts and a latency histogram per method, route pattern and status, the
//! connection pool, whether the database answers, and referrals by status,
//! rendered in the Prometheus text exposition format (0.0.4).
//!
//! Labels are bounded by construction: the route is the pattern the request
//! matched (`/api/v1/referrals/{id}`), never the raw path, and unmatched
//! requests share one label; the method is one of the standard ones or
//! `other`. No label ever carries an identifier or personal data.
//!
//! Locks: a request takes the read side of each family's label map (the
//! write side only the first time a method, route and status is seen),
//! increments an atomic counter, and takes the mutex of its own histogram
//! series, shared only with requests of the same method, route and status.
//! Nothing is shared by every request. The referral counts are a query:
//! they are cached and refreshed at most every [`REFRESH`], by a scrape.

use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sct_domain::WireName;
use sct_persistence::reports::StatusCount;
use sct_persistence::{Db, PoolStatus};
use std::time::{Duration, Instant};
use strum::IntoEnumIterator;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// How long the referral counts (and `sct_database_up`) are reused before a
/// scrape queries the database again.
pub const REFRESH: Duration = Duration::from_secs(5);

/// The labels of the HTTP series, in their order on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Http {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ByStatus {
    status: &'static str,
}

type Histograms = Family<Http, Histogram, fn() -> Histogram>;

/// Upper bounds of the audit batch buckets, in requests or rows.
pub const BATCH_BUCKETS: [f64; 12] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0,
];

/// The sizes of the audit writer's batches (`crate::http::audit_writer`):
/// requests and rows per insert. Clones share the series.
#[derive(Debug, Clone)]
pub struct AuditBatches {
    requests: Histogram,
    rows: Histogram,
    /// Inserts and requests so far, for [`AuditBatches::totals`].
    totals: std::sync::Arc<[std::sync::atomic::AtomicU64; 2]>,
}

impl Default for AuditBatches {
    fn default() -> Self {
        Self {
            requests: Histogram::new(BATCH_BUCKETS),
            rows: Histogram::new(BATCH_BUCKETS),
            totals: std::sync::Arc::default(),
        }
    }
}

impl AuditBatches {
    /// Records one insert of `rows` rows from `requests` requests.
    #[allow(clippy::cast_precision_loss)] // batches hold at most a few thousand
    pub fn observe(&self, requests: usize, rows: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.requests.observe(requests as f64);
        self.rows.observe(rows as f64);
        self.totals[0].fetch_add(1, Relaxed);
        self.totals[1].fetch_add(u64::try_from(requests).unwrap_or(u64::MAX), Relaxed);
    }

    /// Inserts made and requests they served so far.
    pub fn totals(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.totals[0].load(Relaxed), self.totals[1].load(Relaxed))
    }
}

/// The registry of one server (shared by its workers).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Http, Counter>,
    durations: Histograms,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    pool_waiting: Gauge,
    database_up: Gauge,
    referrals: Family<ByStatus, Gauge>,
    audit_batches: AuditBatches,
    /// When the referral counts were last read; scrapes only.
    refreshed: tokio::sync::Mutex<Option<Instant>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
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

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Metrics {
    /// A new registry with every series declared.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<Http, Counter>::default();
        let durations: Histograms =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let [pool_in_use, pool_idle, pool_max, pool_waiting, database_up] =
            std::array::from_fn(|_| Gauge::default());
        let referrals = Family::<ByStatus, Gauge>::default();
        // The registry appends `_total` to counters and a full stop to help.
        registry.register(
            "sct_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        registry.register(
            "sct_http_request_duration_seconds",
            "Time to answer HTTP requests, by method, route pattern and status",
            durations.clone(),
        );
        registry.register(
            "sct_db_pool_connections_in_use",
            "Database connections lent out to requests",
            pool_in_use.clone(),
        );
        registry.register(
            "sct_db_pool_connections_idle",
            "Open database connections not in use",
            pool_idle.clone(),
        );
        registry.register(
            "sct_db_pool_connections_max",
            "The most connections the pool opens (SCT_DB_POOL_SIZE)",
            pool_max.clone(),
        );
        registry.register(
            "sct_db_pool_waiting",
            "Requests waiting for a database connection",
            pool_waiting.clone(),
        );
        registry.register(
            "sct_database_up",
            "Whether the database answered the latest refresh (at most 5 s old)",
            database_up.clone(),
        );
        registry.register(
            "sct_referrals",
            "Referrals by current status (refreshed at most every 5 s)",
            referrals.clone(),
        );
        let audit_batches = AuditBatches::default();
        registry.register(
            "sct_audit_batch_requests",
            "Requests whose audit rows one group-commit insert stored",
            audit_batches.requests.clone(),
        );
        registry.register(
            "sct_audit_batch_rows",
            "Audit rows one group-commit insert stored",
            audit_batches.rows.clone(),
        );
        Self {
            registry,
            requests,
            durations,
            pool_in_use,
            pool_idle,
            pool_max,
            pool_waiting,
            database_up,
            referrals,
            audit_batches,
            refreshed: tokio::sync::Mutex::new(None),
        }
    }

    /// The audit writer's batch series.
    pub fn audit_batches(&self) -> AuditBatches {
        self.audit_batches.clone()
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = Http {
            method: method_label(method),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations.get_or_create(&labels).observe(seconds);
    }

    /// Sets the referral gauges from counts by status; `None` when the
    /// database did not answer (then `sct_database_up` is 0 and the referral
    /// series are absent).
    pub fn set_referrals(&self, counts: Option<&[StatusCount]>) {
        self.database_up.set(i64::from(counts.is_some()));
        let Some(counts) = counts else {
            self.referrals.clear();
            return;
        };
        for status in sct_domain::Status::iter() {
            let n = counts
                .iter()
                .find(|c| *c.status == status)
                .map_or(0, |c| c.referrals);
            self.referrals
                .get_or_create(&ByStatus {
                    status: status.as_str(),
                })
                .set(n);
        }
    }

    /// The exposition text, with the pool as it is now.
    pub fn render(&self, pool: PoolStatus) -> String {
        self.pool_in_use.set(gauge(pool.in_use()));
        self.pool_idle.set(gauge(pool.available));
        self.pool_max.set(gauge(pool.max_size));
        self.pool_waiting.set(gauge(pool.waiting));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_text::encode(&mut out, &self.registry);
        out
    }

    /// A scrape: the pool as it is now, the referral counts as read at most
    /// [`REFRESH`] ago (read again, once, by the first scrape after that).
    pub async fn scrape(&self, db: &Db) -> String {
        // Before this scrape borrows a connection of its own.
        let pool = db.status();
        self.scrape_with(pool, || async {
            match db.conn().await {
                Ok(mut conn) => sct_persistence::reports::referrals_by_status(&mut conn)
                    .await
                    .map_err(|e| log::warn!("metrics: referral counts failed: {e}"))
                    .ok(),
                Err(e) => {
                    log::warn!("metrics: the database is unavailable: {e}");
                    None
                }
            }
        })
        .await
    }

    /// A scrape that reads the referral counts with `read` when they are
    /// older than [`REFRESH`] (and only then: `/metrics` is public, so a
    /// scrape must not cost a count over every referral).
    async fn scrape_with<F, Fut>(&self, pool: PoolStatus, read: F) -> String
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<Vec<StatusCount>>>,
    {
        {
            let mut refreshed = self.refreshed.lock().await;
            if refreshed.is_none_or(|at| at.elapsed() >= REFRESH) {
                let counts = read().await;
                self.set_referrals(counts.as_deref());
                *refreshed = Some(Instant::now());
            }
        }
        self.render(pool)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sct_domain::Status;
    use sct_persistence::Wire;
    use std::collections::{BTreeMap, BTreeSet};

    fn pool() -> PoolStatus {
        PoolStatus {
            max_size: 16,
            size: 3,
            available: 1,
            waiting: 0,
        }
    }

    /// The samples of an exposition text: (series name, labels) -> value,
    /// with `le` bounds and values read as numbers (`10` and `10.0` agree).
    fn samples(text: &str) -> BTreeMap<(String, BTreeMap<String, String>), String> {
        let num = |v: &str| match v {
            "+Inf" => "+Inf".to_owned(),
            v => format!("{}", v.parse::<f64>().expect("a number")),
        };
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').expect("a value");
                let (name, labels) = match series.split_once('{') {
                    Some((name, rest)) => (name, rest.trim_end_matches('}')),
                    None => (series, ""),
                };
                let labels = labels
                    .split("\",")
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once("=\"").expect("k=\"v\"");
                        let v = v.trim_end_matches('"');
                        let v = if k == "le" { num(v) } else { v.to_owned() };
                        (k.to_owned(), v)
                    })
                    .collect();
                ((name.to_owned(), labels), num(value))
            })
            .collect()
    }

    /// Series name -> label keys.
    fn shape(text: &str) -> BTreeSet<(String, Vec<String>)> {
        samples(text)
            .into_keys()
            .map(|(name, labels)| (name, labels.into_keys().collect()))
            .collect()
    }

    /// `# TYPE` lines: family name and type.
    fn types(text: &str) -> Vec<&str> {
        let mut t: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .collect();
        t.sort_unstable();
        t
    }

    /// What the hand-written registry this module replaced rendered for the
    /// observations of `same_series_labels_and_values_as_before` (captured
    /// from it before the change).
    const BEFORE: &str = r#"# HELP sct_http_requests_total HTTP requests answered, by method, route pattern and status.
# TYPE sct_http_requests_total counter
sct_http_requests_total{method="POST",route="/api/v1/referrals",status="201"} 1
sct_http_requests_total{method="GET",route="/api/v1/referrals/{id}",status="200"} 2
sct_http_requests_total{method="other",route="unmatched",status="404"} 1
# HELP sct_http_request_duration_seconds Time to answer HTTP requests, by method, route pattern and status.
# TYPE sct_http_request_duration_seconds histogram
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.001"} 0
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.0025"} 0
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.005"} 0
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.01"} 0
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.025"} 0
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.05"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.1"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.25"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="0.5"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="1"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="2.5"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="10"} 1
sct_http_request_duration_seconds_bucket{method="POST",route="/api/v1/referrals",status="201",le="+Inf"} 1
sct_http_request_duration_seconds_sum{method="POST",route="/api/v1/referrals",status="201"} 0.04
sct_http_request_duration_seconds_count{method="POST",route="/api/v1/referrals",status="201"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.001"} 0
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.0025"} 0
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.005"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.01"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.025"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.05"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.1"} 1
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.25"} 2
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="0.5"} 2
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="1"} 2
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="2.5"} 2
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="10"} 2
sct_http_request_duration_seconds_bucket{method="GET",route="/api/v1/referrals/{id}",status="200",le="+Inf"} 2
sct_http_request_duration_seconds_sum{method="GET",route="/api/v1/referrals/{id}",status="200"} 0.203
sct_http_request_duration_seconds_count{method="GET",route="/api/v1/referrals/{id}",status="200"} 2
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.001"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.0025"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.005"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.01"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.025"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.05"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.1"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.25"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="0.5"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="1"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="2.5"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="10"} 0
sct_http_request_duration_seconds_bucket{method="other",route="unmatched",status="404",le="+Inf"} 1
sct_http_request_duration_seconds_sum{method="other",route="unmatched",status="404"} 20
sct_http_request_duration_seconds_count{method="other",route="unmatched",status="404"} 1
# HELP sct_db_pool_connections_in_use Database connections lent out to requests.
# TYPE sct_db_pool_connections_in_use gauge
sct_db_pool_connections_in_use 2
# HELP sct_db_pool_connections_idle Open database connections not in use.
# TYPE sct_db_pool_connections_idle gauge
sct_db_pool_connections_idle 1
# HELP sct_db_pool_connections_max The most connections the pool opens (SCT_DB_POOL_SIZE).
# TYPE sct_db_pool_connections_max gauge
sct_db_pool_connections_max 16
# HELP sct_db_pool_waiting Requests waiting for a database connection.
# TYPE sct_db_pool_waiting gauge
sct_db_pool_waiting 0
# HELP sct_database_up Whether the database answered this scrape.
# TYPE sct_database_up gauge
sct_database_up 1
# HELP sct_referrals Referrals by current status.
# TYPE sct_referrals gauge
sct_referrals{status="submitted"} 4
sct_referrals{status="accepted"} 0
sct_referrals{status="allocated"} 0
sct_referrals{status="active"} 0
sct_referrals{status="closed"} 2
sct_referrals{status="declined"} 0
sct_referrals{status="withdrawn"} 0
"#;

    fn counts() -> [StatusCount; 2] {
        [
            StatusCount {
                status: Wire(Status::Submitted),
                referrals: 4,
            },
            StatusCount {
                status: Wire(Status::Closed),
                referrals: 2,
            },
        ]
    }

    #[test]
    fn same_series_labels_and_values_as_before() {
        let m = Metrics::new();
        m.observe("GET", "/api/v1/referrals/{id}", 200, 0.003);
        m.observe("GET", "/api/v1/referrals/{id}", 200, 0.2);
        m.observe("POST", "/api/v1/referrals", 201, 0.04);
        m.observe("BREW", UNMATCHED, 404, 20.0);
        m.set_referrals(Some(&counts()));
        let rendered = m.render(pool());
        // The audit batch series came later (issue 18): set them aside.
        let mut after = rendered
            .lines()
            .filter(|l| !l.contains("sct_audit_batch_"))
            .collect::<Vec<_>>()
            .join("\n");
        after.push('\n');
        // The same series names with the same label keys...
        assert_eq!(shape(&after), shape(BEFORE));
        // ...the same label sets and values, and the same families and types.
        assert_eq!(samples(&after), samples(BEFORE));
        assert_eq!(types(&after), types(BEFORE));
        assert_eq!(after.lines().filter(|l| l.starts_with("# HELP")).count(), 8);
    }

    #[test]
    fn audit_batches_are_histograms_of_requests_and_rows_per_insert() {
        let m = Metrics::new();
        let batches = m.audit_batches();
        batches.observe(3, 7);
        batches.observe(1, 1);
        assert_eq!(batches.totals(), (2, 4));
        let text = m.render(pool());
        assert!(
            text.contains("# TYPE sct_audit_batch_requests histogram"),
            "{text}"
        );
        assert!(
            text.contains("sct_audit_batch_requests_sum 4.0\n"),
            "{text}"
        );
        assert!(text.contains("sct_audit_batch_rows_sum 8.0\n"), "{text}");
        assert!(text.contains("sct_audit_batch_rows_count 2\n"), "{text}");
        assert!(
            text.contains("sct_audit_batch_rows_bucket{le=\"8\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("sct_audit_batch_rows_bucket{le=\"4\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn histograms_are_cumulative_and_labels_bounded() {
        let m = Metrics::new();
        m.observe("GET", "/api/v1/referrals/{id}", 200, 0.003);
        m.observe("BREW", UNMATCHED, 404, 20.0);
        m.set_referrals(None);
        let text = m.render(pool());
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/referrals/{id}\",status=\"200\",le=\"0.005\"} 1"
        ));
        // Slower than every bound: only +Inf counts it.
        assert!(text.contains(
            "sct_http_request_duration_seconds_bucket{method=\"other\",route=\"unmatched\",status=\"404\",le=\"+Inf\"} 1"
        ));
        assert!(text.contains("sct_db_pool_connections_in_use 2\n"));
        assert!(text.contains("sct_database_up 0\n"));
        assert!(!text.contains("sct_referrals{"));
    }

    #[test]
    fn label_values_are_escaped_and_referrals_come_back_with_the_database() {
        let m = Metrics::new();
        m.observe("GET", "/a\"b", 200, 0.1);
        m.set_referrals(None);
        m.set_referrals(Some(&counts()));
        let text = m.render(pool());
        assert!(text.contains("route=\"/a\\\"b\""), "{text}");
        assert!(text.contains("sct_referrals{status=\"submitted\"} 4\n"));
        assert!(text.contains("sct_referrals{status=\"withdrawn\"} 0\n"));
        assert!(text.contains("sct_database_up 1\n"));
    }

    /// Public scrapes within [`REFRESH`] reuse the counts: one query for
    /// any number of scrapes, and the gauges hold what it read.
    #[tokio::test]
    async fn scrapes_within_the_refresh_window_do_not_count_again() {
        let m = Metrics::new();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Some(Vec::from(counts()))
        };
        let first = m.scrape_with(pool(), read).await;
        for _ in 0..50 {
            let again = m.scrape_with(pool(), read).await;
            assert_eq!(again, first);
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(first.contains("sct_referrals{status=\"submitted\"} 4\n"));
        // Once the window has passed, the next scrape reads again.
        *m.refreshed.lock().await = Instant::now().checked_sub(REFRESH);
        m.scrape_with(pool(), read).await;
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
