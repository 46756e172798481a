//! The webhook delivery worker's settings and the rules for subscription URLs.

use super::seconds;
use super::ConfigError;
use sct_domain::{PrivateAddresses, RetryPolicy};
use std::time::Duration;

/// The webhook delivery worker and the rules for subscription URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Which non-public addresses URLs may reach (`SCT_WEBHOOK_ALLOW_PRIVATE`
    /// = `none`, `loopback` or `all`; default `loopback` in development,
    /// `none` in production).
    pub allow_private: PrivateAddresses,
    /// Run the delivery worker in `sct serve` (`SCT_WEBHOOK_WORKER`, default on).
    pub worker: bool,
    /// Pause between polls of the outbox when idle (`SCT_WEBHOOK_POLL_MS`, default 1000).
    pub poll_interval: Duration,
    /// Time limit of one delivery attempt (`SCT_WEBHOOK_TIMEOUT_MS`, default 10000).
    pub timeout: Duration,
    /// Backoff: first wait `SCT_WEBHOOK_BACKOFF_BASE_MS` (default 10000),
    /// doubled up to `SCT_WEBHOOK_BACKOFF_CAP_MS` (default 3600000), at most
    /// `SCT_WEBHOOK_MAX_ATTEMPTS` attempts (default 10).
    pub retry: RetryPolicy,
    /// Consecutive failed attempts that disable a subscription
    /// (`SCT_WEBHOOK_DISABLE_AFTER`, default 20).
    pub disable_after: i32,
    /// How often each process tries the `.due` sweep (`SCT_DUE_SWEEP_SECS`,
    /// default 300); across processes one sweeps per interval.
    pub due_sweep: Duration,
}

impl WebhookSettings {
    /// The development defaults.
    pub fn development() -> Self {
        Self {
            allow_private: PrivateAddresses::AllowLoopback,
            worker: true,
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                base: Duration::from_secs(10),
                cap: Duration::from_hours(1),
                max_attempts: 10,
            },
            disable_after: 20,
            due_sweep: Duration::from_mins(5),
        }
    }

    pub(super) fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        production: bool,
    ) -> Result<Self, ConfigError> {
        let d = Self::development();
        let millis =
            |name: &'static str, default: Duration, range: std::ops::RangeInclusive<i64>| {
                let default = i64::try_from(default.as_millis()).unwrap_or(i64::MAX);
                seconds(get, name, default, range)
                    .map(|n| Duration::from_millis(u64::try_from(n).unwrap_or(0)))
            };
        let allow_private = match get("SCT_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None if production => PrivateAddresses::Refuse,
            None => d.allow_private,
            Some("none") => PrivateAddresses::Refuse,
            Some("loopback") => PrivateAddresses::AllowLoopback,
            Some("all") => PrivateAddresses::AllowAll,
            Some(other) => {
                return Err(ConfigError::Invalid(
                    "SCT_WEBHOOK_ALLOW_PRIVATE",
                    format!("{other} (use none, loopback or all)"),
                ))
            }
        };
        let worker = match get("SCT_WEBHOOK_WORKER").as_deref() {
            None | Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(other) => {
                return Err(ConfigError::Invalid(
                    "SCT_WEBHOOK_WORKER",
                    format!("{other} (use on or off)"),
                ))
            }
        };
        Ok(Self {
            allow_private,
            worker,
            poll_interval: millis("SCT_WEBHOOK_POLL_MS", d.poll_interval, 10..=60_000)?,
            timeout: millis("SCT_WEBHOOK_TIMEOUT_MS", d.timeout, 100..=120_000)?,
            retry: RetryPolicy {
                base: millis("SCT_WEBHOOK_BACKOFF_BASE_MS", d.retry.base, 10..=3_600_000)?,
                cap: millis("SCT_WEBHOOK_BACKOFF_CAP_MS", d.retry.cap, 10..=86_400_000)?,
                max_attempts: u32::try_from(seconds(
                    get,
                    "SCT_WEBHOOK_MAX_ATTEMPTS",
                    i64::from(d.retry.max_attempts),
                    1..=100,
                )?)
                .unwrap_or(d.retry.max_attempts),
            },
            disable_after: i32::try_from(seconds(
                get,
                "SCT_WEBHOOK_DISABLE_AFTER",
                i64::from(d.disable_after),
                1..=10_000,
            )?)
            .unwrap_or(d.disable_after),
            due_sweep: Duration::from_secs(
                u64::try_from(seconds(
                    get,
                    "SCT_DUE_SWEEP_SECS",
                    i64::try_from(d.due_sweep.as_secs()).unwrap_or(300),
                    1..=86_400,
                )?)
                .unwrap_or(300),
            ),
        })
    }
}
