//! What every handler can reach: the application state (database, settings,
//! the cached eligibility policy) and the rendered OpenAPI document.

use crate::config::IntegrationSettings;
use crate::config::WebhookSettings;
use crate::http::error::ApiError;
use sct_persistence::Db;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
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
}

/// The eligibility policy in force, read from the database at most once per
/// [`ActivePolicy::TTL`] by each server process instead of on every
/// submission. The council publishes a new version as data (no release);
/// a running server screens with it within `TTL`, and every referral
/// records the version it was screened under.
#[derive(Debug, Default)]
pub struct ActivePolicy {
    slot: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<sct_domain::Policy>)>>,
}

impl ActivePolicy {
    /// How long a policy read stays in use.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    /// The policy in force.
    ///
    /// # Errors
    /// The database's, when the cached copy is older than `TTL` and cannot
    /// be read again.
    pub async fn get(&self, db: &Db) -> Result<std::sync::Arc<sct_domain::Policy>, ApiError> {
        let lock = || {
            self.slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some((at, policy)) = lock().as_ref() {
            if at.elapsed() < Self::TTL {
                return Ok(policy.clone());
            }
        }
        let mut conn = db.conn().await?;
        let policy = std::sync::Arc::new(sct_persistence::policy::active(&mut conn).await?);
        *lock() = Some((std::time::Instant::now(), policy.clone()));
        Ok(policy)
    }
}

/// The rendered OpenAPI document, shared with the handler that serves it.
pub struct Document(pub String);
