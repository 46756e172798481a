//! Reads in scope: one referral with its details, lists with filters and keyset paging, history.

use super::submit::{child_as_seen, sees_record, sort_levels, ReferralView};
use crate::models::{ChildRow, HistoryRow, IndesRow, ReferralRow, TeamRow, WorkerRow, ZoneRow};
use crate::schema::{
    children as children_table, referral_co_workers, referral_history, referral_indes_levels,
    referrals, teams, workers, zones,
};
use crate::scope::{scoped, worked_by, BoxedReferrals, Scope};
use crate::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub(crate) async fn views(
    c: &mut AsyncPgConnection,
    rows: Vec<ReferralRow>,
    scope: &Scope,
) -> StoreResult<Vec<ReferralView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let record = sees_record(scope);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    // A page of one team's referrals names that team (and zone) fifty
    // times: send each id once.
    let distinct = |ids: Vec<Uuid>| -> Vec<Uuid> {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    // A school's or MIS client's view never reads the LA's record.
    let child_ids = if record {
        distinct(rows.iter().map(|r| r.child_id).collect())
    } else {
        Vec::new()
    };
    let zone_ids = distinct(rows.iter().filter_map(|r| r.zone_id).collect());
    let team_ids = distinct(rows.iter().filter_map(|r| r.team_id).collect());
    let worker_ids = distinct(rows.iter().filter_map(|r| r.worker_id).collect());
    // The eight statements are independent: sent together, they share one
    // round trip (diesel-async pipelines futures polled concurrently on a
    // shared reference to the connection).
    let conn: &AsyncPgConnection = c;
    let kids = async {
        if child_ids.is_empty() {
            return Ok(Vec::new());
        }
        children_table::table
            .filter(children_table::id.eq_any(&child_ids))
            .select(ChildRow::as_select())
            .load::<ChildRow>(&mut &*conn)
            .await
    };
    let levels = async {
        referral_indes_levels::table
            .filter(referral_indes_levels::referral_id.eq_any(&ids))
            .select(IndesRow::as_select())
            .load::<IndesRow>(&mut &*conn)
            .await
    };
    let zs = async {
        if zone_ids.is_empty() {
            return Ok(Vec::new());
        }
        zones::table
            .filter(zones::id.eq_any(&zone_ids))
            .select(ZoneRow::as_select())
            .load::<ZoneRow>(&mut &*conn)
            .await
    };
    let ts = async {
        if team_ids.is_empty() {
            return Ok(Vec::new());
        }
        teams::table
            .filter(teams::id.eq_any(&team_ids))
            .select(TeamRow::as_select())
            .load::<TeamRow>(&mut &*conn)
            .await
    };
    let ws = async {
        if worker_ids.is_empty() {
            return Ok(Vec::new());
        }
        workers::table
            .filter(workers::id.eq_any(&worker_ids))
            .select(WorkerRow::as_select())
            .load::<WorkerRow>(&mut &*conn)
            .await
    };
    let co = async {
        referral_co_workers::table
            .inner_join(workers::table)
            .filter(referral_co_workers::referral_id.eq_any(&ids))
            .filter(referral_co_workers::removed_at.is_null())
            .order((referral_co_workers::added_at, referral_co_workers::id))
            .select((referral_co_workers::referral_id, WorkerRow::as_select()))
            .load::<(Uuid, WorkerRow)>(&mut &*conn)
            .await
    };
    let reassessed = super::reassessment::latest_levels(conn, &ids);
    // The escalation outcome recorded at a closed referral's current closure.
    let closed: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.status == "closed" && r.closed_at.is_some())
        .map(|r| r.id)
        .collect();
    let closures = async {
        if closed.is_empty() {
            return Ok(Vec::new());
        }
        crate::follow_ups::closure_outcomes(conn, &closed).await
    };
    let (kids, levels, zs, ts, ws, co, reassessed, closures) =
        crate::pipeline::pipelined!(kids, levels, zs, ts, ws, co, reassessed, closures)?;
    rows.into_iter()
        .map(|r| {
            let found = kids.iter().find(|k| k.id == r.child_id);
            if record && found.is_none() {
                return Err(StoreError::NotFound);
            }
            let (child, child_is_record) = child_as_seen(found, &r);
            let mut indes: Vec<IndesRow> = levels
                .iter()
                .filter(|l| l.referral_id == r.id)
                .cloned()
                .collect();
            sort_levels(&mut indes);
            Ok(ReferralView {
                zone: r
                    .zone_id
                    .and_then(|z| zs.iter().find(|x| x.id == z).cloned()),
                team: r
                    .team_id
                    .and_then(|t| ts.iter().find(|x| x.id == t).cloned()),
                worker: r
                    .worker_id
                    .and_then(|w| ws.iter().find(|x| x.id == w).cloned()),
                co_workers: co
                    .iter()
                    .filter(|(referral, _)| *referral == r.id)
                    .map(|(_, w)| w.clone())
                    .collect(),
                reassessed: reassessed
                    .iter()
                    .filter(|l| l.referral_id == r.id)
                    .cloned()
                    .collect(),
                child,
                child_is_record,
                indes,
                closure_escalation: r.closed_at.and_then(|at| {
                    closures
                        .iter()
                        .find(|o| o.referral_id == r.id && o.closed_at == at)
                        .cloned()
                }),
                referral: r,
            })
        })
        .collect()
}

