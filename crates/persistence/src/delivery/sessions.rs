//! Sessions delivered for referrals, individual or group, with attendance.

use super::interventions::get_intervention;
use super::plans::status_of;
use sct_domain::WireName;

use crate::schema::{delivery_sessions, session_attendance};
use crate::scope::{lock_in_scope, Scope};
use crate::store_error::store_error;
use crate::{Actor, StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::may_record_delivery;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = delivery_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub team_id: Uuid,
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub format: String,
    pub duration_minutes: i32,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = session_attendance)]
pub struct AttendanceRow {
    pub session_id: Uuid,
    pub referral_id: Uuid,
    pub status: String,
    pub child_attended: bool,
    pub parent_carer_attended: bool,
    pub school_staff_attended: bool,
    pub held_on: NaiveDate,
}

/// A session with the attendance of every referral it covered.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub session: SessionRow,
    pub attendance: Vec<AttendanceRow>,
}

/// One referral's part in a session being recorded.
#[derive(Debug, Clone)]
pub struct Participant {
    pub referral_id: Uuid,
    pub status: String,
    pub child: bool,
    pub parent_carer: bool,
    pub school_staff: bool,
}

/// A session to record.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub held_on: NaiveDate,
    pub intervention_id: Option<Uuid>,
    pub format: String,
    pub duration_minutes: i32,
    pub notes: Option<String>,
}

/// How a participant's referral was refused: `index` is its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantProblem {
    /// Unknown or outside the caller's scope.
    NotFound,
    /// Not active.
    NotOpen(&'static str),
    /// Of another team than the first participant's.
    OtherTeam,
    /// Listed twice.
    Duplicate,
}

/// Why a session was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("participant {index} refused")]
    Participant {
        index: usize,
        problem: ParticipantProblem,
    },
    #[error("no such intervention")]
    UnknownIntervention,
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(SessionError);

/// Records a session for its participants (one for an individual session,
/// several of one team for a group), in one transaction.
pub async fn record_session(
    conn: &mut AsyncPgConnection,
    new: NewSession,
    participants: Vec<Participant>,
    scope: &Scope,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<SessionView, SessionError> {
    conn.transaction(async |c| {
        let mut team: Option<Uuid> = None;
        for (index, p) in participants.iter().enumerate() {
            let refuse = |problem| SessionError::Participant { index, problem };
            if participants[..index]
                .iter()
                .any(|o| o.referral_id == p.referral_id)
            {
                return Err(refuse(ParticipantProblem::Duplicate));
            }
            let row = match lock_in_scope(c, p.referral_id, scope).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => return Err(refuse(ParticipantProblem::NotFound)),
                Err(e) => return Err(e.into()),
            };
            let status = status_of(&row.status)?;
            if !may_record_delivery(status) {
                return Err(refuse(ParticipantProblem::NotOpen(status.as_str())));
            }
            let Some(t) = row.team_id else {
                return Err(refuse(ParticipantProblem::NotFound));
            };
            match team {
                None => team = Some(t),
                Some(first) if first != t => return Err(refuse(ParticipantProblem::OtherTeam)),
                Some(_) => {}
            }
        }
        if let Some(i) = new.intervention_id {
            match get_intervention(c, i).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => return Err(SessionError::UnknownIntervention),
                Err(e) => return Err(e.into()),
            }
        }
        let session = SessionRow {
            id: Uuid::now_v7(),
            team_id: team.ok_or(SessionError::Participant {
                index: 0,
                problem: ParticipantProblem::NotFound,
            })?,
            held_on: new.held_on,
            intervention_id: new.intervention_id,
            format: new.format,
            duration_minutes: new.duration_minutes,
            notes: new.notes,
            recorded_by: actor.subject.clone(),
            created_at: now,
            version: 1,
        };
        diesel::insert_into(delivery_sessions::table)
            .values(&session)
            .execute(c)
            .await?;
        let attendance: Vec<AttendanceRow> = participants
            .into_iter()
            .map(|p| AttendanceRow {
                session_id: session.id,
                referral_id: p.referral_id,
                status: p.status,
                child_attended: p.child,
                parent_carer_attended: p.parent_carer,
                school_staff_attended: p.school_staff,
                held_on: session.held_on,
            })
            .collect();
        diesel::insert_into(session_attendance::table)
            .values(&attendance)
            .execute(c)
            .await?;
        Ok(SessionView {
            session,
            attendance,
        })
    })
    .await
}

/// A session as one referral sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralSession {
    pub session: SessionRow,
    pub attendance: AttendanceRow,
    /// How many referrals the session covered.
    pub participants: i64,
}

/// A referral's sessions, newest first, keyset (held_on, session id) descending.
pub async fn list_sessions(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<ReferralSession>> {
    let rows: Vec<AttendanceRow> = sessions_query(referral, before, limit)
        .select(AttendanceRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.session_id).collect();
    let sessions: Vec<SessionRow> = delivery_sessions::table
        .filter(delivery_sessions::id.eq_any(&ids))
        .select(SessionRow::as_select())
        .load(c)
        .await?;
    let counts: Vec<(Uuid, i64)> = session_attendance::table
        .filter(session_attendance::session_id.eq_any(&ids))
        .group_by(session_attendance::session_id)
        .select((session_attendance::session_id, diesel::dsl::count_star()))
        .load(c)
        .await?;
    rows.into_iter()
        .map(|a| {
            let session = sessions
                .iter()
                .find(|s| s.id == a.session_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
            let participants = counts
                .iter()
                .find(|(id, _)| *id == a.session_id)
                .map_or(1, |(_, n)| *n);
            Ok(ReferralSession {
                session,
                attendance: a,
                participants,
            })
        })
        .collect()
}

/// A session with all its attendance rows.
pub async fn get_session(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<SessionView> {
    let session: SessionRow = delivery_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(c)
        .await?;
    let attendance: Vec<AttendanceRow> = session_attendance::table
        .filter(session_attendance::session_id.eq(id))
        .order(session_attendance::referral_id.asc())
        .select(AttendanceRow::as_select())
        .load(c)
        .await?;
    Ok(SessionView {
        session,
        attendance,
    })
}

pub(crate) fn sessions_query<'a>(
    referral: Uuid,
    before: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> session_attendance::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = session_attendance::table
        .filter(session_attendance::referral_id.eq(referral))
        .into_boxed();
    if let Some((d, id)) = before {
        q = q.filter(
            session_attendance::held_on
                .lt(d)
                .or(session_attendance::held_on
                    .eq(d)
                    .and(session_attendance::session_id.lt(id))),
        );
    }
    q.order((
        session_attendance::held_on.desc(),
        session_attendance::session_id.desc(),
    ))
    .limit(limit)
}

/// The SQL text `list_sessions` sends for its page of a referral's
/// attendance, with `$n` placeholders in bind order (see
/// `tests/e2e/indexes.rs`).
pub fn list_sessions_sql(referral: Uuid, before: Option<(NaiveDate, Uuid)>, limit: i64) -> String {
    crate::statement_sql(
        &sessions_query(referral, before, limit).select(AttendanceRow::as_select()),
    )
}
