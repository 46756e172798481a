//! Children across referrals: the LA's record, one per UPN, whose names,
//! date of birth and UPN change only by staff (resolving a conflict). Each
//! referral keeps its own snapshot of the child as submitted
//! (`referrals.submitted_*`), which is all a school or MIS client is shown.
//! A later referral with other names or another date of birth is linked to
//! the recorded child, which it never changes, and flagged in
//! `child_conflicts` for an la_admin to resolve; one with the same identity
//! brings the record's school details (year group, SEN) up to date with a
//! `child_history` row.

use crate::models::ChildRow;
use crate::schema::{child_conflicts, child_history, children};
use crate::store_error::store_error;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The child as the referrer describes them.
#[derive(Debug, Clone)]
pub struct NewChild {
    pub upn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub year_group: String,
    pub sen_provision: String,
    pub primary_need: Option<String>,
}

/// A row of a child's history.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = child_history)]
pub struct ChildHistoryRow {
    pub id: i64,
    pub child_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub changes: Value,
}

/// A flagged UPN conflict.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = child_conflicts)]
pub struct ConflictRow {
    pub id: Uuid,
    pub child_id: Uuid,
    pub referral_id: Uuid,
    pub status: String,
    pub recorded_date_of_birth: NaiveDate,
    pub submitted_given_name: String,
    pub submitted_family_name: String,
    pub submitted_date_of_birth: NaiveDate,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// What a submission did to the child record.
#[derive(Debug, Clone)]
pub enum ChildOutcome {
    /// A new record.
    Created,
    /// The record was there with the same details.
    Unchanged,
    /// The record was updated: `{field: {from, to}}`.
    Updated(Value),
    /// Same UPN, other names or date of birth: not merged.
    Conflict,
}

fn changes(old: &ChildRow, new: &NewChild) -> Map<String, Value> {
    let mut m = Map::new();
    let mut diff = |field: &str, from: Value, to: Value| {
        if from != to {
            m.insert(field.to_owned(), json!({"from": from, "to": to}));
        }
    };
    diff("year_group", json!(old.year_group), json!(new.year_group));
    diff(
        "sen_provision",
        json!(old.sen_provision),
        json!(new.sen_provision),
    );
    diff(
        "primary_need",
        json!(old.primary_need),
        json!(new.primary_need),
    );
    m
}

/// Finds or creates the child of a submission, inside its transaction:
/// creates the record for a new UPN; for a known one, brings its school
/// details up to date when the identity (names, date of birth) matches, or
/// leaves it alone and reports a conflict when it does not. A submission
/// never changes the identity of a recorded child.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn upsert(
    mut c: &AsyncPgConnection,
    new: &NewChild,
    now: DateTime<Utc>,
) -> StoreResult<(ChildRow, ChildOutcome)> {
    let fresh = ChildRow {
        id: Uuid::now_v7(),
        upn: new.upn.clone(),
        given_name: new.given_name.clone(),
        family_name: new.family_name.clone(),
        date_of_birth: new.date_of_birth,
        year_group: new.year_group.clone(),
        sen_provision: new.sen_provision.clone(),
        primary_need: new.primary_need.clone(),
        created_at: now,
        updated_at: now,
    };
    let inserted: Option<ChildRow> = diesel::insert_into(children::table)
        .values(&fresh)
        .on_conflict(children::upn)
        .do_nothing()
        .returning(ChildRow::as_returning())
        .get_result(&mut c)
        .await
        .optional()?;
    if let Some(row) = inserted {
        return Ok((row, ChildOutcome::Created));
    }
    // Locked, so that two referrals of one child apply their changes in turn.
    let current: ChildRow = children::table
        .filter(children::upn.eq(&new.upn))
        .for_update()
        .select(ChildRow::as_select())
        .first(&mut c)
        .await?;
    if current.date_of_birth != new.date_of_birth
        || current.given_name != new.given_name
        || current.family_name != new.family_name
    {
        return Ok((current, ChildOutcome::Conflict));
    }
    let diff = changes(&current, new);
    if diff.is_empty() {
        return Ok((current, ChildOutcome::Unchanged));
    }
    let row: ChildRow = diesel::update(children::table.find(current.id))
        .set((
            children::year_group.eq(&new.year_group),
            children::sen_provision.eq(&new.sen_provision),
            children::primary_need.eq(&new.primary_need),
            children::updated_at.eq(now),
        ))
        .returning(ChildRow::as_returning())
        .get_result(&mut c)
        .await?;
    Ok((row, ChildOutcome::Updated(Value::Object(diff))))
}

/// Records what `upsert` decided once the referral exists: a history row
/// for an update, a conflict row for a UPN conflict.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn record(
    mut c: &AsyncPgConnection,
    child: &ChildRow,
    outcome: &ChildOutcome,
    submitted: &NewChild,
    referral: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match outcome {
        ChildOutcome::Created | ChildOutcome::Unchanged => {}
        ChildOutcome::Updated(diff) => {
            diesel::insert_into(child_history::table)
                .values((
                    child_history::child_id.eq(child.id),
                    child_history::referral_id.eq(Some(referral)),
                    child_history::at.eq(now),
                    child_history::actor.eq(actor),
                    child_history::changes.eq(diff),
                ))
                .execute(&mut c)
                .await?;
        }
        ChildOutcome::Conflict => {
            diesel::insert_into(child_conflicts::table)
                .values(&ConflictRow {
                    id: Uuid::now_v7(),
                    child_id: child.id,
                    referral_id: referral,
                    status: "open".to_owned(),
                    recorded_date_of_birth: child.date_of_birth,
                    submitted_given_name: submitted.given_name.clone(),
                    submitted_family_name: submitted.family_name.clone(),
                    submitted_date_of_birth: submitted.date_of_birth,
                    resolution: None,
                    resolution_note: None,
                    resolved_by: None,
                    resolved_at: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                })
                .execute(&mut c)
                .await?;
        }
    }
    Ok(())
}

