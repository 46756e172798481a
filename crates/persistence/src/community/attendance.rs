//! Attendance at programme sessions, and lookups for the feed.

use super::model::{AttendanceRow, HubRow, SessionRow};
use crate::schema::{family_hubs, programme_attendance, programme_enrolments, programme_sessions};
use crate::store_error::store_error;
use crate::versioned::version_matches;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use uuid::Uuid;

/// Why attendance could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceError {
    #[error("enrolment {0} does not hold a place on this programme")]
    NotEnrolled(usize),
    #[error("the attendance is at version {current}")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(AttendanceError);

/// Records (or corrects) attendance at a session for families holding a
/// place (enrolled or completed), in one transaction, if the session's
/// attendance version matches `expected` (If-Match); the version moves on.
/// Returns the session's attendance and its new version.
///
/// # Errors
/// `VersionMismatch` with the current version; `NotEnrolled(index)` naming
/// the first entry that is not.
pub async fn record_attendance(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    expected: sct_domain::VersionMatch,
    entries: &[(Uuid, String)],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<AttendanceRow>, i32), AttendanceError> {
    let programme = session.programme_id;
    let session_id = session.id;
    let actor = actor.to_owned();
    let entries = entries.to_vec();
    conn.transaction(async |c| {
        let moved: Option<i32> = diesel::update(programme_sessions::table.find(session_id).filter(
            version_matches!(programme_sessions::attendance_version, expected),
        ))
        .set(programme_sessions::attendance_version.eq(programme_sessions::attendance_version + 1))
        .returning(programme_sessions::attendance_version)
        .get_result(c)
        .await
        .optional()?;
        let Some(version) = moved else {
            let current: i32 = programme_sessions::table
                .find(session_id)
                .select(programme_sessions::attendance_version)
                .first(c)
                .await?;
            return Err(AttendanceError::VersionMismatch { current });
        };
        let ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
        let holding: Vec<Uuid> = programme_enrolments::table
            .filter(programme_enrolments::programme_id.eq(programme))
            .filter(programme_enrolments::id.eq_any(&ids))
            .filter(programme_enrolments::status.eq_any(["enrolled", "completed"]))
            .select(programme_enrolments::id)
            .load(c)
            .await?;
        if let Some(i) = ids.iter().position(|id| !holding.contains(id)) {
            return Err(AttendanceError::NotEnrolled(i));
        }
        for (enrolment, status) in &entries {
            diesel::insert_into(programme_attendance::table)
                .values(&AttendanceRow {
                    session_id,
                    enrolment_id: *enrolment,
                    status: status.clone(),
                    recorded_by: actor.clone(),
                    recorded_at: now,
                })
                .on_conflict((
                    programme_attendance::session_id,
                    programme_attendance::enrolment_id,
                ))
                .do_update()
                .set((
                    programme_attendance::status.eq(status),
                    programme_attendance::recorded_by.eq(&actor),
                    programme_attendance::recorded_at.eq(now),
                ))
                .execute(c)
                .await?;
        }
        let rows = programme_attendance::table
            .filter(programme_attendance::session_id.eq(session_id))
            .order(programme_attendance::enrolment_id)
            .select(AttendanceRow::as_select())
            .load(c)
            .await?;
        Ok((rows, version))
    })
    .await
}

/// Attendance recorded at a session.
///
/// # Errors
/// Database failures.
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> StoreResult<Vec<AttendanceRow>> {
    Ok(programme_attendance::table
        .filter(programme_attendance::session_id.eq(session))
        .order(programme_attendance::enrolment_id)
        .select(AttendanceRow::as_select())
        .load(conn)
        .await?)
}

/// Hubs by id (for the public feed's locations).
///
/// # Errors
/// Database failures.
pub async fn hubs_by_id(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, HubRow>> {
    let rows: Vec<HubRow> = family_hubs::table
        .filter(family_hubs::id.eq_any(ids))
        .select(HubRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|h| (h.id, h)).collect())
}

/// The zone and team of a referral, to check it belongs to a zone's team.
///
/// # Errors
/// Database failures; `Ok(None)` for an unknown referral.
pub async fn referral_zone(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> StoreResult<Option<(Option<Uuid>, Option<Uuid>)>> {
    use crate::schema::referrals;
    Ok(referrals::table
        .find(id)
        .select((referrals::zone_id, referrals::team_id))
        .first(conn)
        .await
        .optional()?)
}
