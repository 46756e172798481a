//! Co-working (docs/adr/0007-practitioner-scope.md): a team manager adds a
//! worker of the referral's team beside its allocated worker, or removes
//! them, under the referral's row lock and version, with history, audit and
//! outbox rows in the same transaction.

use super::read::views;
use super::submit::{event_data, insert_history, ReferralView};
use crate::audit::NewAuditEvent;
use crate::models::{ReferralRow, WorkerRow};
use crate::schema::{referral_co_workers, referrals, workers};
use crate::scope::{in_scope, Scope};
use crate::store_error::store_error;
use crate::{outbox, Actor, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::delivery::may_add_co_worker;
use sct_domain::WireName;
use sct_domain::{EventType, Status};
use serde_json::json;
use uuid::Uuid;

/// A change of a referral's co-workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoWorkerChange {
    Add(Uuid),
    Remove(Uuid),
}

impl CoWorkerChange {
    /// The history action and the audit action.
    pub fn action(self) -> &'static str {
        match self {
            Self::Add(_) => "add_co_worker",
            Self::Remove(_) => "remove_co_worker",
        }
    }

    fn worker(self) -> Uuid {
        match self {
            Self::Add(w) | Self::Remove(w) => w,
        }
    }
}

/// Why a change of co-workers was refused.
#[derive(Debug, thiserror::Error)]
pub enum CoWorkerError {
    /// The referral is unknown or out of scope, or (on removal) the worker
    /// is not a current co-worker of it.
    #[error("not found")]
    NotFound,
    #[error("the referral has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error("the referral is {0}: co-workers join accepted, allocated or active referrals")]
    NotOpen(&'static str),
    #[error("no such worker in the referral's team")]
    NotInTeam,
    #[error("the worker is deactivated")]
    Inactive,
    #[error("the worker is the referral's allocated worker")]
    Allocated,
    #[error("the worker already co-works the referral")]
    Already,
    #[error(transparent)]
    Store(StoreError),
}

store_error!(CoWorkerError, not_found);

/// Ends current co-working of a referral, by every worker or by one, as of
/// `now` (a redirect to another team, an allocation to the co-worker).
pub(crate) async fn end_co_working(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    worker: Option<Uuid>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, diesel::result::Error> {
    let mut q = diesel::update(referral_co_workers::table)
        .filter(referral_co_workers::referral_id.eq(referral))
        .filter(referral_co_workers::removed_at.is_null())
        .into_boxed();
    if let Some(w) = worker {
        q = q.filter(referral_co_workers::worker_id.eq(w));
    }
    q.set((
        referral_co_workers::removed_at.eq(now),
        referral_co_workers::removed_by.eq(&actor.subject),
    ))
    .execute(c)
    .await
}

/// Adds or removes a co-worker of a referral if its version matches.
pub async fn change_co_workers(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    change: CoWorkerChange,
    scope: &Scope,
    expected_version: sct_domain::VersionMatch,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReferralView, CoWorkerError> {
    conn.transaction(async |c| {
        let mut row: ReferralRow = referrals::table
            .find(id)
            .for_update()
            .select(ReferralRow::as_select())
            .first(c)
            .await?;
        if !in_scope(c, &row, scope).await? {
            return Err(CoWorkerError::NotFound);
        }
        if !expected_version.matches(row.version) {
            return Err(CoWorkerError::VersionMismatch {
                current: row.version,
            });
        }
        crate::consent_hold::require_involvement(c, row.id).await?;
        let status = Status::parse(&row.status).unwrap_or(Status::Closed);
        let worker = change.worker();
        match change {
            CoWorkerChange::Add(_) => {
                if !may_add_co_worker(status) {
                    return Err(CoWorkerError::NotOpen(status.as_str()));
                }
                let w: Option<WorkerRow> = workers::table
                    .find(worker)
                    .select(WorkerRow::as_select())
                    .first(c)
                    .await
                    .optional()?;
                let w = match w {
                    Some(w) if Some(w.team_id) == row.team_id => w,
                    _ => return Err(CoWorkerError::NotInTeam),
                };
                if !w.active {
                    return Err(CoWorkerError::Inactive);
                }
                if row.worker_id == Some(w.id) {
                    return Err(CoWorkerError::Allocated);
                }
                if crate::scope::co_works(c, row.id, w.id).await? {
                    return Err(CoWorkerError::Already);
                }
                diesel::insert_into(referral_co_workers::table)
                    .values((
                        referral_co_workers::id.eq(Uuid::now_v7()),
                        referral_co_workers::referral_id.eq(row.id),
                        referral_co_workers::worker_id.eq(w.id),
                        referral_co_workers::added_at.eq(now),
                        referral_co_workers::added_by.eq(&actor.subject),
                    ))
                    .execute(c)
                    .await?;
            }
            CoWorkerChange::Remove(_) => {
                if end_co_working(c, row.id, Some(worker), actor, now).await? == 0 {
                    return Err(CoWorkerError::NotFound);
                }
            }
        }
        row.version += 1;
        row.updated_at = crate::now().max(now);
        diesel::update(referrals::table.find(row.id))
            .set((
                referrals::version.eq(row.version),
                referrals::updated_at.eq(row.updated_at),
            ))
            .execute(c)
            .await?;
        let action = change.action();
        let details = json!({ "worker_id": worker });
        let route = match change {
            CoWorkerChange::Add(_) => ("POST", "/api/v1/referrals/{id}/co-workers"),
            CoWorkerChange::Remove(_) => {
                ("DELETE", "/api/v1/referrals/{id}/co-workers/{worker_id}")
            }
        };
        let audit_rows = [
            NewAuditEvent::new(
                actor,
                action,
                Some(("referral", row.id.to_string())),
                200,
                now,
            )
            .via(route.0, route.1)
            .with_details(details.clone()),
            NewAuditEvent::new(
                actor,
                action,
                Some(("worker", worker.to_string())),
                200,
                now,
            )
            .via(route.0, route.1),
        ];
        let mut data = event_data(&row, None);
        data["co_worker_id"] = json!(worker);
        data["change"] = json!(match change {
            CoWorkerChange::Add(_) => "added",
            CoWorkerChange::Remove(_) => "removed",
        });
        let conn: &AsyncPgConnection = c;
        crate::pipeline::pipelined!(
            insert_history(
                conn,
                row.id,
                actor,
                action,
                Some(status),
                status,
                None,
                details,
                now,
            ),
            crate::audit::record(conn, &audit_rows),
            outbox::emit(
                conn,
                EventType::ReferralCoWorkersChanged,
                &row.school_urn,
                row.id,
                data,
                now,
            ),
        )?;
        Ok(views(c, vec![row], scope)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?)
    })
    .await
}
