//! School support (issue 15, item 2): a team's work with a setting that is
//! not about one referred child, its dated sessions, its agreed actions and
//! its review. Reach is by zone (the team) or school (the setting's staff),
//! as for consultations.

use crate::schema::{referrals, school_support, school_support_actions, school_support_sessions};
use crate::schema::{teams, workers};
use crate::store_error::store_error;
use crate::termly::Reach;
use crate::versioned::update_versioned;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A school-support record.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_support)]
pub struct SupportRow {
    pub id: Uuid,
    pub school_urn: String,
    pub zone_id: Uuid,
    pub kind: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub indes_areas: Vec<String>,
    pub staff: serde_json::Value,
    pub cohort_year_groups: Option<Vec<String>>,
    pub cohort_size: Option<i32>,
    pub referral_ids: Vec<Uuid>,
    pub aims: Option<String>,
    pub review_outcome: Option<String>,
    pub review_summary: Option<String>,
    pub reviewed_on: Option<NaiveDate>,
    pub reviewed_by: Option<String>,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields an update may change (the school and the review stay).
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = school_support, treat_none_as_null = true)]
pub struct SupportChange {
    pub kind: String,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub indes_areas: Vec<String>,
    pub staff: serde_json::Value,
    pub cohort_year_groups: Option<Vec<String>>,
    pub cohort_size: Option<i32>,
    pub referral_ids: Vec<Uuid>,
    pub aims: Option<String>,
}

/// A dated session of a school-support record.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_support_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub support_id: Uuid,
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    pub practitioner_id: Uuid,
    pub children_count: i32,
    pub staff_count: i32,
    pub notes: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// An action agreed with the setting.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_support_actions)]
pub struct ActionRow {
    pub id: Uuid,
    pub support_id: Uuid,
    pub description: String,
    pub owner: String,
    pub owner_worker_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
    pub recorded_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields an action's update may change.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = school_support_actions, treat_none_as_null = true)]
pub struct ActionChange {
    pub description: String,
    pub owner: String,
    pub owner_worker_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

type Boxed<'a> = school_support::BoxedQuery<'a, diesel::pg::Pg>;

fn in_reach<'a>(q: Boxed<'a>, reach: &Reach) -> Boxed<'a> {
    match reach {
        Reach::All => q,
        Reach::Zone(z) => q.filter(school_support::zone_id.eq(*z)),
        Reach::Schools(urns) => q.filter(school_support::school_urn.eq_any(urns.clone())),
        Reach::Nothing => q.filter(school_support::id.is_null()),
    }
}

/// One record in reach.
///
/// # Errors
/// `NotFound` when absent or out of reach.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid, reach: &Reach) -> StoreResult<SupportRow> {
    Ok(in_reach(school_support::table.into_boxed(), reach)
        .filter(school_support::id.eq(id))
        .select(SupportRow::as_select())
        .first(conn)
        .await?)
}

/// Filters of the list.
#[derive(Debug, Clone, Default)]
pub struct SupportFilter {
    pub school_urn: Option<String>,
    pub kind: Option<String>,
    /// Records still running on or after this day.
    pub from: Option<NaiveDate>,
    /// Records started on or before this day.
    pub to: Option<NaiveDate>,
}

