//! Enrolments, the waiting list and enrolment actions.

use super::model::{CommunityError, EnrolmentRow};
use super::programmes::{as_u32, enrolled_count, lock_programme, promote};
use crate::schema::{programme_enrolments, programmes};
use crate::{StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::community::{self as rules, EnrolmentStatus, ProgrammeStatus};
use sct_domain::WireName;
use std::collections::HashMap;
use uuid::Uuid;

/// What a new enrolment carries.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    pub parent_carer_name: Option<String>,
    pub contact_consent: bool,
    pub referral_id: Option<Uuid>,
    pub enrolled_by: String,
    /// The adult family member enrolled (checked by the caller).
    pub family_member_id: Option<Uuid>,
}

/// Enrols a family: a place while one is free, else the waiting list. The
/// programme row is locked, so concurrent enrolments are counted one by one.
///
/// # Errors
/// `Rule(NotTakingEnrolments)`, `Store(NotFound)`.
pub async fn enrol(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    new: NewEnrolment,
    now: DateTime<Utc>,
) -> Result<EnrolmentRow, CommunityError> {
    conn.transaction(async |c| {
        let p = lock_programme(c, programme).await?;
        let status = ProgrammeStatus::parse(&p.status).unwrap_or(ProgrammeStatus::Draft);
        let enrolled = enrolled_count(c, programme).await?;
        let placed = rules::place_new_enrolment(status, as_u32(p.capacity), enrolled)?;
        let row = EnrolmentRow {
            id: Uuid::now_v7(),
            programme_id: programme,
            parent_carer_name: new.parent_carer_name,
            contact_consent: new.contact_consent,
            referral_id: new.referral_id,
            status: placed.as_str().to_owned(),
            waiting_since: (placed == EnrolmentStatus::Waiting).then_some(now),
            enrolled_at: (placed == EnrolmentStatus::Enrolled).then_some(now),
            cancelled_at: None,
            completed_at: None,
            enrolled_by: new.enrolled_by,
            version: 1,
            created_at: now,
            updated_at: now,
            family_member_id: new.family_member_id,
        };
        diesel::update(programmes::table.find(programme))
            .set(programmes::updated_at.eq(now))
            .execute(c)
            .await?;
        Ok(diesel::insert_into(programme_enrolments::table)
            .values(&row)
            .returning(EnrolmentRow::as_returning())
            .get_result(c)
            .await?)
    })
    .await
}

/// Enrolments of a programme ordered by id.
///
/// # Errors
/// Database failures.
pub async fn list_enrolments(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<EnrolmentRow>> {
    Ok(enrolments_query(programme, status, after, limit)
        .select(EnrolmentRow::as_select())
        .load(conn)
        .await?)
}

pub(crate) fn enrolments_query<'a>(
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> programme_enrolments::BoxedQuery<'a, diesel::pg::Pg> {
    let mut q = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(programme_enrolments::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(programme_enrolments::id.gt(a));
    }
    q.order(programme_enrolments::id.asc()).limit(limit)
}

/// The SQL text `list_enrolments` sends, with `$n` placeholders in bind
/// order (see `tests/e2e/indexes.rs`).
pub fn list_enrolments_sql(
    programme: Uuid,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> String {
    crate::statement_sql(
        &enrolments_query(programme, status, after, limit).select(EnrolmentRow::as_select()),
    )
}

/// One enrolment of a programme.
///
/// # Errors
/// `NotFound`.
pub async fn get_enrolment(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
) -> StoreResult<EnrolmentRow> {
    Ok(programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::id.eq(id))
        .select(EnrolmentRow::as_select())
        .first(conn)
        .await?)
}

/// Position of each waiting enrolment of a programme (1 = next).
///
/// # Errors
/// Database failures.
pub async fn waiting_positions(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
) -> StoreResult<HashMap<Uuid, i64>> {
    let ids: Vec<Uuid> = programme_enrolments::table
        .filter(programme_enrolments::programme_id.eq(programme))
        .filter(programme_enrolments::status.eq("waiting"))
        .order((
            programme_enrolments::waiting_since.asc(),
            programme_enrolments::id.asc(),
        ))
        .select(programme_enrolments::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().zip(1..).collect())
}

/// An enrolment action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentAction {
    Cancel,
    Complete,
}

/// Cancels or completes an enrolment if its version matches. Cancelling a
/// place gives it to the first family on the waiting list, in the same
/// transaction. Returns the enrolment and the ids promoted.
///
/// # Errors
/// `Stale`, `Rule(..)`, `Store(NotFound)`.
pub async fn act_on_enrolment(
    conn: &mut AsyncPgConnection,
    programme: Uuid,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    action: EnrolmentAction,
    now: DateTime<Utc>,
) -> Result<(EnrolmentRow, Vec<Uuid>), CommunityError> {
    conn.transaction(async |c| {
        let p = lock_programme(c, programme).await?;
        let current: EnrolmentRow = programme_enrolments::table
            .filter(programme_enrolments::programme_id.eq(programme))
            .filter(programme_enrolments::id.eq(id))
            .for_update()
            .select(EnrolmentRow::as_select())
            .first(c)
            .await?;
        if !expected_version.matches(current.version) {
            return Err(CommunityError::Stale);
        }
        let from = EnrolmentStatus::parse(&current.status).unwrap_or(EnrolmentStatus::Cancelled);
        let pstatus = ProgrammeStatus::parse(&p.status).unwrap_or(ProgrammeStatus::Draft);
        let to = match action {
            EnrolmentAction::Cancel => rules::cancel_enrolment(from)?,
            EnrolmentAction::Complete => rules::complete_enrolment(from, pstatus)?,
        };
        let row: EnrolmentRow = diesel::update(programme_enrolments::table.find(id))
            .set((
                programme_enrolments::status.eq(Wire(to)),
                programme_enrolments::cancelled_at
                    .eq((to == EnrolmentStatus::Cancelled).then_some(now)),
                programme_enrolments::completed_at
                    .eq((to == EnrolmentStatus::Completed).then_some(now)),
                programme_enrolments::updated_at.eq(now),
                programme_enrolments::version.eq(programme_enrolments::version + 1),
            ))
            .returning(EnrolmentRow::as_returning())
            .get_result(c)
            .await?;
        let promoted = if from == EnrolmentStatus::Enrolled
            && to == EnrolmentStatus::Cancelled
            && pstatus.takes_enrolments()
        {
            promote(c, &p, now).await?
        } else {
            Vec::new()
        };
        diesel::update(programmes::table.find(programme))
            .set(programmes::updated_at.eq(now))
            .execute(c)
            .await?;
        Ok((row, promoted))
    })
    .await
}

// ---------------------------------------------------------------- attendance
