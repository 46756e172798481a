//! What every handler can reach: the application state (database, settings,
//! the cached eligibility policy) and the rendered OpenAPI document.

use crate::config::IntegrationSettings;
use crate::config::WebhookSettings;
use crate::http::error::ApiError;
use sct_persistence::Db;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    /// Stores the audit rows of reads by group commit.
    pub audit: crate::http::audit_writer::AuditWriter,
    /// Default threshold of the responsiveness report, in days.
    pub waiting_days: u32,
    pub integration: IntegrationSettings,
    /// Years a child's records are kept after their last referral ended.
    pub retention_closed_years: u32,
    pub webhooks: WebhookSettings,
    /// The eligibility policy in force, cached (see [`ActivePolicy`]).
    pub policy: ActivePolicy,
    /// The public base URL (`SCT_PUBLIC_URL`), if configured.
    pub public_url: Option<String>,
    /// When a closure's follow-ups fall due.
    pub follow_ups: sct_domain::escalation::FollowUpSchedule,
    /// The hot standby's pool (`SCT_DATABASE_READ_URL`), if configured: see
    /// [`AppState::reads`].
    pub read_db: Option<Db>,
}

impl AppState {
    /// A connection for a heavy read (reports, the audit list): the
    /// standby's when one is configured and reachable, with its staleness
    /// (`ReadConn::age`); the primary's otherwise. Authorisation is never
    /// decided on it: a standby may not have seen a revocation yet.
    ///
    /// # Errors
    /// 503 when no database answers.
    pub async fn reads(&self) -> Result<sct_persistence::replica::ReadConn, ApiError> {
        Ok(sct_persistence::replica::read_conn(&self.db, self.read_db.as_ref()).await?)
    }
}

/// The eligibility policy in force, read from the database at most once per
/// [`ActivePolicy::TTL`] by each server process instead of on every
/// submission. The council publishes a new version as data (no release),
/// for today or for a later day (`/eligibility/policies/{version}/publish`).
///
/// Several `sct serve` processes share one database, so a process cannot
/// rely on being told: each re-reads the policy when its copy is older than
/// `TTL` (a version published for today screens everywhere within `TTL`;
/// the publishing process drops its copy at once), and also as soon as the
/// day comes on which a version already published takes effect (the read
/// returns that day with the policy, so a scheduled version screens from
/// the first request of its day, in every process, without waiting for the
/// TTL). Every referral records the version it was screened under.
#[derive(Debug, Default)]
pub struct ActivePolicy {
    slot: std::sync::Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    read_at: std::time::Instant,
    /// The first day on which another published version takes over.
    next_change: Option<chrono::NaiveDate>,
    policy: std::sync::Arc<sct_domain::Policy>,
}

impl ActivePolicy {
    /// How long a policy read stays in use.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        self.slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The policy in force.
    ///
    /// # Errors
    /// The database's, when the cached copy is stale and cannot be read
    /// again.
    pub async fn get(&self, db: &Db) -> Result<std::sync::Arc<sct_domain::Policy>, ApiError> {
        let now = sct_persistence::now();
        if let Some(c) = self.lock().as_ref() {
            let day_has_come = c.next_change.is_some_and(|d| now.date_naive() >= d);
            if c.read_at.elapsed() < Self::TTL && !day_has_come {
                return Ok(c.policy.clone());
            }
        }
        let mut conn = db.conn().await?;
        let (policy, next_change) = sct_persistence::policy::in_force(&mut conn, now).await?;
        let policy = std::sync::Arc::new(policy);
        *self.lock() = Some(Cached {
            read_at: std::time::Instant::now(),
            next_change,
            policy: policy.clone(),
        });
        Ok(policy)
    }

    /// Forgets the cached copy (after this process published a version).
    pub fn forget(&self) {
        *self.lock() = None;
    }
}

/// The rendered OpenAPI document, shared with the handler that serves it.
pub struct Document(pub String);
