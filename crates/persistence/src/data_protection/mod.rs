//! Data protection: anonymising a child's personal data when the retention
//! period has passed (`sct retention`) or on an erasure request, and the
//! subject access bundle of everything held about a child.
//!
//! Anonymising keeps every row (so that report counts do not change) and
//! replaces what identifies the child. Where personal data is held and what
//! removes it is data, not prose: the personal-data map ([`map`]) names
//! every column, and erasure, retention anonymisation and the export are
//! driven by it ([`apply`]). `erasure_justifications` (free text that may
//! name people) is deleted by the retention job once the retention period
//! has passed since the erasure; audit rows hold identifiers only and are
//! never touched.

pub mod adults;
pub mod apply;
pub mod map;

use crate::audit::{self, AuditEventRow, NewAuditEvent};
use crate::case_notes::NoteRow;
use crate::models::{ChildRow, HistoryRow};
use crate::referrals::{self as refs, ReferralView};
use crate::schema::{case_notes, children, referral_history, referrals};
use crate::scope::Scope;
use crate::store_error::store_error;
use crate::{Actor, StoreError, StoreResult, Wire};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::{ReferralEnd, Retention, RetentionPolicy, Status};
use uuid::Uuid;

/// What anonymising one child changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anonymised {
    pub child_id: Uuid,
    pub referral_ids: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

/// The referrals of a child as the retention rule sees them, with ids.
async fn referral_ends(
    c: &mut AsyncPgConnection,
    child: Uuid,
) -> StoreResult<Vec<(Uuid, ReferralEnd)>> {
    type EndRow = (Uuid, Wire<Status>, Option<DateTime<Utc>>, DateTime<Utc>);
    let rows: Vec<EndRow> = referrals::table
        .filter(referrals::child_id.eq(child))
        .order(referrals::id.asc())
        .select((
            referrals::id,
            referrals::status,
            referrals::closed_at,
            referrals::updated_at,
        ))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, status, closed_at, updated_at)| {
            (
                id,
                ReferralEnd {
                    status: *status,
                    closed_at,
                    updated_at,
                },
            )
        })
        .collect())
}

