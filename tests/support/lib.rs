//! Support for the end-to-end tests: a throwaway PostgreSQL database per
//! test, cloned from a template migrated once per migration set, and the
//! real `sct` application served on port 0 against it.
//!
//! `DATABASE_URL` names a server where the tests may create databases
//! (`make test` provides one). Every database a test creates is dropped when
//! the test ends, pass or fail.

use sct_api::app::AppContext;
use sct_api::config::Settings;
use sct_api::http::auth::{JwtKeys, TokenSpec};
use sct_domain::Role;
use sct_domain::WireName;
use sct_persistence::models::{SchoolRow, TeamRow, WorkerRow, ZoneRow};
use sct_persistence::organisation::{self as cat, NewWorker};
use sct_persistence::Db;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use uuid::Uuid;

mod assert;
pub use assert::{
    assert_field_error, assert_one_referral_per_key, assert_status, assert_unauthorized, items,
};

/// The tests' own pool for fixtures and checks: patient where the app's is
/// quick (800 ms), so that a machine busy with parallel builds and tests
/// slows a test down instead of failing it.
fn fixture_pool(url: &str, size: usize) -> Db {
    let timeouts = sct_persistence::Timeouts {
        pool: std::time::Duration::from_secs(30),
        ..sct_persistence::Timeouts::default()
    };
    Db::connect_with(url, size, &timeouts).expect("pool")
}

/// Prefix of every database the tests create (`make test` drops leftovers).
pub const DB_PREFIX: &str = "sct_test_";

/// The JWT secret of test servers.
pub const TEST_SECRET: &str = "sct-test-secret-0123456789abcdef0123456789";

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a PostgreSQL server the tests may create databases on (run `make test`)")
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base
        .split_once("://")
        .expect("DATABASE_URL is a postgres:// URL");
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    format!("{scheme}://{host}/{db}{query}")
}

/// `url` connecting as `user` with `password`.
fn with_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .expect("DATABASE_URL is a postgres:// URL");
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    format!("{scheme}://{user}:{password}@{rest}")
}

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A hash of the migration files, so a changed migration gets a new template.
fn migrations_fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut entries: Vec<_> = walk(&dir);
    entries.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in entries {
        p.to_string_lossy().hash(&mut h);
        std::fs::read(&p).unwrap_or_default().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A database that exists for one test.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin: String,
    /// Whether dropping this handle drops the database.
    owned: bool,
    /// A login role made for this database only, dropped with it.
    role: Option<String>,
}

