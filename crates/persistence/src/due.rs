//! The `.due` events (`review.due`, `follow_up.due`): a scheduled sweep
//! emits each once, however many `sct serve` processes share the database.
//!
//! Two guards: [`claim`] lets one process sweep per interval (the `sweeps`
//! row moves on only for the first caller after the interval), and
//! [`sweep`] inserts each notice into `due_notices` (primary key: event
//! type, subject, due date) and writes the outbox event only for the rows it
//! inserted, in one transaction, so that two sweeps that race anyway (a
//! clock jump, a manual run) still emit each event once: the second waits
//! on the first's key and inserts nothing.
//!
//! Payloads carry identifiers and dates only.

use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The sweep of the `.due` events in the `sweeps` table.
pub const DUE_SWEEP: &str = "due";

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    #[allow(dead_code)]
    name: String,
}

/// Claims the sweep `name` for this process if it last ran at least
/// `min_gap_seconds` ago (by the database's clock); `false` when another
/// process ran it within the interval.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    name: &str,
    min_gap_seconds: f64,
) -> StoreResult<bool> {
    let row: Option<Claimed> = diesel::sql_query(
        "UPDATE sweeps SET last_run = now()
         WHERE name = $1 AND last_run <= now() - make_interval(secs => $2)
         RETURNING name",
    )
    .bind::<Text, _>(name)
    .bind::<Double, _>(min_gap_seconds)
    .get_result(conn)
    .await
    .optional()?;
    Ok(row.is_some())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What a sweep emitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// `review.due` events.
    pub reviews: i64,
    /// `follow_up.due` events.
    pub follow_ups: i64,
}

/// Emits `review.due` for every active referral whose review is due on or
/// before `today`, and `follow_up.due` for every unrecorded follow-up due
/// on or before `today`, each once per due date (a review moved to a later
/// date falls due again).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn sweep(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<Swept> {
    conn.transaction(async |c| {
        let reviews: Count = diesel::sql_query(
            "WITH due AS (
                 SELECT id, review_due_on FROM referrals
                 WHERE status = 'active' AND review_due_on <= $1
             ), noted AS (
                 INSERT INTO due_notices (event_type, subject_id, due_on, emitted_at)
                 SELECT 'review.due', id, review_due_on, $2 FROM due
                 ON CONFLICT DO NOTHING
                 RETURNING subject_id, due_on
             ), ev AS (
                 INSERT INTO outbox_events
                     (id, event_type, school_urn, subject_id, data, occurred_at, team_id)
                 SELECT gen_random_uuid(), 'review.due', r.school_urn, r.id,
                        jsonb_build_object('referral_id', r.id, 'team_id', r.team_id,
                                           'worker_id', r.worker_id, 'review_due_on', n.due_on),
                        $2, r.team_id
                 FROM noted n JOIN referrals r ON r.id = n.subject_id
                 ORDER BY n.due_on, r.id
                 RETURNING 1
             )
             SELECT count(*) AS n FROM ev",
        )
        .bind::<Date, _>(today)
        .bind::<Timestamptz, _>(now)
        .get_result(c)
        .await?;
        // The event's subject is the referral (deliveries of one referral
        // keep their order); the follow-up is named in the payload.
        let follow_ups: Count = diesel::sql_query(
            "WITH due AS (
                 SELECT id, due_on FROM follow_ups
                 WHERE recorded_at IS NULL AND due_on <= $1
             ), noted AS (
                 INSERT INTO due_notices (event_type, subject_id, due_on, emitted_at)
                 SELECT 'follow_up.due', id, due_on, $2 FROM due
                 ON CONFLICT DO NOTHING
                 RETURNING subject_id, due_on
             ), ev AS (
                 INSERT INTO outbox_events
                     (id, event_type, school_urn, subject_id, data, occurred_at, team_id)
                 SELECT gen_random_uuid(), 'follow_up.due', r.school_urn, r.id,
                        jsonb_build_object('follow_up_id', f.id, 'referral_id', r.id,
                                           'team_id', r.team_id, 'worker_id', r.worker_id,
                                           'months', f.months, 'due_on', f.due_on),
                        $2, r.team_id
                 FROM noted n JOIN follow_ups f ON f.id = n.subject_id
                 JOIN referrals r ON r.id = f.referral_id
                 ORDER BY n.due_on, f.id
                 RETURNING 1
             )
             SELECT count(*) AS n FROM ev",
        )
        .bind::<Date, _>(today)
        .bind::<Timestamptz, _>(now)
        .get_result(c)
        .await?;
        Ok(Swept {
            reviews: reviews.n,
            follow_ups: follow_ups.n,
        })
    })
    .await
}

/// One scheduled run: sweeps when this process claims the interval;
/// `None` when another process swept within it.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn run(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    min_gap_seconds: f64,
) -> StoreResult<Option<Swept>> {
    if !claim(conn, DUE_SWEEP, min_gap_seconds).await? {
        return Ok(None);
    }
    sweep(conn, today, crate::now()).await.map(Some)
}