/// The bare referral row, if it is in the caller's scope.
pub async fn find(c: &mut AsyncPgConnection, id: Uuid, scope: &Scope) -> StoreResult<ReferralRow> {
    Ok(scoped(referrals::table.into_boxed(), scope)
        .filter(referrals::id.eq(id))
        .select(ReferralRow::as_select())
        .first(c)
        .await?)
}

/// One referral, if it is in the caller's scope.
pub async fn load(c: &mut AsyncPgConnection, id: Uuid, scope: &Scope) -> StoreResult<ReferralView> {
    let row: ReferralRow = scoped(referrals::table.into_boxed(), scope)
        .filter(referrals::id.eq(id))
        .select(ReferralRow::as_select())
        .first(c)
        .await?;
    views(c, vec![row], scope)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The order of a list: by creation, by last change for delta sync, or by
/// priority (band, then score highest first, then oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Created,
    Updated,
    Priority,
}

/// Where a page starts: after this row of the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyset {
    /// `(created_at | updated_at, id)`.
    At(DateTime<Utc>, Uuid),
    /// `(priority_rank, priority_neg_score, created_at, id)`.
    Priority(i16, i32, DateTime<Utc>, Uuid),
}

impl From<(DateTime<Utc>, Uuid)> for Keyset {
    fn from((at, id): (DateTime<Utc>, Uuid)) -> Self {
        Self::At(at, id)
    }
}

impl Keyset {
    /// The keyset of a referral in priority order.
    pub fn priority_of(r: &ReferralRow) -> Self {
        Self::Priority(
            priority_rank(&r.priority_band),
            -r.priority_score,
            r.created_at,
            r.id,
        )
    }
}

/// The stored rank of a priority band (`referrals.priority_rank`): urgent
/// first.
pub fn priority_rank(band: &str) -> i16 {
    match band {
        "urgent" => 0,
        "high" => 1,
        _ => 2,
    }
}

/// Filters of the referral list (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these statuses (any of them).
    pub status: Vec<String>,
    pub team_id: Option<Uuid>,
    pub school_urn: Option<String>,
    pub eligibility: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub external_reference: Option<String>,
    /// `Some(true)`: only referrals waiting in the council's triage queue;
    /// `Some(false)`: only referrals routed to a team.
    pub council_triage: Option<bool>,
    /// Only rows last changed before this instant: the settling horizon of
    /// delta sync (see the referral list's description).
    pub settled_before: Option<DateTime<Utc>>,
    /// Only referrals this worker works (allocated or co-worker).
    pub worker_id: Option<Uuid>,
    /// Only active referrals whose next review falls due before this day.
    pub review_due_before: Option<NaiveDate>,
}