impl TestDb {
    /// Creates a fresh, migrated database.
    pub async fn new() -> Self {
        let admin = admin_url();
        let client = admin_client(&admin).await;
        let template = format!("{DB_PREFIX}tpl_{}", migrations_fingerprint());
        client
            .execute("SELECT pg_advisory_lock(727274)", &[])
            .await
            .expect("lock");
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
            .await
            .expect("query")
            .is_some();
        if !exists {
            let building = format!("{template}_building");
            client
                .execute(
                    &format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
                    &[],
                )
                .await
                .expect("drop stale");
            client
                .execute(&format!("CREATE DATABASE \"{building}\""), &[])
                .await
                .expect("create template");
            let url = with_database(&admin, &building);
            sct_persistence::migrate(&url)
                .await
                .expect("migrate template");
            {
                let db = Db::connect(&url, 1).expect("pool");
                let mut c = db.conn().await.expect("conn");
                sct_persistence::policy::ensure_default(&mut c)
                    .await
                    .expect("policy");
            }
            client
                .execute(
                    &format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\""),
                    &[],
                )
                .await
                .expect("publish template");
        }
        let name = format!("{DB_PREFIX}{}", Uuid::new_v4().simple());
        client
            .execute(
                &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
                &[],
            )
            .await
            .expect("clone template");
        client
            .execute("SELECT pg_advisory_unlock(727274)", &[])
            .await
            .expect("unlock");
        Self {
            url: with_database(&admin, &name),
            name,
            admin,
            owned: true,
            role: None,
        }
    }

    /// Creates and migrates database `name` on another server (a private
    /// cluster of a fault test), given its admin URL.
    pub async fn create_on(admin: &str, name: &str) -> Self {
        let client = admin_client(admin).await;
        client
            .execute(&format!("CREATE DATABASE \"{name}\""), &[])
            .await
            .expect("create database");
        let url = with_database(admin, name);
        sct_persistence::migrate(&url).await.expect("migrate");
        {
            let db = Db::connect(&url, 1).expect("pool");
            let mut c = db.conn().await.expect("conn");
            sct_persistence::policy::ensure_default(&mut c)
                .await
                .expect("policy");
        }
        Self {
            url,
            name: name.to_owned(),
            admin: admin.to_owned(),
            owned: true,
            role: None,
        }
    }

    /// A fresh database set up as docs/deployment.md says for an application
    /// that runs its own migrations without being a superuser: a new login
    /// role that may create in schema `public` (which it does not own) and is
    /// a member of `sct_audit_owner` only while `sct migrate` runs. The
    /// handle's URL connects as that role; the role is dropped with the
    /// database.
    pub async fn new_as_app_role() -> Self {
        let admin = admin_url();
        let client = admin_client(&admin).await;
        let id = Uuid::new_v4().simple().to_string();
        let name = format!("{DB_PREFIX}{id}");
        let role = format!("{DB_PREFIX}app_{id}");
        let password = Uuid::new_v4().simple().to_string();
        client
            .batch_execute(&format!(
                "DO $$ BEGIN CREATE ROLE sct_audit_owner NOLOGIN; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$; \
                 CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}';"
            ))
            .await
            .expect("roles");
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("database");
        let handle = Self {
            url: with_user(&with_database(&admin, &name), &role, &password),
            name: name.clone(),
            admin: admin.clone(),
            owned: true,
            role: Some(role.clone()),
        };
        let on_db = admin_client(&with_database(&admin, &name)).await;
        on_db
            .batch_execute(&format!(
                "GRANT USAGE, CREATE ON SCHEMA public TO \"{role}\", sct_audit_owner; \
                 GRANT sct_audit_owner TO \"{role}\";"
            ))
            .await
            .expect("grants for migrating");
        sct_persistence::migrate(&handle.url)
            .await
            .expect("migrate as the application's role");
        on_db
            .batch_execute(&format!("REVOKE sct_audit_owner FROM \"{role}\";"))
            .await
            .expect("end of migration");
        {
            let db = Db::connect(&handle.url, 1).expect("pool");
            let mut c = db.conn().await.expect("conn");
            sct_persistence::policy::ensure_default(&mut c)
                .await
                .expect("policy");
        }
        handle
    }

    /// Another handle on the same database, which does not drop it (for a
    /// second server on one database).
    #[must_use]
    pub fn shared(&self) -> Self {
        Self {
            name: self.name.clone(),
            url: self.url.clone(),
            admin: self.admin.clone(),
            owned: false,
            role: None,
        }
    }

    /// Runs one SQL statement as the server's admin (for assertions and for
    /// proving that the database refuses what the API refuses).
    pub async fn sql(
        &self,
        statement: &str,
    ) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
        let client = admin_client(&self.url).await;
        client.query(statement, &[]).await
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let rows = self
            .sql(&format!("SELECT count(*) FROM {table}"))
            .await
            .expect("count");
        rows[0].get::<_, i64>(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let admin = self.admin.clone();
        let name = self.name.clone();
        let role = self.role.clone();
        // Drop may run inside the test's runtime: use a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    if let Ok((client, conn)) =
                        tokio_postgres::connect(&admin, tokio_postgres::NoTls).await
                    {
                        tokio::spawn(async move {
                            let _ = conn.await;
                        });
                        let _ = client
                            .execute(
                                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                                &[],
                            )
                            .await;
                        if let Some(role) = role {
                            let _ = client
                                .execute(&format!("DROP ROLE IF EXISTS \"{role}\""), &[])
                                .await;
                        }
                    }
                });
            }
        })
        .join();
    }
}

