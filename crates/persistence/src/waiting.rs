//! The waiting list's daily snapshot (`/reports/waiting`): for every complete
//! day (UTC), the referrals that waited at its end for acceptance (status
//! `submitted`) and for allocation (status `accepted`), per team and in the
//! council's triage queue (no team).
//!
//! The server takes each day once, when it starts and every hour after; a
//! day it missed is computed from `referral_history` (each referral's status
//! at the end of the day is the `to_status` of its last entry before
//! midnight). Several server processes may fill at once: each day is claimed
//! by inserting its row in `waiting_snapshot_days`, in the transaction that
//! writes its counts, so a day is written by exactly one of them.
//!
//! Limits: a referral counts under the team it is routed to now (a referral
//! re-routed later moves its past days with it), and days before the window
//! ([`BACKFILL_DAYS`]) or before the first referral are not filled.

use crate::{StoreError, StoreResult};
use chrono::{Days, NaiveDate};
use diesel::sql_types::{Array, Date, Integer, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How far back a missed day is filled in.
pub const BACKFILL_DAYS: u64 = 400;

#[derive(QueryableByName)]
struct Day {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
}

/// The complete days (up to `yesterday`, within [`BACKFILL_DAYS`] and not
/// before the first referral) that have no snapshot yet, oldest first.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn missing_days(
    conn: &mut AsyncPgConnection,
    yesterday: NaiveDate,
) -> StoreResult<Vec<NaiveDate>> {
    let earliest = yesterday
        .checked_sub_days(Days::new(BACKFILL_DAYS - 1))
        .unwrap_or(yesterday);
    let rows: Vec<Day> = diesel::sql_query(
        "SELECT d::date AS day
         FROM generate_series(
                greatest($1::date, (SELECT min(created_at AT TIME ZONE 'UTC')::date FROM referrals)),
                $2::date, interval '1 day') AS d
         WHERE EXISTS (SELECT 1 FROM referrals)
           AND NOT EXISTS (SELECT 1 FROM waiting_snapshot_days s WHERE s.day = d::date)
         ORDER BY 1",
    )
    .bind::<Date, _>(earliest)
    .bind::<Date, _>(yesterday)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.day).collect())
}

/// Takes the snapshot of every missing complete day up to `yesterday`, in
/// one transaction; answers the days this call wrote (another process may
/// have taken some of them meanwhile: those are skipped).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn fill(conn: &mut AsyncPgConnection, yesterday: NaiveDate) -> StoreResult<usize> {
    let missing = missing_days(conn, yesterday).await?;
    if missing.is_empty() {
        return Ok(0);
    }
    conn.transaction(async |c| {
        // Claim the days: a day another process has claimed is left to it.
        let claimed: Vec<Day> = diesel::sql_query(
            "INSERT INTO waiting_snapshot_days (day)
             SELECT unnest($1::date[])
             ON CONFLICT (day) DO NOTHING
             RETURNING day",
        )
        .bind::<Array<Date>, _>(&missing)
        .load(c)
        .await?;
        if claimed.is_empty() {
            return Ok::<_, StoreError>(0);
        }
        let days: Vec<NaiveDate> = claimed.into_iter().map(|d| d.day).collect();
        diesel::sql_query(
            "WITH days AS (SELECT unnest($1::date[]) AS day),
             steps AS (
                 SELECT h.referral_id, h.to_status AS status, h.at AS since,
                        lead(h.at) OVER (PARTITION BY h.referral_id ORDER BY h.at, h.id) AS until
                 FROM referral_history h
             ),
             counts AS (
                 SELECT d.day, r.team_id,
                        count(*) FILTER (WHERE s.status = 'submitted') AS acceptance,
                        count(*) FILTER (WHERE s.status = 'accepted') AS allocation
                 FROM days d
                 JOIN steps s
                   ON s.status IN ('submitted', 'accepted')
                  AND s.since < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
                  AND (s.until IS NULL OR s.until >= ((d.day + 1)::timestamp AT TIME ZONE 'UTC'))
                 JOIN referrals r ON r.id = s.referral_id
                 GROUP BY d.day, r.team_id
             ),
             slots AS (
                 SELECT d.day, t.id AS team_id, t.zone_id FROM days d CROSS JOIN teams t
                 UNION ALL
                 SELECT d.day, NULL::uuid, NULL::uuid FROM days d
             )
             INSERT INTO waiting_snapshots
                 (day, team_id, zone_id, awaiting_acceptance, awaiting_allocation)
             SELECT s.day, s.team_id, s.zone_id,
                    coalesce(c.acceptance, 0)::int, coalesce(c.allocation, 0)::int
             FROM slots s
             LEFT JOIN counts c ON c.day = s.day AND c.team_id IS NOT DISTINCT FROM s.team_id",
        )
        .bind::<Array<Date>, _>(&days)
        .execute(c)
        .await?;
        Ok(days.len())
    })
    .await
}

/// One team's (or the triage queue's) waiting counts at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct WaitingRow {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub zone_code: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub team_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team_name: Option<String>,
    #[diesel(sql_type = Integer)]
    pub awaiting_acceptance: i32,
    #[diesel(sql_type = Integer)]
    pub awaiting_allocation: i32,
}

/// The statement of [`rows`], public so that `tests/e2e/report_plans.rs`
/// can EXPLAIN it.
pub const ROWS_SQL: &str = "SELECT w.day, z.code AS zone_code, w.team_id, t.name AS team_name,
                w.awaiting_acceptance, w.awaiting_allocation
         FROM waiting_snapshots w
         LEFT JOIN teams t ON t.id = w.team_id
         LEFT JOIN zones z ON z.id = w.zone_id
         WHERE w.day BETWEEN $1 AND $2
           AND ($3::uuid IS NULL OR w.zone_id = $3)
         ORDER BY w.day, z.code NULLS LAST, t.name, w.team_id";

/// The snapshots of the days `[from, to]`, by day then zone and team; the
/// triage queue (no team) only when `zone` is `None`.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn rows(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<WaitingRow>> {
    Ok(diesel::sql_query(ROWS_SQL)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
        .load(conn)
        .await?)
}