/// A conflict with the child's UPN.
pub type ConflictView = (ConflictRow, String);

/// Conflicts by id (creation order), optionally of one status.
///
/// # Errors
/// `Unavailable` or `Database`.
pub async fn list_conflicts(
    c: &mut AsyncPgConnection,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ConflictView>> {
    let mut q = child_conflicts::table
        .inner_join(children::table)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(child_conflicts::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(child_conflicts::id.gt(a));
    }
    Ok(q.order(child_conflicts::id.asc())
        .limit(limit)
        .select((ConflictRow::as_select(), children::upn))
        .load(c)
        .await?)
}

/// One conflict.
///
/// # Errors
/// `NotFound`, `Unavailable` or `Database`.
pub async fn get_conflict(c: &mut AsyncPgConnection, id: Uuid) -> StoreResult<ConflictView> {
    Ok(child_conflicts::table
        .inner_join(children::table)
        .filter(child_conflicts::id.eq(id))
        .select((ConflictRow::as_select(), children::upn))
        .first(c)
        .await?)
}

/// Why a resolution was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("the conflict has changed since it was read")]
    VersionMismatch,
    #[error("the conflict is already resolved")]
    AlreadyResolved,
    #[error(transparent)]
    Store(#[from] StoreError),
}

store_error!(ResolveError);

/// Resolves an open conflict: `keep_recorded` leaves the child as recorded;
/// `use_submitted` takes the referral's name and date of birth into the
/// record, with a history row.
///
/// # Errors
/// `VersionMismatch`, `AlreadyResolved`, or `Store`.
pub async fn resolve_conflict(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: sct_domain::VersionMatch,
    use_submitted: bool,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<ConflictView, ResolveError> {
    conn.transaction(async |c| {
        let row: ConflictRow = child_conflicts::table
            .find(id)
            .for_update()
            .select(ConflictRow::as_select())
            .first(c)
            .await?;
        if !expected_version.matches(row.version) {
            return Err(ResolveError::VersionMismatch);
        }
        if row.status != "open" {
            return Err(ResolveError::AlreadyResolved);
        }
        if use_submitted {
            let child: ChildRow = children::table
                .find(row.child_id)
                .for_update()
                .select(ChildRow::as_select())
                .first(c)
                .await?;
            let mut diff = Map::new();
            for (field, from, to) in [
                (
                    "given_name",
                    json!(child.given_name),
                    json!(row.submitted_given_name),
                ),
                (
                    "family_name",
                    json!(child.family_name),
                    json!(row.submitted_family_name),
                ),
                (
                    "date_of_birth",
                    json!(child.date_of_birth),
                    json!(row.submitted_date_of_birth),
                ),
            ] {
                if from != to {
                    diff.insert(field.to_owned(), json!({"from": from, "to": to}));
                }
            }
            diesel::update(children::table.find(child.id))
                .set((
                    children::given_name.eq(&row.submitted_given_name),
                    children::family_name.eq(&row.submitted_family_name),
                    children::date_of_birth.eq(row.submitted_date_of_birth),
                    children::updated_at.eq(now),
                ))
                .execute(c)
                .await?;
            diesel::insert_into(child_history::table)
                .values((
                    child_history::child_id.eq(child.id),
                    child_history::referral_id.eq(Some(row.referral_id)),
                    child_history::at.eq(now),
                    child_history::actor.eq(actor),
                    child_history::changes.eq(Value::Object(diff)),
                ))
                .execute(c)
                .await?;
        }
        diesel::update(child_conflicts::table.find(id))
            .set((
                child_conflicts::status.eq("resolved"),
                child_conflicts::resolution.eq(if use_submitted {
                    "use_submitted"
                } else {
                    "keep_recorded"
                }),
                child_conflicts::resolution_note.eq(note),
                child_conflicts::resolved_by.eq(actor),
                child_conflicts::resolved_at.eq(now),
                child_conflicts::updated_at.eq(now),
                child_conflicts::version.eq(child_conflicts::version + 1),
            ))
            .execute(c)
            .await?;
        Ok(get_conflict(c, id).await?)
    })
    .await
}

/// A child's history, oldest first; `NotFound` for no such child.
///
/// # Errors
/// `NotFound`, `Unavailable` or `Database`.
pub async fn history(c: &mut AsyncPgConnection, child: Uuid) -> StoreResult<Vec<ChildHistoryRow>> {
    let _: Uuid = children::table
        .find(child)
        .select(children::id)
        .first(c)
        .await?;
    Ok(child_history::table
        .filter(child_history::child_id.eq(child))
        .order(child_history::id.asc())
        .select(ChildHistoryRow::as_select())
        .load(c)
        .await?)
}

/// The ids of the children recorded under these UPNs (for the audit trail
/// of a read that names children by UPN only).
pub async fn ids_by_upn(c: &mut AsyncPgConnection, upns: &[String]) -> StoreResult<Vec<Uuid>> {
    if upns.is_empty() {
        return Ok(Vec::new());
    }
    Ok(children::table
        .filter(children::upn.eq_any(upns))
        .select(children::id)
        .load(c)
        .await?)
}