/// A zone with its team and workers, created for a test.
pub struct TestTeam {
    pub zone: ZoneRow,
    pub team: TeamRow,
    pub manager: WorkerRow,
    pub practitioners: Vec<WorkerRow>,
    pub schools: Vec<SchoolRow>,
}

/// The application served on a free port against a fresh database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub pool: Db,
    keys: JwtKeys,
    /// The webhook settings the app was configured with.
    pub webhooks: sct_api::config::WebhookSettings,
    handle: actix_web::dev::ServerHandle,
    urn_counter: std::sync::atomic::AtomicU32,
}

impl TestApp {
    /// Boots the app with a fresh database. The rate limit is set high
    /// enough that no test is throttled unless it asks (`spawn_with`).
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Boots the app with extra configuration variables (`SCT_...`).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        Self::spawn_on_with(TestDb::new().await, extra).await
    }

    /// Boots the app on a given database (inside a tokio runtime).
    pub async fn spawn_on(db: TestDb) -> Self {
        Self::spawn_on_with(db, &[]).await
    }

    /// Boots the app on a given database with extra configuration variables.
    pub async fn spawn_on_with(db: TestDb, extra: &[(&str, &str)]) -> Self {
        Self::spawn_with_routes(db, extra, |_| {}).await
    }

    /// Boots the app with extra routes of the test's own (registered after
    /// the API's, through every middleware), e.g. one that panics.
    pub async fn spawn_with_routes(
        db: TestDb,
        extra: &[(&str, &str)],
        routes: fn(&mut actix_web::web::ServiceConfig),
    ) -> Self {
        sct_api::features::webhooks::worker::install_crypto_provider();
        let mut vars: HashMap<&str, String> = [
            ("DATABASE_URL", db.url.clone()),
            ("SCT_JWT_SECRET", TEST_SECRET.to_owned()),
            ("SCT_RATE_LIMIT_PER_MINUTE", "600000".to_owned()),
            ("SCT_RATE_LIMIT_BURST", "100000".to_owned()),
        ]
        .into_iter()
        .collect();
        // Immediate delta sync in tests; tests/e2e/delta_sync.rs sets a horizon.
        vars.insert("SCT_SYNC_SETTLE_MS", "0".to_owned());
        for (k, v) in extra {
            vars.insert(k, (*v).to_owned());
        }
        let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("settings");
        let pool = fixture_pool(&db.url, 8);
        let keys = JwtKeys::load(&settings).expect("keys");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let srv = sct_api::app::server_with(
            AppContext {
                db: pool.clone(),
                read_db: settings
                    .database_read_url
                    .as_ref()
                    .map(|url| fixture_pool(url.expose(), 4)),
                keys: JwtKeys::load_with_jwks(&settings).await.expect("keys"),
                cors_origins: vec!["https://frontend.example".into()],
                waiting_days: sct_api::config::DEFAULT_WAITING_DAYS,
                integration: settings.integration,
                retention_closed_years: sct_api::config::DEFAULT_RETENTION_CLOSED_YEARS,
                webhooks: settings.webhooks,
                limits: settings.limits,
                public_url: settings.public_url.clone(),
                follow_ups: settings.follow_ups.clone(),
            },
            listener,
            1,
            routes,
        )
        .expect("server");
        let handle = srv.handle();
        tokio::spawn(srv);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            db,
            pool,
            keys,
            webhooks: settings.webhooks,
            handle,
            urn_counter: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// A webhook delivery worker on a pool of its own, as another `sct
    /// serve` process on the same database would run.
    pub fn webhook_worker(&self) -> sct_api::features::webhooks::worker::Worker {
        let pool = fixture_pool(&self.db.url, 2);
        sct_api::features::webhooks::worker::Worker::new(pool, self.webhooks).expect("worker")
    }

    /// A URL on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A token for a role.
    pub fn token(&self, role: Role, schools: &[&str], team: Option<Uuid>, sub: &str) -> String {
        self.keys
            .issue(&TokenSpec {
                subject: sub.to_owned(),
                role,
                name: format!("Test {}", role.as_str()),
                schools: schools.iter().map(|s| (*s).to_owned()).collect(),
                team_id: team,
                ttl_seconds: 600,
                client_version: None,
            })
            .expect("token")
    }

    /// An la_admin token.
    pub fn admin(&self) -> String {
        self.token(Role::LaAdmin, &[], None, "admin-1")
    }

    /// A school token for one URN.
    pub fn school(&self, urn: &str) -> String {
        self.token(Role::School, &[urn], None, &format!("school-{urn}"))
    }

    /// The manager token of a team.
    pub fn manager(&self, t: &TestTeam) -> String {
        self.token(Role::TeamManager, &[], Some(t.team.id), &t.manager.subject)
    }

    /// The token of a team's practitioner.
    pub fn practitioner(&self, t: &TestTeam, i: usize) -> String {
        self.token(
            Role::Practitioner,
            &[],
            Some(t.team.id),
            &t.practitioners[i].subject,
        )
    }

    /// Creates a zone with a team (operational from `opens`), a manager,
    /// practitioners with the given caps, and `schools` schools.
    pub async fn team_with(
        &self,
        code: &str,
        opens: chrono::NaiveDate,
        caps: &[i32],
        schools: usize,
    ) -> TestTeam {
        let mut c = self.pool.conn().await.expect("conn");
        let zone = cat::create_zone(&mut c, code, &format!("Zone {code}"))
            .await
            .expect("zone");
        let team = cat::create_team(&mut c, zone.id, &format!("Team {code}"), opens)
            .await
            .expect("team");
        let lower = code.to_ascii_lowercase();
        let manager = cat::create_worker(
            &mut c,
            &NewWorker {
                team: team.id,
                subject: &format!("{lower}-manager"),
                name: "Manager",
                job_role: "team_manager",
                caseload_cap: 0,
            },
        )
        .await
        .expect("manager");
        let mut practitioners = Vec::new();
        for (i, cap) in caps.iter().enumerate() {
            practitioners.push(
                cat::create_worker(
                    &mut c,
                    &NewWorker {
                        team: team.id,
                        subject: &format!("{lower}-practitioner-{i}"),
                        name: &format!("Practitioner {i}"),
                        job_role: "practitioner",
                        caseload_cap: *cap,
                    },
                )
                .await
                .expect("practitioner"),
            );
        }
        let mut rows = Vec::new();
        for _ in 0..schools {
            let n = self
                .urn_counter
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let prefix: u32 = code.bytes().map(u32::from).sum::<u32>() % 90 + 10;
            rows.push(
                cat::create_school(
                    &mut c,
                    &SchoolRow {
                        establishment_number: Some(format!("{:04}", 2000 + n)),
                        ..school_row(
                            &format!("{prefix}{n:04}"),
                            &format!("School {code} {n}"),
                            Some(zone.id),
                        )
                    },
                )
                .await
                .expect("school"),
            );
        }
        TestTeam {
            zone,
            team,
            manager,
            practitioners,
            schools: rows,
        }
    }

    /// An operational team (since 2023) with three practitioners and two schools.
    pub async fn team(&self, code: &str) -> TestTeam {
        let opens = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).expect("date");
        self.team_with(code, opens, &[3, 5, 5], 2).await
    }

    /// Sends a request with a token and optional JSON body and headers.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(reqwest::Method::GET, path, Some(token), None, &[])
            .await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.call(reqwest::Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    /// POST JSON with a token and an `Idempotency-Key`.
    pub async fn post_keyed(&self, path: &str, token: &str, key: &str, body: &Value) -> Reply {
        self.call(
            reqwest::Method::POST,
            path,
            Some(token),
            Some(body),
            &[("idempotency-key", key)],
        )
        .await
    }

    /// POST an action with If-Match.
    pub async fn act(
        &self,
        id: &str,
        action: &str,
        token: &str,
        etag: &str,
        body: &Value,
    ) -> Reply {
        self.call(
            reqwest::Method::POST,
            &format!("/api/v1/referrals/{id}/{action}"),
            Some(token),
            Some(body),
            &[("if-match", etag)],
        )
        .await
    }

    /// Submits a referral for child `n` at INDES level `level` from the
    /// team's first school; asserts it is created: `(id, etag)`.
    pub async fn submitted(&self, t: &TestTeam, n: u32, level: u8) -> (String, String) {
        let reply = self.submit(&t.schools[0].urn, &upn(n), level).await;
        assert_eq!(reply.status, 201, "body: {}", reply.text);
        (reply.id(), reply.etag())
    }

    /// Sends a request with an `If-Match` header when `etag` is given.
    pub async fn call_if_match(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        etag: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = etag.map(|e| ("if-match", e)).into_iter().collect();
        self.call(method, path, Some(token), body, &headers).await
    }

    /// PUT JSON with a token, with `If-Match` when `etag` is given.
    pub async fn put(&self, path: &str, token: &str, etag: Option<&str>, body: &Value) -> Reply {
        self.call_if_match(reqwest::Method::PUT, path, token, etag, Some(body))
            .await
    }

    /// Registers an integration client (as la_admin) for `schools`:
    /// `(client_id, client_secret, etag)`.
    pub async fn register_client(&self, schools: &[&str]) -> (String, String, String) {
        let reply = self
            .post(
                "/api/v1/integration-clients",
                &self.admin(),
                &json!({"name": "Example MIS", "schools": schools}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let id = reply.body["client_id"]
            .as_str()
            .expect("client_id")
            .to_owned();
        let secret = reply.body["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_owned();
        (id, secret, reply.etag())
    }

    /// An integration client's access token (client credentials grant,
    /// HTTP Basic).
    pub async fn client_token(&self, id: &str, secret: &str) -> String {
        let reply = self
            .form(
                "/api/v1/oauth/token",
                "grant_type=client_credentials",
                Some((id, secret)),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// POSTs a form (`application/x-www-form-urlencoded`), with HTTP Basic
    /// credentials when given: the OAuth token endpoint's way.
    pub async fn form(&self, path: &str, form: &str, basic: Option<(&str, &str)>) -> Reply {
        let mut req = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        Reply::from(req.send().await.expect("request")).await
    }

    /// POSTs raw bytes with a content type and a bearer token.
    pub async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        Reply::from(req.send().await.expect("request")).await
    }

    /// Submits a valid referral for a school and returns the reply.
    pub async fn submit(&self, urn: &str, upn: &str, level: u8) -> Reply {
        self.post(
            "/api/v1/referrals",
            &self.school(urn),
            &referral_body(urn, upn, level),
        )
        .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

/// A response with its body read.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    async fn from(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
            text,
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ETag.
    pub fn etag(&self) -> String {
        self.header("etag").expect("etag").to_owned()
    }

    /// The `id` of the body.
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("id").to_owned()
    }

    /// Asserts a problem+json answer with status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
    }
}

/// Valid UPNs with correct check letters, for distinct children.
pub fn upn(n: u32) -> String {
    let tail = format!("9262001{:02}{:03}", 26, n % 1000);
    let letter = sct_domain::Upn::check_letter(&tail).expect("tail");
    format!("{letter}{tail}")
}

/// A valid referral body.
pub fn referral_body(urn: &str, upn: &str, level: u8) -> Value {
    json!({
        "school_urn": urn,
        "child": {
            "upn": upn,
            "given_name": "Sam",
            "family_name": "Example",
            "date_of_birth": "2016-03-14",
            "year_group": "5",
            "sen_provision": "K",
            "primary_need": "SEMH"
        },
        "indes": [
            {"area": "social_emotional_mental_health", "level": level},
            {"area": "speech_and_language", "level": 2}
        ],
        "complicating_factors": ["attendance", "risk_of_exclusion"],
        "existing_plans": ["sen_support_plan"],
        "consent": {"given_by": "parent_carer", "given_on": "2026-11-20"},
        "reason": "Escalating anxiety, attendance falling"
    })
}

/// A school of LA 926, open, in `zone` (or in none), to insert directly.
pub fn school_row(urn: &str, name: &str, zone: Option<Uuid>) -> SchoolRow {
    let now = sct_persistence::now();
    SchoolRow {
        urn: urn.to_owned(),
        name: name.to_owned(),
        la_code: Some("926".into()),
        establishment_number: None,
        phase: Some("Primary".into()),
        status: "open".into(),
        postcode: None,
        zone_id: zone,
        created_at: now,
        updated_at: now,
        version: 1,
        la_name: None,
        type_name: None,
        district_code: None,
        district_name: None,
        pupil_count: None,
        open_date: None,
        close_date: None,
        missing_from_extract_at: None,
        id_scheme: "urn".into(),
        kind: "school".into(),
    }
}

/// The date `days` from today (negative: before).
pub fn days_from_today(days: i64) -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Duration::days(days)
}

/// A file under `tests/fixtures`.
pub fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// JWT claims the test servers accept (issuer, audience, ten minutes of
/// validity) for an la_admin `subject`, with `changes` applied: a `null`
/// removes the claim, any other value sets it.
pub fn jwt_claims(subject: &str, name: &str, changes: &Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "sub": subject,
        "role": "la_admin",
        "name": name,
        "iss": "sct-dev",
        "aud": "sct-api",
        "exp": now + 600,
        "nbf": now - 5,
        "iat": now,
    });
    let map = claims.as_object_mut().expect("claims object");
    for (k, v) in changes.as_object().expect("changes object") {
        if v.is_null() {
            map.remove(k);
        } else {
            map.insert(k.clone(), v.clone());
        }
    }
    claims
}

