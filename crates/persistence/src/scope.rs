//! What part of the data a caller may see, and the one rule that applies it
//! to referrals: a filter for the queries that read them, a check for a row
//! already read, and the locked read that the actions on a referral and on
//! its delivery (plans, sessions, reviews) start with.

use crate::models::ReferralRow;
use crate::schema::referrals;
use crate::{StoreError, StoreResult};
use diesel::pg::Pg;
use diesel::prelude::*;
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
    /// Referrals allocated to this worker (practitioners).
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
        Scope::Worker(worker) => q.filter(referrals::worker_id.eq(*worker)),
    }
}

/// The same rule as `scoped`, for a row already read (locked reads cannot
/// use a boxed query).
pub(crate) fn in_scope(row: &ReferralRow, scope: &Scope) -> bool {
    match scope {
        Scope::All => true,
        Scope::Schools(urns) => urns.contains(&row.school_urn),
        Scope::Team(team) => row.team_id == Some(*team),
        Scope::Worker(worker) => row.worker_id == Some(*worker),
    }
}

/// Locks a referral for the rest of the transaction and returns it, if it
/// is in the caller's scope (`NotFound` otherwise).
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
    if in_scope(&row, scope) {
        Ok(row)
    } else {
        Err(StoreError::NotFound)
    }
}
