//! PostgreSQL storage of the SCT platform.
//!
//! Diesel schema and rows, repositories that run inside the caller's
//! connection or transaction, the diesel-async connection pool used on
//! request paths, and the migrations embedded in the binary. Rows are turned
//! into domain types here and nowhere else.

pub mod appointments;
pub mod audit;
pub mod case_notes;
pub mod children;
pub mod community;
pub mod consent_hold;
pub mod consents;
pub mod consultations;
pub mod data_protection;
pub mod delivery;
pub mod due;
pub mod families;
pub mod family_assessments;
pub mod family_plans;
pub mod family_reviews;
pub mod feedback;
pub mod follow_ups;
pub mod idempotency;
pub mod integration;
pub mod localities;
pub mod lookup;
pub mod models;
pub mod organisation;
pub mod outbox;
pub(crate) mod pipeline;
pub mod policy;
pub mod referrals;
pub mod replica;
pub mod reports;
pub mod schema;
pub mod school_activity;
pub mod school_support;
pub mod schools_import;
pub mod scope;
pub mod settings_import;
pub(crate) mod store_error;
pub mod supervision;
pub mod tasks;
pub mod termly;
pub mod unit;
pub(crate) mod versioned;
pub mod waiting;
pub mod webhooks;
pub mod wire;

pub use scope::Scope;

use chrono::{DateTime, SubsecRound, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;
use thiserror::Error;

pub use diesel_async::AsyncPgConnection as Connection;
pub use wire::Wire;

/// The SQL text of a statement with `$n` placeholders in the order its
/// values are bound (what `debug_query` prints, without the list of binds),
/// so that tests can EXPLAIN the very statement a list sends (see
/// `tests/e2e/indexes.rs`).
pub(crate) fn statement_sql<Q>(q: &Q) -> String
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    let text = diesel::debug_query::<diesel::pg::Pg, _>(q).to_string();
    match text.rfind(" -- binds: ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// A failure of the storage layer, already sorted into what the caller can
/// do about it.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached or the pool is exhausted: retry later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// No row, or none in the caller's scope.
    #[error("not found")]
    NotFound,
    /// No consent for SCT involvement of the referral is in force: only its
    /// consents, its closure and its withdrawal may change it.
    #[error("no consent for SCT involvement is in force for the referral")]
    ConsentWithdrawn,
    /// A unique or foreign-key constraint refused the write.
    #[error("constraint {constraint} refused the write")]
    Constraint {
        kind: ConstraintKind,
        constraint: String,
    },
    /// Anything else: a bug or an unexpected database state.
    #[error("database error: {0}")]
    Database(DieselError),
}

/// The kind of constraint that refused a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    ForeignKey,
    Check,
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or_default().to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => StoreError::Constraint {
                        kind: ConstraintKind::Unique,
                        constraint,
                    },
                    DatabaseErrorKind::ForeignKeyViolation => StoreError::Constraint {
                        kind: ConstraintKind::ForeignKey,
                        constraint,
                    },
                    DatabaseErrorKind::CheckViolation => StoreError::Constraint {
                        kind: ConstraintKind::Check,
                        constraint,
                    },
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand => {
                        StoreError::Unavailable(info.message().to_owned())
                    }
                    DatabaseErrorKind::Unknown | DatabaseErrorKind::SerializationFailure
                        if is_transient(info.message()) =>
                    {
                        StoreError::Unavailable(info.message().to_owned())
                    }
                    _ => StoreError::Database(DieselError::DatabaseError(kind, info)),
                }
            }
            DieselError::BrokenTransactionManager => {
                StoreError::Unavailable("broken transaction".into())
            }
            other => StoreError::Database(other),
        }
    }
}

/// Messages of the server errors that mean "the database is going away,
/// starting or overloaded; retry later" (SQLSTATE 57P01-57P03, 53300,
/// 57014 statement timeout, 55P03 lock timeout, and 40001 / 57P04 when a
/// hot standby cancels a read that conflicts with the WAL it replays).
/// diesel does not expose
/// the SQLSTATE, so the server's (stable, English) messages are matched.
fn is_transient(message: &str) -> bool {
    const TRANSIENT: [&str; 10] = [
        "terminating connection due to administrator command",
        "terminating connection due to crash of another server process",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "sorry, too many clients already",
        "canceling statement due to statement timeout",
        "canceling statement due to lock timeout",
        "canceling statement due to conflict with recovery",
        "terminating connection due to conflict with recovery",
    ];
    TRANSIENT.iter().any(|t| message.starts_with(t))
}

