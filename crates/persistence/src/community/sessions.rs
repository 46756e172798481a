//! A programme's dated sessions.

use super::model::{CommunityError, SessionChange, SessionRow};
use crate::schema::{programme_attendance, programme_sessions};
use crate::StoreResult;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::community::{self as rules};
use std::collections::HashMap;
use uuid::Uuid;

/// Adds a dated session to a programme.
///
/// # Errors
/// Database failures.
pub async fn add_session(
    conn: &mut AsyncPgConnection,
    row: &SessionRow,
) -> StoreResult<SessionRow> {
    Ok(diesel::insert_into(programme_sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sessions of a programme by date, then id; the cursor is (date, id).
///
/// # Errors
/// Database failures.
pub async fn list_sessions(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<SessionRow>> {
    Ok(sessions_query(programme, after, limit)
        .select(SessionRow::as_select())
        .load(conn)
        .await?)
}

pub(crate) fn sessions_query<'a>(
    programme: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> programme_sessions::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = programme_sessions::table
        .filter(programme_sessions::programme_id.eq(programme))
        .into_boxed();
    if let Some((d, id)) = after {
        q = q.filter(
            programme_sessions::session_date
                .gt(d)
                .or(programme_sessions::session_date
                    .eq(d)
                    .and(programme_sessions::id.gt(id))),
        );
    }
    q.order((
        programme_sessions::session_date.asc(),
        programme_sessions::id.asc(),
    ))
    .limit(limit)
}

/// The SQL text `list_sessions` sends, with `$n` placeholders in bind
/// order (see `tests/e2e/indexes.rs`).
pub fn list_sessions_sql(programme: Uuid, after: Option<(NaiveDate, Uuid)>, limit: i64) -> String {
    crate::statement_sql(&sessions_query(programme, after, limit).select(SessionRow::as_select()))
}

/// One session of a programme.
///
/// # Errors
/// `NotFound`.
pub async fn get_session(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
) -> StoreResult<SessionRow> {
    Ok(programme_sessions::table
        .filter(programme_sessions::programme_id.eq(programme))
        .filter(programme_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .await?)
}

/// Moves or corrects a session of a programme if its version matches. The
/// session row is locked first, and whether attendance is recorded at it is
/// read in the same transaction, so the rule of
/// [`rules::check_session_move`] sees the attendance as it stands.
///
/// # Errors
/// `Stale`, `Rule(AttendedSessionRescheduled)`, `Store(NotFound)`.
pub async fn update_session(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &SessionChange,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SessionRow, CommunityError> {
    conn.transaction(async |c| {
        let current: SessionRow = programme_sessions::table
            .filter(programme_sessions::programme_id.eq(programme))
            .filter(programme_sessions::id.eq(id))
            .select(SessionRow::as_select())
            .for_update()
            .first(c)
            .await?;
        if !expected_version.matches(current.version) {
            return Err(CommunityError::Stale);
        }
        let attended: bool = diesel::select(diesel::dsl::exists(
            programme_attendance::table.filter(programme_attendance::session_id.eq(id)),
        ))
        .get_result(c)
        .await?;
        let when = |date, starts_at, ends_at| rules::SessionTime {
            date,
            starts_at,
            ends_at,
        };
        rules::check_session_move(
            attended,
            when(current.session_date, current.starts_at, current.ends_at),
            when(change.session_date, change.starts_at, change.ends_at),
            today,
        )?;
        let row: SessionRow = diesel::update(programme_sessions::table.find(id))
            .set((
                change,
                programme_sessions::updated_at.eq(Some(now)),
                programme_sessions::version.eq(programme_sessions::version + 1),
            ))
            .returning(SessionRow::as_returning())
            .get_result(c)
            .await?;
        Ok(row)
    })
    .await
}

/// Sessions of several programmes (for the public feed's schedules).
///
/// # Errors
/// Database failures.
pub async fn sessions_of(
    conn: &mut AsyncPgConnection,
    programmes_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<SessionRow>>> {
    let rows: Vec<SessionRow> = programme_sessions::table
        .filter(programme_sessions::programme_id.eq_any(programmes_ids))
        .order((
            programme_sessions::programme_id,
            programme_sessions::session_date,
            programme_sessions::id,
        ))
        .select(SessionRow::as_select())
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<SessionRow>> = HashMap::new();
    for r in rows {
        out.entry(r.programme_id).or_default().push(r);
    }
    Ok(out)
}

// ---------------------------------------------------------------- enrolments