/// Records in reach ordered by id.
///
/// # Errors
/// Database failures.
pub async fn list(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    f: &SupportFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<SupportRow>> {
    let mut q = in_reach(school_support::table.into_boxed(), reach);
    if let Some(u) = &f.school_urn {
        q = q.filter(school_support::school_urn.eq(u.clone()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(school_support::kind.eq(k.clone()));
    }
    if let Some(d) = f.from {
        q = q.filter(
            school_support::ends_on
                .is_null()
                .or(school_support::ends_on.ge(d)),
        );
    }
    if let Some(d) = f.to {
        q = q.filter(school_support::starts_on.le(d));
    }
    if let Some(a) = after {
        q = q.filter(school_support::id.gt(a));
    }
    Ok(q.order(school_support::id.asc())
        .limit(limit)
        .select(SupportRow::as_select())
        .load(conn)
        .await?)
}

/// Records a school-support record.
///
/// # Errors
/// Database failures.
pub async fn create(conn: &mut AsyncPgConnection, row: &SupportRow) -> StoreResult<SupportRow> {
    Ok(diesel::insert_into(school_support::table)
        .values(row)
        .returning(SupportRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Changes a record if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &SupportChange,
    now: DateTime<Utc>,
) -> StoreResult<Option<SupportRow>> {
    Ok(update_versioned!(
        conn,
        school_support,
        id,
        expected_version,
        now,
        SupportRow,
        (change,)
    )?)
}

/// Why a review was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("the record changed since it was read")]
    Stale,
    #[error("the record was already reviewed")]
    AlreadyReviewed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(ReviewError);

/// The review of a record: once.
#[derive(Debug, Clone)]
pub struct Review {
    pub outcome: String,
    pub summary: String,
    pub reviewed_on: NaiveDate,
    pub reviewed_by: String,
}

/// Records the review of a record, under a lock: once, and only at the
/// version read.
///
/// # Errors
/// `AlreadyReviewed`, `Stale`, or database failures.
pub async fn review(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    r: Review,
    now: DateTime<Utc>,
) -> Result<SupportRow, ReviewError> {
    conn.transaction(async |c| {
        let row: SupportRow = school_support::table
            .find(id)
            .for_update()
            .select(SupportRow::as_select())
            .first(c)
            .await?;
        if row.review_outcome.is_some() {
            return Err(ReviewError::AlreadyReviewed);
        }
        if !expected_version.matches(row.version) {
            return Err(ReviewError::Stale);
        }
        Ok(diesel::update(school_support::table.find(id))
            .set((
                school_support::review_outcome.eq(r.outcome),
                school_support::review_summary.eq(r.summary),
                school_support::reviewed_on.eq(r.reviewed_on),
                school_support::reviewed_by.eq(r.reviewed_by),
                school_support::updated_at.eq(now),
                school_support::version.eq(school_support::version + 1),
            ))
            .returning(SupportRow::as_returning())
            .get_result(c)
            .await?)
    })
    .await
}

/// Of these referrals, those of the school.
///
/// # Errors
/// Database failures.
pub async fn referrals_of_school(
    conn: &mut AsyncPgConnection,
    urn: &str,
    ids: &[Uuid],
) -> StoreResult<Vec<Uuid>> {
    Ok(referrals::table
        .filter(referrals::id.eq_any(ids.to_vec()))
        .filter(referrals::school_urn.eq(urn))
        .select(referrals::id)
        .load(conn)
        .await?)
}

/// Whether a worker is an active member of the team of a zone.
///
/// # Errors
/// Database failures.
pub async fn worker_of_zone(
    conn: &mut AsyncPgConnection,
    worker: Uuid,
    zone: Uuid,
) -> StoreResult<bool> {
    Ok(workers::table
        .inner_join(teams::table)
        .filter(workers::id.eq(worker))
        .filter(workers::active)
        .filter(teams::zone_id.eq(zone))
        .count()
        .get_result::<i64>(conn)
        .await?
        > 0)
}

/// The sessions of a record, by date.
///
/// # Errors
/// Database failures.
pub async fn sessions(conn: &mut AsyncPgConnection, support: Uuid) -> StoreResult<Vec<SessionRow>> {
    Ok(school_support_sessions::table
        .filter(school_support_sessions::support_id.eq(support))
        .order((
            school_support_sessions::held_on.asc(),
            school_support_sessions::id.asc(),
        ))
        .limit(1000)
        .select(SessionRow::as_select())
        .load(conn)
        .await?)
}

/// Records a session.
///
/// # Errors
/// Database failures.
pub async fn add_session(
    conn: &mut AsyncPgConnection,
    row: &SessionRow,
) -> StoreResult<SessionRow> {
    Ok(diesel::insert_into(school_support_sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The actions of a record, in the order agreed.
///
/// # Errors
/// Database failures.
pub async fn actions(conn: &mut AsyncPgConnection, support: Uuid) -> StoreResult<Vec<ActionRow>> {
    Ok(school_support_actions::table
        .filter(school_support_actions::support_id.eq(support))
        .order(school_support_actions::id.asc())
        .limit(1000)
        .select(ActionRow::as_select())
        .load(conn)
        .await?)
}

/// Records an action.
///
/// # Errors
/// Database failures.
pub async fn add_action(conn: &mut AsyncPgConnection, row: &ActionRow) -> StoreResult<ActionRow> {
    Ok(diesel::insert_into(school_support_actions::table)
        .values(row)
        .returning(ActionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// One action of a record.
///
/// # Errors
/// `NotFound`.
pub async fn get_action(
    conn: &mut AsyncPgConnection,
    support: Uuid,
    id: Uuid,
) -> StoreResult<ActionRow> {
    Ok(school_support_actions::table
        .filter(school_support_actions::support_id.eq(support))
        .filter(school_support_actions::id.eq(id))
        .select(ActionRow::as_select())
        .first(conn)
        .await?)
}

/// Changes an action if its version matches.
///
/// # Errors
/// Database failures; `Ok(None)` when the version moved.
pub async fn update_action(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    change: &ActionChange,
    now: DateTime<Utc>,
) -> StoreResult<Option<ActionRow>> {
    Ok(update_versioned!(
        conn,
        school_support_actions,
        id,
        expected_version,
        now,
        ActionRow,
        (change,)
    )?)
}

/// The actions of several records.
///
/// # Errors
/// Database failures.
pub async fn actions_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> StoreResult<Vec<ActionRow>> {
    Ok(school_support_actions::table
        .filter(school_support_actions::support_id.eq_any(ids.to_vec()))
        .order(school_support_actions::id.asc())
        .select(ActionRow::as_select())
        .load(conn)
        .await?)
}
