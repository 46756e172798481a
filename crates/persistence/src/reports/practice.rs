//! `/reports/practice`: the community of practice's reach, per zone and
//! per locality, in one statement.
//!
//! A zone's row counts every practice session (community of practice and
//! group supervision) of the zone held in the period; a locality's row the
//! sessions held for that locality (`practice_sessions.locality_id`). A
//! setting is reached by a session when a member of its staff attended it,
//! or when the session was held for a locality the setting belongs to (its
//! members now: membership is not dated). A partner is reached when a
//! representative of it attended. Each is counted once per row, however
//! many sessions reached it. Every zone has a row; every locality that is
//! not retired, and a retired one with sessions in the period, has one.

use crate::StoreResult;
use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A zone's (locality fields `None`) or one locality's reach.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct PracticeReportRow {
    #[diesel(sql_type = Text)]
    pub zone_code: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub locality_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub locality_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub meetings: i64,
    #[diesel(sql_type = BigInt)]
    pub settings_reached: i64,
    #[diesel(sql_type = BigInt)]
    pub partners_reached: i64,
}

/// The statement (`$1`/`$2` the period's first and last days, `$3` the
/// zone or NULL), public so that `tests/e2e/report_plans.rs` can EXPLAIN
/// it. Sessions come from `practice_sessions (zone_id, held_on …)`, their
/// attendees from `practice_attendees (practice_session_id)`, a locality's
/// settings from `locality_schools`' key.
pub const SQL: &str = "WITH m AS (
             SELECT s.id, s.zone_id, s.locality_id
             FROM practice_sessions s
             WHERE s.held_on >= $1 AND s.held_on <= $2 AND ($3::uuid IS NULL OR s.zone_id = $3)
         ),
         reached AS (
             SELECT m.id, a.setting_urn AS urn
             FROM m JOIN practice_attendees a ON a.practice_session_id = m.id
             WHERE a.setting_urn IS NOT NULL
             UNION
             SELECT m.id, ls.school_urn
             FROM m JOIN locality_schools ls ON ls.locality_id = m.locality_id
         ),
         partnered AS (
             SELECT m.id, a.partner_id
             FROM m JOIN practice_attendees a ON a.practice_session_id = m.id
             WHERE a.partner_id IS NOT NULL
         ),
         units AS (
             SELECT z.id AS zone_id, z.code AS zone_code, NULL::uuid AS locality_id, NULL::text AS locality_name
             FROM zones z
             WHERE ($3::uuid IS NULL OR z.id = $3)
             UNION ALL
             SELECT l.zone_id, z.code, l.id, l.name
             FROM localities l JOIN zones z ON z.id = l.zone_id
             WHERE ($3::uuid IS NULL OR l.zone_id = $3)
               AND (l.retired_at IS NULL OR EXISTS (SELECT 1 FROM m WHERE m.locality_id = l.id))
         )
         SELECT u.zone_code, u.locality_id, u.locality_name,
                (SELECT count(*) FROM m
                 WHERE m.zone_id = u.zone_id
                   AND (u.locality_id IS NULL OR m.locality_id = u.locality_id)) AS meetings,
                (SELECT count(DISTINCT r.urn) FROM reached r JOIN m ON m.id = r.id
                 WHERE m.zone_id = u.zone_id
                   AND (u.locality_id IS NULL OR m.locality_id = u.locality_id)) AS settings_reached,
                (SELECT count(DISTINCT p.partner_id) FROM partnered p JOIN m ON m.id = p.id
                 WHERE m.zone_id = u.zone_id
                   AND (u.locality_id IS NULL OR m.locality_id = u.locality_id)) AS partners_reached
         FROM units u
         ORDER BY u.zone_code, u.locality_id IS NOT NULL, u.locality_name, u.locality_id";

/// Practice sessions held from `from` to `to` (inclusive) of `zone` or
/// every zone: per zone and per locality, how many, and how many distinct
/// settings and partners they reached (see the module's definition).
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn practice(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    zone: Option<Uuid>,
) -> StoreResult<Vec<PracticeReportRow>> {
    Ok(diesel::sql_query(SQL)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(zone)
        .load(conn)
        .await?)
}
