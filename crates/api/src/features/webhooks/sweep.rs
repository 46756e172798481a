//! The scheduled sweep of the `.due` events (`review.due`,
//! `follow_up.due`): every process runs it on a timer; the database lets
//! one of them sweep per interval and emits each event once
//! (`sct_persistence::due`).

use sct_persistence::Db;
use std::time::Duration;

/// The least time between two sweeps across processes: a little under the
/// interval, so that a process's own next tick is never refused for a few
/// milliseconds of drift.
pub fn min_gap(interval: Duration) -> Duration {
    interval.mul_f64(0.9)
}

/// Today's date for due dates (UTC, as the referral rules compute them).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// One tick: sweeps if this process wins the interval.
///
/// # Errors
/// When the database fails.
pub async fn tick(
    db: &Db,
    interval: Duration,
) -> Result<Option<sct_persistence::due::Swept>, sct_persistence::StoreError> {
    let mut c = db.conn().await?;
    sct_persistence::due::run(&mut c, today(), min_gap(interval).as_secs_f64()).await
}

/// Starts the sweep on a tokio task, trying every `interval`
/// (`SCT_DUE_SWEEP_SECS`).
pub fn spawn(db: Db, interval: Duration) {
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(interval);
        loop {
            timer.tick().await;
            match tick(&db, interval).await {
                Ok(Some(s)) if s.reviews + s.follow_ups > 0 => log::info!(
                    target: "webhooks",
                    "due sweep: {} review(s) and {} follow-up(s) fell due",
                    s.reviews,
                    s.follow_ups
                ),
                Ok(_) => {}
                Err(e) => log::warn!(target: "webhooks", "due sweep failed: {e}"),
            }
        }
    });
}