/// A PostgreSQL cluster of a test's own, in a temporary folder, that the
/// test may stop and start (fault tests must never stop the shared test
/// server). Run as the `postgres` OS user when the tests run as root, like
/// `scripts/db.sh`. Stopped and removed when dropped.
pub struct PrivateCluster {
    pub dir: std::path::PathBuf,
    pub port: u16,
    bindir: std::path::PathBuf,
}

impl PrivateCluster {
    fn command(&self, program: &str) -> std::process::Command {
        let bin = self.bindir.join(program);
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let mut cmd = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(bin);
            c
        } else {
            std::process::Command::new(bin)
        };
        // A daemon must not hold the test's output pipes open.
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    }

    /// Creates (initdb) and starts a cluster on a free port.
    pub fn start_new() -> Self {
        let bindir = std::process::Command::new("pg_config")
            .arg("--bindir")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .expect("pg_config --bindir");
        let dir = std::env::temp_dir().join(format!("sct-fault-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if root {
            let ok = std::process::Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the cluster folder to postgres");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let cluster = Self {
            dir,
            port,
            bindir: bindir.into(),
        };
        let ok = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.dir.join("data"))
            .args([
                "--username=postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "initdb of the private cluster");
        cluster.start();
        cluster
    }

    /// The admin URL.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the cluster and waits until it accepts connections.
    pub fn start(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        let ok = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pg_ctl start");
    }

    /// Stops the cluster (`fast`: open connections are terminated).
    pub fn stop(&self) {
        let ok = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "-t", "60", "-m", "fast", "stop"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "pg_ctl stop");
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-w", "-m", "immediate", "stop"])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