impl From<PoolError> for StoreError {
    fn from(e: PoolError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// Result alias of this crate.
pub type StoreResult<T> = Result<T, StoreError>;

/// The request-path connection pool.
#[derive(Clone)]
pub struct Db {
    pool: Pool<AsyncPgConnection>,
}

impl Db {
    /// Builds a pool; connections are opened lazily.
    ///
    /// # Errors
    /// `Unavailable` if the pool cannot be built from the URL.
    pub fn connect(database_url: &str, max_size: usize) -> StoreResult<Self> {
        Self::connect_with(database_url, max_size, &Timeouts::default())
    }

    /// Builds a pool with explicit timeouts.
    ///
    /// # Errors
    /// `Unavailable` if the pool cannot be built from the URL.
    pub fn connect_with(
        database_url: &str,
        max_size: usize,
        timeouts: &Timeouts,
    ) -> StoreResult<Self> {
        // Fast recycling: no `SELECT 1` round trip each time a connection is
        // taken. A connection the server dropped fails its next query, which
        // answers 503, and is then discarded as broken (its client is closed).
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        let setup = format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {}",
            timeouts.statement.as_millis(),
            timeouts.lock.as_millis(),
            timeouts.idle_in_transaction.as_millis()
        );
        config.custom_setup = Box::new(move |url| {
            let setup = setup.clone();
            let url = url.to_owned();
            Box::pin(async move {
                use diesel_async::{AsyncConnection, SimpleAsyncConnection};
                let mut conn = AsyncPgConnection::establish(&url).await?;
                conn.batch_execute(&setup)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            })
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            database_url,
            config,
        );
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .wait_timeout(Some(timeouts.pool))
            .create_timeout(Some(timeouts.pool))
            .recycle_timeout(Some(timeouts.pool))
            .runtime(deadpool_runtime())
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Self { pool })
    }

    /// A pooled connection.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be reached in time.
    pub async fn conn(&self) -> StoreResult<Object<AsyncPgConnection>> {
        Ok(self.pool.get().await?)
    }

    /// The pool's size, idle connections and waiting callers, for metrics.
    pub fn status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            max_size: s.max_size,
            size: s.size,
            available: s.available,
            waiting: s.waiting,
        }
    }

    /// Whether the database answers and every embedded migration is applied.
    ///
    /// # Errors
    /// `Unavailable` when it does not answer; `Database` otherwise.
    pub async fn ready(&self) -> StoreResult<bool> {
        use diesel::sql_types::Text;
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Version {
            #[diesel(sql_type = Text)]
            version: String,
        }
        let mut conn = self.conn().await?;
        let applied: Vec<Version> = diesel::sql_query(
            "SELECT version FROM __diesel_schema_migrations ORDER BY version DESC LIMIT 1",
        )
        .load(&mut conn)
        .await?;
        Ok(applied.as_slice().first().map(|v| v.version.as_str()) == latest_migration().as_deref())
    }
}

/// How long the database may take before a request gives up with 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Waiting for a pooled connection, or opening a new one.
    pub pool: Duration,
    /// One statement (`statement_timeout`).
    pub statement: Duration,
    /// Waiting for a row lock (`lock_timeout`).
    pub lock: Duration,
    /// A transaction left idle (`idle_in_transaction_session_timeout`).
    pub idle_in_transaction: Duration,
}

impl Default for Timeouts {
    /// 800 ms for a connection (so that a stopped database answers 503
    /// within a second), 15 s per statement (`SCT_DB_STATEMENT_TIMEOUT_MS`
    /// changes it for `sct serve`), 5 s for a row lock, 30 s idle in a
    /// transaction.
    fn default() -> Self {
        Self {
            pool: Duration::from_millis(800),
            statement: Duration::from_secs(15),
            lock: Duration::from_secs(5),
            idle_in_transaction: Duration::from_secs(30),
        }
    }
}

/// A snapshot of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max_size: usize,
    /// Connections open now.
    pub size: usize,
    /// Open connections not lent out.
    pub available: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

impl PoolStatus {
    /// Connections lent out to requests.
    pub fn in_use(&self) -> usize {
        self.size.saturating_sub(self.available)
    }
}

fn deadpool_runtime() -> deadpool::Runtime {
    deadpool::Runtime::Tokio1
}

/// The version of the newest embedded migration.
pub fn latest_migration() -> Option<String> {
    use diesel::migration::MigrationSource;
    let migrations: Vec<_> = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).ok()?;
    migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
}

/// Applies pending migrations and returns their versions.
///
/// # Errors
/// `Unavailable` when the database cannot be reached, `Database` when a
/// migration fails.
pub async fn migrate(database_url: &str) -> StoreResult<Vec<String>> {
    use diesel::Connection as _;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    let url = database_url.to_owned();
    // Diesel's migration harness is synchronous: run it on a blocking thread
    // so that it works under any tokio runtime flavour.
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| StoreError::Database(DieselError::QueryBuilderError(e)))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
    .map_err(|e| StoreError::Unavailable(e.to_string()))?
}

/// The current time at the database's precision (microseconds), so that a
/// value written and read back compares equal.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Who is acting, for history and audit rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub subject: String,
    pub role: String,
    pub request_id: Option<String>,
    /// The integration client acting, if any.
    pub client_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use diesel::migration::MigrationSource;

    #[test]
    fn migration_versions_are_unique() {
        // Two folders with one version (say two branches each adding
        // `…-000002_…`) would silently skip one of them.
        let migrations =
            MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).expect("migrations");
        let mut versions: Vec<String> = migrations
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
        let n = versions.len();
        versions.sort();
        versions.dedup();
        assert_eq!(versions.len(), n, "two migrations share a version");
    }

    #[test]
    fn a_standby_cancelling_a_read_is_unavailable_not_a_bug() {
        use super::StoreError;
        use diesel::result::{DatabaseErrorKind, Error};
        let err = |kind, msg: &str| {
            StoreError::from(Error::DatabaseError(kind, Box::new(msg.to_owned())))
        };
        for (kind, msg) in [
            (
                DatabaseErrorKind::SerializationFailure,
                "canceling statement due to conflict with recovery",
            ),
            (
                DatabaseErrorKind::Unknown,
                "terminating connection due to conflict with recovery",
            ),
        ] {
            assert!(
                matches!(err(kind, msg), StoreError::Unavailable(_)),
                "{msg}"
            );
        }
        assert!(matches!(
            err(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access due to concurrent update"
            ),
            StoreError::Database(_)
        ));
    }
}
