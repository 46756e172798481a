//! What part of the data a caller may see, and the one rule that applies it
//! to referrals: a filter for the queries that read them, a check for a row
//! already read, and the locked read that the actions on a referral and on
//! its delivery (plans, sessions, reviews) start with. A practitioner's
//! referrals are those allocated to them and those they co-work
//! (docs/adr/0007-practitioner-scope.md).

use crate::models::ReferralRow;
use crate::schema::{referral_co_workers, referrals};
use crate::{StoreError, StoreResult};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// What part of the data a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (council administrators).
    All,
    /// Referrals of these schools (schools, integration clients).
    Schools(Vec<String>),
    /// Referrals routed to this team (team managers).
    Team(Uuid),
    /// Referrals this worker works: allocated to them or co-worked
    /// (practitioners).
    Worker(Uuid),
}

pub(crate) type BoxedReferrals<'a> = referrals::BoxedQuery<'a, Pg>;

/// The referrals of a query that are in the scope.
pub(crate) fn scoped<'a>(q: BoxedReferrals<'a>, scope: &Scope) -> BoxedReferrals<'a> {
    match scope {
        Scope::All => q,
        // One school (a school's own token, most MIS clients): equality, so
        // that the (school_urn, created_at | updated_at, id) indexes give
        // the page's order; `= ANY($1)` hides the count from a generic plan.
        Scope::Schools(urns) if urns.len() == 1 => {
            q.filter(referrals::school_urn.eq(urns[0].clone()))
        }
        Scope::Schools(urns) => q.filter(referrals::school_urn.eq_any(urns.clone())),
        Scope::Team(team) => q.filter(referrals::team_id.eq(*team)),
        // `id = ANY(ARRAY(allocated UNION ALL co-worked))`: the array is an
        // init plan computed once from two index scans
        // (referrals_worker_created_idx, referral_co_workers_worker_idx), and
        // the referrals are then read by primary key: a caseload's worth of
        // rows, for custom and generic plans alike. `worker_id = $1 OR id IN
        // (...)` would walk every referral in creation order instead.
        Scope::Worker(worker) => q.filter(worked_by(*worker)),
    }
}

/// The referrals a worker works, allocated to them or co-worked, as one
/// condition on `referrals.id` (see `scoped`).
pub(crate) fn worked_by(
    worker: Uuid,
) -> diesel::expression::SqlLiteral<Bool, impl diesel::query_builder::QueryFragment<Pg> + Send> {
    diesel::dsl::sql::<Bool>(
        "\"referrals\".\"id\" = ANY(ARRAY(SELECT r.id FROM referrals r WHERE r.worker_id = ",
    )
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .sql(
        " UNION ALL SELECT cw.referral_id FROM referral_co_workers cw \
         WHERE cw.removed_at IS NULL AND cw.worker_id = ",
    )
    .bind::<diesel::sql_types::Uuid, _>(worker)
    .sql("))")
}

/// Whether the worker currently co-works the referral.
pub async fn co_works(
    c: &mut AsyncPgConnection,
    referral: Uuid,
    worker: Uuid,
) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        referral_co_workers::table
            .filter(referral_co_workers::referral_id.eq(referral))
            .filter(referral_co_workers::worker_id.eq(worker))
            .filter(referral_co_workers::removed_at.is_null()),
    ))
    .get_result(c)
    .await?)
}

/// The same rule as `scoped`, for a row already read (locked reads cannot
/// use a boxed query).
pub(crate) async fn in_scope(
    c: &mut AsyncPgConnection,
    row: &ReferralRow,
    scope: &Scope,
) -> StoreResult<bool> {
    Ok(match scope {
        Scope::All => true,
        Scope::Schools(urns) => urns.contains(&row.school_urn),
        Scope::Team(team) => row.team_id == Some(*team),
        Scope::Worker(worker) => {
            row.worker_id == Some(*worker) || co_works(c, row.id, *worker).await?
        }
    })
}

/// Whether any of these referrals is in the scope (a session covering
/// several referrals is readable by whoever works one of them).
pub async fn any_in_scope(
    c: &mut AsyncPgConnection,
    ids: &[Uuid],
    scope: &Scope,
) -> StoreResult<bool> {
    Ok(scoped(referrals::table.into_boxed(), scope)
        .filter(referrals::id.eq_any(ids.to_vec()))
        .select(referrals::id)
        .first::<Uuid>(c)
        .await
        .optional()?
        .is_some())
}

/// Locks a referral for the rest of the transaction and returns it, if it
/// is in the caller's scope (`NotFound` otherwise) and a consent for SCT
/// involvement is in force (`ConsentWithdrawn` otherwise): every write on a
/// referral's delivery records, notes, appointments and corrections starts
/// here (see `crate::consent_hold`).
pub async fn lock_in_scope(
    c: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
) -> StoreResult<ReferralRow> {
    let row: ReferralRow = referrals::table
        .find(id)
        .for_update()
        .select(ReferralRow::as_select())
        .first(c)
        .await?;
    if !in_scope(c, &row, scope).await? {
        return Err(StoreError::NotFound);
    }
    crate::consent_hold::require_involvement(c, row.id).await?;
    Ok(row)
}