/// Anonymises one child and their referrals, and writes one audit row per
/// changed record, inside the caller's transaction.
async fn anonymise_in_tx(
    c: &mut AsyncPgConnection,
    child: &ChildRow,
    referral_ids: &[Uuid],
    actor: &Actor,
    action: &str,
    details: &serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<Anonymised> {
    // Every mapped column of every row linked to the child, as the map
    // says (names, dates of birth, UPNs, free text, stored payloads and
    // answers); then the marks of when it was done.
    apply::anonymise(c, child, referral_ids).await?;
    diesel::update(children::table.find(child.id))
        .set((
            children::anonymised_at.eq(now),
            children::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
    diesel::update(referrals::table.filter(referrals::child_id.eq(child.id)))
        .set(referrals::anonymised_at.eq(now))
        .execute(c)
        .await?;
    diesel::update(case_notes::table.filter(case_notes::referral_id.eq_any(referral_ids)))
        .set(case_notes::anonymised_at.eq(now))
        .execute(c)
        .await?;
    let mut events = vec![NewAuditEvent::new(
        actor,
        action,
        Some(("child", child.id.to_string())),
        200,
        now,
    )
    .with_details(details.clone())];
    events.extend(referral_ids.iter().map(|r| {
        NewAuditEvent::new(actor, action, Some(("referral", r.to_string())), 200, now)
            .with_details(details.clone())
    }));
    audit::record(c, &events).await?;
    Ok(Anonymised {
        child_id: child.id,
        referral_ids: referral_ids.to_vec(),
        at: now,
    })
}

/// Children whose every referral ended before `cutoff`, not yet
/// anonymised, after `after` in id order.
async fn expired_batch(
    c: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    after: Uuid,
    limit: i64,
) -> StoreResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT c.id FROM children c \
         WHERE c.anonymised_at IS NULL AND c.id > $2 \
           AND EXISTS (SELECT 1 FROM referrals r WHERE r.child_id = c.id) \
           AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.child_id = c.id \
                AND (r.status NOT IN ('closed', 'declined', 'withdrawn') \
                     OR COALESCE(r.closed_at, r.updated_at) > $1)) \
         ORDER BY c.id LIMIT $3",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
    .bind::<diesel::sql_types::Uuid, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Counts, or deletes unless `dry_run`, the erasure justifications
/// recorded before `cutoff`.
async fn expired_justifications(
    c: &mut AsyncPgConnection,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> StoreResult<usize> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    if dry_run {
        let row: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM erasure_justifications WHERE recorded_at < $1",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
        .get_result(c)
        .await?;
        return Ok(usize::try_from(row.n).unwrap_or(0));
    }
    // A lookup's reason goes with them (not counted: it names no child).
    diesel::sql_query("DELETE FROM child_lookups WHERE looked_up_at < $1")
        .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
        .execute(c)
        .await?;
    Ok(
        diesel::sql_query("DELETE FROM erasure_justifications WHERE recorded_at < $1")
            .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
            .execute(c)
            .await?,
    )
}

/// What a retention run found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Children past retention (anonymised, unless a dry run).
    pub children: usize,
    /// Their referrals.
    pub referrals: usize,
    /// Erasure justifications recorded before the cutoff (deleted, unless a
    /// dry run).
    pub justifications: usize,
    pub dry_run: bool,
}

/// Anonymises every child past retention, one transaction per child, each
/// re-checked under a row lock and audited in its transaction. A dry run
/// only counts.
///
/// # Errors
/// Storage failures (children done before the failure stay done).
pub async fn run_retention(
    c: &mut AsyncPgConnection,
    policy: RetentionPolicy,
    now: DateTime<Utc>,
    dry_run: bool,
    actor: &Actor,
) -> StoreResult<RetentionReport> {
    let cutoff = policy.cutoff(now);
    let mut report = RetentionReport {
        dry_run,
        ..RetentionReport::default()
    };
    let mut after = Uuid::nil();
    let details = serde_json::json!({
        "retention_closed_years": policy.closed_years,
        "cutoff": cutoff,
    });
    report.justifications = expired_justifications(c, cutoff, dry_run).await?;
    loop {
        let batch = expired_batch(c, cutoff, after, 500).await?;
        let Some(batch_end) = batch.last() else {
            break;
        };
        after = *batch_end;
        for child in batch {
            if dry_run {
                let ends = referral_ends(c, child).await?;
                if policy.assess(&ends.iter().map(|e| e.1).collect::<Vec<_>>(), now)
                    == Retention::Expired
                {
                    report.children += 1;
                    report.referrals += ends.len();
                }
                continue;
            }
            let done = c
                .transaction(async |t| {
                    let row: ChildRow = children::table
                        .find(child)
                        .filter(children::anonymised_at.is_null())
                        .for_update()
                        .select(ChildRow::as_select())
                        .first(t)
                        .await?;
                    let ends = referral_ends(t, child).await?;
                    let list: Vec<ReferralEnd> = ends.iter().map(|e| e.1).collect();
                    if policy.assess(&list, now) != Retention::Expired {
                        return Ok::<_, StoreError>(None);
                    }
                    let ids: Vec<Uuid> = ends.iter().map(|e| e.0).collect();
                    anonymise_in_tx(t, &row, &ids, actor, "retention_anonymise", &details, now)
                        .await
                        .map(Some)
                })
                .await;
            match done {
                Ok(Some(a)) => {
                    report.children += 1;
                    report.referrals += a.referral_ids.len();
                }
                // Changed since the batch was read: no longer expired.
                Ok(None) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(report)
}

/// Why an erasure was refused.
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("not found")]
    NotFound,
    #[error("the child's records were already anonymised")]
    AlreadyErased(DateTime<Utc>),
    #[error("a legal retention applies")]
    RetentionApplies(Retention),
    #[error(transparent)]
    Store(StoreError),
}

store_error!(ErasureError, not_found);

/// An erasure request.
#[derive(Debug, Clone)]
pub struct ErasureRequest<'a> {
    pub child: Uuid,
    pub actor: &'a Actor,
    /// Erase although a retention applies.
    pub override_retention: bool,
    /// Why (required with an override). Kept in `erasure_justifications`,
    /// which the audit rows name by id.
    pub justification: Option<String>,
    pub policy: RetentionPolicy,
    pub now: DateTime<Utc>,
}

/// What an erasure did and why it was allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub done: Anonymised,
    /// The retention that applied and was overridden, if any.
    pub overridden: Option<Retention>,
}