/// The statement of a list page: referrals in scope, filtered, in keyset
/// order, `limit` of them after `after`.
pub(crate) fn list_query<'a>(
    scope: &Scope,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<Keyset>,
    limit: i64,
) -> BoxedReferrals<'a> {
    let mut q = scoped(referrals::table.into_boxed(), scope);
    match filter.status.as_slice() {
        [] => {}
        [one] => q = q.filter(referrals::status.eq(one.clone())),
        many => q = q.filter(referrals::status.eq_any(many.to_vec())),
    }
    if let Some(t) = filter.team_id {
        q = q.filter(referrals::team_id.eq(t));
    }
    if let Some(w) = filter.worker_id {
        q = q.filter(worked_by(w));
    }
    if let Some(d) = filter.review_due_before {
        // `status = 'active'` as a literal: the partial index
        // referrals_review_due_idx serves generic plans too.
        q = q
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                r#""referrals"."status" = 'active'"#,
            ))
            .filter(referrals::review_due_on.lt(d));
    }
    if let Some(s) = &filter.school_urn {
        q = q.filter(referrals::school_urn.eq(s.clone()));
    }
    if let Some(e) = &filter.eligibility {
        q = q.filter(referrals::eligibility_outcome.eq(e.clone()));
    }
    if let Some(x) = &filter.external_reference {
        q = q.filter(referrals::external_reference.eq(x.clone()));
    }
    match filter.council_triage {
        Some(true) => q = q.filter(referrals::team_id.is_null()),
        Some(false) => q = q.filter(referrals::team_id.is_not_null()),
        None => {}
    }
    if let Some(since) = filter.updated_since {
        q = q.filter(referrals::updated_at.ge(since));
    }
    if let Some(before) = filter.settled_before {
        q = q.filter(referrals::updated_at.lt(before));
    }
    // The keyset as a row comparison, `(at, id) > ($n, $m)`: PostgreSQL
    // uses it as an index bound, where `at > $n OR (at = $n AND id > $m)`
    // is only a filter and a later page reads every row before it.
    q = match (order, after) {
        (ListOrder::Created, Some(Keyset::At(at, id))) => q.filter(keyset_after(
            r#"("referrals"."created_at", "referrals"."id")"#,
            at,
            id,
        )),
        (ListOrder::Updated, Some(Keyset::At(at, id))) => q.filter(keyset_after(
            r#"("referrals"."updated_at", "referrals"."id")"#,
            at,
            id,
        )),
        (ListOrder::Priority, Some(Keyset::Priority(rank, neg, at, id))) => q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                r#"("referrals"."priority_rank", "referrals"."priority_neg_score", "referrals"."created_at", "referrals"."id") > ("#,
            )
            .bind::<diesel::sql_types::SmallInt, _>(rank)
            .sql(", ")
            .bind::<diesel::sql_types::Integer, _>(neg)
            .sql(", ")
            .bind::<diesel::sql_types::Timestamptz, _>(at)
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(id)
            .sql(")"),
        ),
        // A keyset of another order is refused by the handler (the
        // cursor names its order).
        _ => q,
    };
    q = match order {
        ListOrder::Created => q.order((referrals::created_at.asc(), referrals::id.asc())),
        ListOrder::Updated => q.order((referrals::updated_at.asc(), referrals::id.asc())),
        ListOrder::Priority => q.order((
            referrals::priority_rank.asc(),
            referrals::priority_neg_score.asc(),
            referrals::created_at.asc(),
            referrals::id.asc(),
        )),
    };
    q.limit(limit)
}

pub(crate) fn keyset_after(
    columns: &'static str,
    at: DateTime<Utc>,
    id: Uuid,
) -> diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    impl diesel::query_builder::QueryFragment<Pg> + Send,
> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(columns)
        .sql(" > (")
        .bind::<diesel::sql_types::Timestamptz, _>(at)
        .sql(", ")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .sql(")")
}

/// Referrals in scope, `limit` of them after the keyset `after`.
pub async fn list(
    c: &mut AsyncPgConnection,
    scope: &Scope,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<Keyset>,
    limit: i64,
) -> StoreResult<Vec<ReferralView>> {
    let rows: Vec<ReferralRow> = list_query(scope, filter, order, after, limit)
        .select(ReferralRow::as_select())
        .load(c)
        .await?;
    views(c, rows, scope).await
}

/// The SQL text `list` sends for these arguments, with `$n` placeholders
/// in the order the values are bound, so that tests can EXPLAIN the very
/// statement (see `tests/e2e/indexes.rs`).
pub fn list_sql(
    scope: &Scope,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<Keyset>,
    limit: i64,
) -> String {
    let q = list_query(scope, filter, order, after, limit).select(ReferralRow::as_select());
    crate::statement_sql(&q)
}

/// The history of a referral in scope, oldest first.
pub async fn history(
    c: &mut AsyncPgConnection,
    id: Uuid,
    scope: &Scope,
) -> StoreResult<Vec<HistoryRow>> {
    // Existence in scope first, so that out-of-scope answers "not found".
    let _: Uuid = scoped(referrals::table.into_boxed(), scope)
        .filter(referrals::id.eq(id))
        .select(referrals::id)
        .first(c)
        .await?;
    Ok(referral_history::table
        .filter(referral_history::referral_id.eq(id))
        .order(referral_history::id.asc())
        .select(HistoryRow::as_select())
        .load(c)
        .await?)
}