/// Erases (anonymises) a child's personal data in one transaction with its
/// audit rows, unless a retention applies and is not overridden.
///
/// # Errors
/// `NotFound`, `AlreadyErased`, `RetentionApplies`, or a storage failure.
pub async fn erase(
    c: &mut AsyncPgConnection,
    req: &ErasureRequest<'_>,
) -> Result<Erased, ErasureError> {
    c.transaction(async |t| {
        let row: ChildRow = children::table
            .find(req.child)
            .for_update()
            .select(ChildRow::as_select())
            .first(t)
            .await?;
        let anonymised: Option<DateTime<Utc>> = children::table
            .find(req.child)
            .select(children::anonymised_at)
            .first(t)
            .await?;
        if let Some(at) = anonymised {
            return Err(ErasureError::AlreadyErased(at));
        }
        let ends = referral_ends(t, req.child).await?;
        let list: Vec<ReferralEnd> = ends.iter().map(|e| e.1).collect();
        let retention = req.policy.assess(&list, req.now);
        let overridden = match retention {
            Retention::Expired => None,
            held if req.override_retention => Some(held),
            held => return Err(ErasureError::RetentionApplies(held)),
        };
        let justification_id = match &req.justification {
            Some(text) => {
                let id = Uuid::now_v7();
                diesel::sql_query(
                    "INSERT INTO erasure_justifications (id, child_id, justification, recorded_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind::<diesel::sql_types::Uuid, _>(id)
                .bind::<diesel::sql_types::Uuid, _>(req.child)
                .bind::<diesel::sql_types::Text, _>(text)
                .bind::<diesel::sql_types::Timestamptz, _>(req.now)
                .execute(t)
                .await?;
                Some(id)
            }
            None => None,
        };
        let details = serde_json::json!({
            "override": overridden.is_some(),
            "justification_id": justification_id,
            "retention": match overridden {
                Some(Retention::Open) => serde_json::json!("open_referral"),
                Some(Retention::HeldUntil(until)) => serde_json::json!({ "held_until": until }),
                _ => serde_json::json!("expired"),
            },
        });
        let ids: Vec<Uuid> = ends.iter().map(|e| e.0).collect();
        let done =
            anonymise_in_tx(t, &row, &ids, req.actor, "erase_child", &details, req.now).await?;
        Ok(Erased { done, overridden })
    })
    .await
}

/// At most this many audit rows in an export (the latest).
pub const EXPORT_ACCESS_ROWS: i64 = 2000;

/// Everything held about a child.
#[derive(Debug, Clone)]
pub struct ChildExport {
    pub child: ChildRow,
    pub anonymised_at: Option<DateTime<Utc>>,
    pub referrals: Vec<ReferralView>,
    pub history: Vec<HistoryRow>,
    /// The case notes of the child's referrals, oldest first (at most
    /// [`apply::EXPORT_ROWS_PER_TABLE`]).
    pub notes: Vec<NoteRow>,
    /// The latest [`EXPORT_ACCESS_ROWS`] audit rows about the child or any
    /// of their referrals, oldest first.
    pub access: Vec<AuditEventRow>,
    /// There were more audit rows than `access` shows (the audit log has
    /// them all, by `subject_id`).
    pub access_truncated: bool,
    /// Every column of the personal-data map about the child or their
    /// family, table by table (bounded per table).
    pub held: Vec<apply::HeldTable>,
}

/// The subject access bundle of a child.
///
/// # Errors
/// `NotFound`, or a storage failure.
pub async fn export(c: &mut AsyncPgConnection, child: Uuid) -> StoreResult<ChildExport> {
    let (row, anonymised_at): (ChildRow, Option<DateTime<Utc>>) = children::table
        .find(child)
        .select((ChildRow::as_select(), children::anonymised_at))
        .first(c)
        .await?;
    let ids: Vec<Uuid> = referrals::table
        .filter(referrals::child_id.eq(child))
        .order((referrals::created_at.asc(), referrals::id.asc()))
        .select(referrals::id)
        .load(c)
        .await?;
    let mut views = Vec::with_capacity(ids.len());
    for id in &ids {
        views.push(refs::load(c, *id, &Scope::All).await?);
    }
    let history: Vec<HistoryRow> = referral_history::table
        .filter(referral_history::referral_id.eq_any(&ids))
        .order(referral_history::id.asc())
        .select(HistoryRow::as_select())
        .load(c)
        .await?;
    let notes = crate::case_notes::of_referrals(c, &ids, apply::EXPORT_ROWS_PER_TABLE).await?;
    let mut subjects: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    subjects.push(child.to_string());
    let mut access = audit::for_subjects(c, &subjects, EXPORT_ACCESS_ROWS + 1).await?;
    let access_truncated = access.len() > usize::try_from(EXPORT_ACCESS_ROWS).unwrap_or(0);
    if access_truncated {
        access.remove(0);
    }
    let held = apply::held(c, &row).await?;
    Ok(ChildExport {
        child: row,
        anonymised_at,
        referrals: views,
        history,
        notes,
        access,
        access_truncated,
        held,
    })
}
