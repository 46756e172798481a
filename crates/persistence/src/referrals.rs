//! Referrals: submission with routing, reading in the caller's scope,
//! keyset-paged lists, and every action of the state machine. Each change to
//! a referral and its history row are written in one transaction.

use crate::audit::NewAuditEvent;
use crate::children::NewChild;
use crate::models::{
    ChildRow, HistoryRow, IndesRow, NewHistoryRow, ReferralRow, TeamRow, WorkerRow, ZoneRow,
};
use crate::schema::{
    children as children_table, referral_history, referral_indes_levels, referrals, teams, workers,
    zones,
};
use crate::scope::{in_scope, scoped, BoxedReferrals, Scope};
use crate::{children, organisation, outbox};
use crate::{Actor, StoreError, StoreResult, Wire};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sct_domain::{
    choose_worker, route, Action, AllocationChoice, AllocationError, ClosureOutcome, EventType,
    Outcome, ReferralState, Route, Status, TeamId, TransitionError, TransitionRequest, WorkerId,
    ZoneId,
};
use serde_json::json;
use uuid::Uuid;

/// A referral with everything a reader needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralView {
    pub referral: ReferralRow,
    pub child: ChildRow,
    pub indes: Vec<IndesRow>,
    pub zone: Option<ZoneRow>,
    pub team: Option<TeamRow>,
    pub worker: Option<WorkerRow>,
}

/// A referral ready to store: already parsed and screened.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub school_urn: String,
    pub external_reference: Option<String>,
    pub child: NewChild,
    pub indes: Vec<(String, i16)>,
    pub complicating_factors: Vec<String>,
    pub existing_plans: Vec<String>,
    pub consent_given_by: String,
    pub consent_given_on: NaiveDate,
    pub reason: String,
    pub eligibility_outcome: String,
    pub eligibility: serde_json::Value,
    pub policy_version: String,
    pub priority_band: String,
    pub priority_score: i32,
    pub priority_reasons: serde_json::Value,
}

/// Why a submission was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("unknown school")]
    UnknownSchool,
    #[error("the school already referred this child under that external reference")]
    Duplicate { existing: Uuid, reference: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SubmitError {
    fn from(e: diesel::result::Error) -> Self {
        SubmitError::Store(e.into())
    }
}

async fn find_duplicate(
    mut conn: &AsyncPgConnection,
    school: &str,
    external: &str,
) -> StoreResult<Option<(Uuid, String)>> {
    Ok(referrals::table
        .filter(referrals::school_urn.eq(school))
        .filter(referrals::external_reference.eq(external))
        .select((referrals::id, referrals::reference))
        .first(&mut conn)
        .await
        .optional()?)
}

/// Stores a new referral: upserts the child by UPN, routes the referral to
/// the team of the school's zone (or the council's triage queue), writes its
/// INDES levels and the first history row, all in one transaction.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    new: NewReferral,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReferralView, SubmitError> {
    let school_urn = new.school_urn.clone();
    let external = new.external_reference.clone();
    let result = conn
        .transaction(async |c| submit_in_tx(c, new, actor, now).await)
        .await;
    match result {
        // The unique constraint closes the race between two submissions
        // with one external reference: name the one that won.
        Err(SubmitError::Store(StoreError::Constraint { constraint, .. }))
            if constraint == "referrals_school_urn_external_reference_key" =>
        {
            let ext = external.unwrap_or_default();
            match find_duplicate(conn, &school_urn, &ext).await? {
                Some((existing, reference)) => Err(SubmitError::Duplicate {
                    existing,
                    reference,
                }),
                None => Err(SubmitError::Store(StoreError::NotFound)),
            }
        }
        other => other,
    }
}

pub(crate) async fn submit_in_tx(
    c: &mut AsyncPgConnection,
    new: NewReferral,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ReferralView, SubmitError> {
    let school = match organisation::get_school(c, &new.school_urn).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(SubmitError::UnknownSchool),
        Err(e) => return Err(e.into()),
    };
    // Independent reads share one round trip (pipelined on a shared
    // reference to the connection; see `views`).
    let conn: &AsyncPgConnection = c;
    let duplicate = async {
        match &new.external_reference {
            Some(ext) => find_duplicate(conn, &new.school_urn, ext).await,
            None => Ok(None),
        }
    };
    let team = async {
        match school.zone_id {
            Some(z) => organisation::team_of_zone(conn, z).await,
            None => Ok(None),
        }
    };
    let zone = async {
        match school.zone_id {
            Some(z) => Ok(zones::table
                .find(z)
                .select(ZoneRow::as_select())
                .first::<ZoneRow>(&mut &*conn)
                .await
                .optional()?),
            None => Ok(None),
        }
    };
    let (duplicate, team, zone) = futures_util::try_join!(duplicate, team, zone)?;
    if let Some((existing, reference)) = duplicate {
        return Err(SubmitError::Duplicate {
            existing,
            reference,
        });
    }
    let routed = route(
        school.zone_id.map(ZoneId),
        team.as_ref().map(|t| (TeamId(t.id), t.operational_from)),
        now.date_naive(),
    );
    let (zone_id, team_id, triage_reason) = match routed {
        Route::Team { zone, team } => (Some(zone.0), Some(team.0), None),
        Route::CouncilTriage { zone, reason } => (zone.map(|z| z.0), None, Some(reason.to_owned())),
    };

    // One record per UPN: a later referral brings the details up to date
    // (with history) or, with another date of birth, is flagged for review.
    let seq = async {
        Ok::<i64, StoreError>(
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "nextval('referral_reference_seq')",
            ))
            .get_result(&mut &*conn)
            .await?,
        )
    };
    let ((child, child_outcome), seq) =
        futures_util::try_join!(children::upsert(conn, &new.child, now), seq)?;
    let submitted_child = new.child.clone();

    let row = ReferralRow {
        id: Uuid::now_v7(),
        reference: format!("SCT-{}-{seq:06}", now.year()),
        school_urn: new.school_urn,
        external_reference: new.external_reference,
        child_id: child.id,
        status: Status::Submitted.as_str().to_owned(),
        zone_id,
        team_id,
        triage_reason: triage_reason.clone(),
        worker_id: None,
        eligibility_outcome: new.eligibility_outcome,
        eligibility: new.eligibility,
        policy_version: new.policy_version,
        priority_band: new.priority_band,
        priority_score: new.priority_score,
        priority_reasons: new.priority_reasons,
        complicating_factors: new.complicating_factors,
        existing_plans: new.existing_plans,
        sen_provision: new.child.sen_provision,
        primary_need: new.child.primary_need,
        year_group: new.child.year_group,
        consent_given_by: new.consent_given_by,
        consent_given_on: new.consent_given_on,
        reason: new.reason,
        decline_reason: None,
        signposting: None,
        closure_outcome: None,
        closure_note: None,
        closed_at: None,
        closed_from: None,
        submitted_by: actor.subject.clone(),
        submitted_by_role: actor.role.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(referrals::table)
        .values(&row)
        .execute(&mut &*conn)
        .await?;
    // Everything else names the referral: once it exists, the five writes
    // are independent and share one round trip.
    let mut levels: Vec<IndesRow> = new
        .indes
        .into_iter()
        .map(|(area, level)| IndesRow {
            referral_id: row.id,
            area,
            level,
        })
        .collect();
    let details = match (team_id, &triage_reason) {
        (Some(t), _) => json!({ "routed_to_team": t }),
        (None, reason) => json!({ "council_triage": reason }),
    };
    // The audit rows and the event commit with the referral, or none does.
    let route = "/api/v1/referrals";
    let audit_rows = [
        NewAuditEvent::new(
            actor,
            "submit_referral",
            Some(("referral", row.id.to_string())),
            201,
            now,
        )
        .via("POST", route),
        NewAuditEvent::new(
            actor,
            "submit_referral",
            Some(("child", child.id.to_string())),
            201,
            now,
        )
        .via("POST", route),
    ];
    let indes_insert = async {
        if levels.is_empty() {
            return Ok(());
        }
        diesel::insert_into(referral_indes_levels::table)
            .values(&levels)
            .execute(&mut &*conn)
            .await?;
        Ok::<(), StoreError>(())
    };
    futures_util::try_join!(
        crate::children::record(
            conn,
            &child,
            &child_outcome,
            &submitted_child,
            row.id,
            &actor.subject,
            now,
        ),
        indes_insert,
        insert_history(
            conn,
            row.id,
            actor,
            "submit",
            None,
            Status::Submitted,
            Some(&row.reason),
            details,
            now,
        ),
        crate::audit::record(conn, &audit_rows),
        outbox::emit(
            conn,
            EventType::ReferralSubmitted,
            &row.school_urn,
            row.id,
            event_data(&row, None),
            now,
        ),
    )?;
    // The view from what this transaction wrote: no second read.
    sort_levels(&mut levels);
    Ok(ReferralView {
        zone,
        // The zone's team only when the referral was routed to it (not
        // while the team is not yet operational).
        team: team.filter(|t| Some(t.id) == team_id),
        worker: None,
        child,
        indes: levels,
        referral: row,
    })
}

fn sort_levels(levels: &mut [IndesRow]) {
    levels
        .sort_by_key(|l| sct_domain::IndesArea::parse(&l.area).map_or(usize::MAX, |a| a as usize));
}

/// The `data` of a referral's webhook events: identifiers, codes and
/// timestamps only (never the child's name or date of birth).
fn event_data(row: &ReferralRow, previous_status: Option<Status>) -> serde_json::Value {
    json!({
        "referral_id": row.id,
        "reference": row.reference,
        "school_urn": row.school_urn,
        "external_reference": row.external_reference,
        "status": row.status,
        "previous_status": previous_status.map(Status::as_str),
        "team_id": row.team_id,
        "worker_id": row.worker_id,
        "closure_outcome": row.closure_outcome,
        "version": row.version,
        "updated_at": row.updated_at,
    })
}

#[allow(clippy::too_many_arguments)]
async fn insert_history(
    mut c: &AsyncPgConnection,
    referral: Uuid,
    actor: &Actor,
    action: &str,
    from: Option<Status>,
    to: Status,
    reason: Option<&str>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(referral_history::table)
        .values(&NewHistoryRow {
            referral_id: referral,
            at,
            actor: actor.subject.clone(),
            actor_role: actor.role.clone(),
            action: action.to_owned(),
            from_status: from.map(Wire),
            to_status: Wire(to),
            reason: reason.map(str::to_owned),
            details,
            request_id: actor.request_id.clone(),
        })
        .execute(&mut c)
        .await?;
    Ok(())
}

async fn views(
    c: &mut AsyncPgConnection,
    rows: Vec<ReferralRow>,
) -> StoreResult<Vec<ReferralView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    // A page of one team's referrals names that team (and zone) fifty
    // times: send each id once.
    let distinct = |ids: Vec<Uuid>| -> Vec<Uuid> {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let child_ids = distinct(rows.iter().map(|r| r.child_id).collect());
    let zone_ids = distinct(rows.iter().filter_map(|r| r.zone_id).collect());
    let team_ids = distinct(rows.iter().filter_map(|r| r.team_id).collect());
    let worker_ids = distinct(rows.iter().filter_map(|r| r.worker_id).collect());
    // The five statements are independent: sent together, they share one
    // round trip (diesel-async pipelines futures polled concurrently on a
    // shared reference to the connection).
    let conn: &AsyncPgConnection = c;
    let kids = async {
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
    let (kids, levels, zs, ts, ws) = futures_util::try_join!(kids, levels, zs, ts, ws)?;
    rows.into_iter()
        .map(|r| {
            let child = kids
                .iter()
                .find(|k| k.id == r.child_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
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
                child,
                indes,
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
    views(c, vec![row]).await?.pop().ok_or(StoreError::NotFound)
}

/// The order of a list: by creation, or by last change for delta sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Created,
    Updated,
}

/// Filters of the referral list (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<String>,
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
}

/// The statement of a list page: referrals in scope, filtered, in keyset
/// order, `limit` of them after `after`.
fn list_query<'a>(
    scope: &Scope,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> BoxedReferrals<'a> {
    let mut q = scoped(referrals::table.into_boxed(), scope);
    if let Some(s) = &filter.status {
        q = q.filter(referrals::status.eq(s.clone()));
    }
    if let Some(t) = filter.team_id {
        q = q.filter(referrals::team_id.eq(t));
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
        (ListOrder::Created, Some((at, id))) => q.filter(keyset_after(
            r#"("referrals"."created_at", "referrals"."id")"#,
            at,
            id,
        )),
        (ListOrder::Updated, Some((at, id))) => q.filter(keyset_after(
            r#"("referrals"."updated_at", "referrals"."id")"#,
            at,
            id,
        )),
        (_, None) => q,
    };
    q = match order {
        ListOrder::Created => q.order((referrals::created_at.asc(), referrals::id.asc())),
        ListOrder::Updated => q.order((referrals::updated_at.asc(), referrals::id.asc())),
    };
    q.limit(limit)
}

fn keyset_after(
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
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<ReferralView>> {
    let rows: Vec<ReferralRow> = list_query(scope, filter, order, after, limit)
        .select(ReferralRow::as_select())
        .load(c)
        .await?;
    views(c, rows).await
}

/// The SQL text `list` sends for these arguments, with `$n` placeholders
/// in the order the values are bound, so that tests can EXPLAIN the very
/// statement (see `tests/e2e/indexes.rs`).
pub fn list_sql(
    scope: &Scope,
    filter: &ListFilter,
    order: ListOrder,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> String {
    let q = list_query(scope, filter, order, after, limit).select(ReferralRow::as_select());
    let text = diesel::debug_query::<Pg, _>(&q).to_string();
    // debug_query appends " -- binds: [...]"
    match text.rfind(" -- binds: ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
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

/// An action with its inputs.
#[derive(Debug, Clone)]
pub enum ActionInput {
    Accept {
        note: Option<String>,
    },
    Decline {
        reason: String,
        signposting: String,
    },
    Redirect {
        team_id: Uuid,
        reason: String,
    },
    Allocate {
        choice: AllocationChoice,
    },
    Start {
        note: Option<String>,
    },
    Close {
        outcome: ClosureOutcome,
        note: Option<String>,
        /// Final rating (goal id, 0-10) of every goal of the support plan.
        final_ratings: Option<Vec<(Uuid, i64)>>,
    },
    Withdraw {
        reason: String,
    },
    Reopen {
        reason: String,
    },
}

impl ActionInput {
    /// The domain action.
    pub fn action(&self) -> Action {
        match self {
            Self::Accept { .. } => Action::Accept,
            Self::Decline { .. } => Action::Decline,
            Self::Redirect { .. } => Action::Redirect,
            Self::Allocate { .. } => Action::Allocate,
            Self::Start { .. } => Action::Start,
            Self::Close { .. } => Action::Close,
            Self::Withdraw { .. } => Action::Withdraw,
            Self::Reopen { .. } => Action::Reopen,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::Accept { note } | Self::Start { note } | Self::Close { note, .. } => {
                note.as_deref()
            }
            Self::Decline { reason, .. }
            | Self::Redirect { reason, .. }
            | Self::Withdraw { reason }
            | Self::Reopen { reason } => Some(reason),
            Self::Allocate { .. } => None,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("not found")]
    NotFound,
    #[error("the referral has changed since it was read (version {current})")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Allocation(#[from] AllocationError),
    #[error("the referral waits in the council's triage queue: redirect it to a team first")]
    NotRouted,
    #[error("no such team")]
    UnknownTeam,
    #[error("the referral is already with that team")]
    SameTeam,
    #[error("that team is not operational until {0}")]
    TeamNotOperational(NaiveDate),
    /// Invalid fields of the body: (field, code, message).
    #[error("the body is invalid")]
    Fields(Vec<(String, &'static str, String)>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<crate::delivery::DeliveryError> for ActError {
    fn from(e: crate::delivery::DeliveryError) -> Self {
        use crate::delivery::DeliveryError as D;
        match e {
            D::Field {
                field,
                code,
                message,
            } => ActError::Fields(vec![(field, code, message)]),
            D::Ratings(errors) => ActError::Fields(
                errors
                    .into_iter()
                    .map(|r| (r.field("final_ratings"), r.code(), r.to_string()))
                    .collect(),
            ),
            D::NotFound => ActError::NotFound,
            D::Store(s) => ActError::Store(s),
            other => ActError::Store(StoreError::Database(
                diesel::result::Error::QueryBuilderError(other.to_string().into()),
            )),
        }
    }
}

impl From<StoreError> for ActError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ActError::NotFound,
            other => ActError::Store(other),
        }
    }
}

impl From<diesel::result::Error> for ActError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

/// Context of an action.
#[derive(Debug, Clone)]
pub struct ActContext<'a> {
    pub actor: &'a Actor,
    pub role: sct_domain::Role,
    pub scope: &'a Scope,
    pub expected_version: i32,
    pub now: DateTime<Utc>,
    /// The policy's reopen window; only a reopen reads it.
    pub reopen_window_days: u32,
}

/// Takes an action on a referral: locks it, checks the version, asks the
/// domain whether the transition is allowed, applies it and records it in
/// the history, in one transaction.
pub async fn act(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    input: ActionInput,
    ctx: &ActContext<'_>,
) -> Result<ReferralView, ActError> {
    conn.transaction(async |c| act_in_tx(c, id, &input, ctx).await)
        .await
}

async fn act_in_tx(
    c: &mut AsyncPgConnection,
    id: Uuid,
    input: &ActionInput,
    ctx: &ActContext<'_>,
) -> Result<ReferralView, ActError> {
    let mut row: ReferralRow = referrals::table
        .find(id)
        .for_update()
        .select(ReferralRow::as_select())
        .first(c)
        .await?;
    if !in_scope(&row, ctx.scope) {
        return Err(ActError::NotFound);
    }
    if row.version != ctx.expected_version {
        return Err(ActError::VersionMismatch {
            current: row.version,
        });
    }
    let status = parse_status(&row.status)?;
    let state = ReferralState {
        status,
        eligibility: Outcome::parse(&row.eligibility_outcome)
            .unwrap_or(Outcome::InsufficientInformation),
        closed_at: row.closed_at,
        closed_from: row.closed_from.as_deref().and_then(Status::parse),
    };
    let closure = match input {
        ActionInput::Close { outcome, .. } => Some(*outcome),
        _ => None,
    };
    let transition = state.apply(&TransitionRequest {
        action: input.action(),
        role: ctx.role,
        now: ctx.now,
        reason: input.reason(),
        signposting: match input {
            ActionInput::Decline { signposting, .. } => Some(signposting),
            _ => None,
        },
        closure,
        reopen_window_days: ctx.reopen_window_days,
    })?;

    let mut details = json!({});
    match input {
        ActionInput::Accept { .. }
        | ActionInput::Start { .. }
        | ActionInput::Reopen { .. }
        | ActionInput::Withdraw { .. } => {}
        ActionInput::Decline {
            reason,
            signposting,
        } => {
            row.decline_reason = Some(reason.clone());
            row.signposting = Some(signposting.clone());
        }
        ActionInput::Redirect { team_id, .. } => {
            let team = match organisation::get_team(c, *team_id).await {
                Ok(t) => t,
                Err(StoreError::NotFound) => return Err(ActError::UnknownTeam),
                Err(e) => return Err(e.into()),
            };
            if row.team_id == Some(team.id) {
                return Err(ActError::SameTeam);
            }
            if team.operational_from > ctx.now.date_naive() {
                return Err(ActError::TeamNotOperational(team.operational_from));
            }
            details = json!({ "from_team": row.team_id, "to_team": team.id });
            row.team_id = Some(team.id);
            row.zone_id = Some(team.zone_id);
            row.triage_reason = None;
            row.worker_id = None;
        }
        ActionInput::Allocate { choice } => {
            let team = row.team_id.ok_or(ActError::NotRouted)?;
            let loads = organisation::lock_team_loads(c, team).await?;
            let (worker, why) = choose_worker(*choice, &loads, row.worker_id.map(WorkerId))?;
            details =
                json!({ "from_worker": row.worker_id, "to_worker": worker.0, "allocation": why });
            row.worker_id = Some(worker.0);
        }
        ActionInput::Close {
            outcome,
            note,
            final_ratings,
        } => {
            let review = crate::delivery::record_final_ratings(
                c,
                row.id,
                *outcome,
                final_ratings.as_deref(),
                ctx.actor,
                ctx.now,
            )
            .await?;
            row.closure_outcome = Some(outcome.as_str().to_owned());
            row.closure_note.clone_from(note);
            row.closed_at = Some(ctx.now);
            row.closed_from = Some(status.as_str().to_owned());
            details = json!({
                "outcome": outcome.as_str(),
                "final_review": review.map(|r| r.review.id),
            });
        }
    }
    if matches!(input, ActionInput::Reopen { .. }) {
        row.closure_outcome = None;
        row.closure_note = None;
        row.closed_at = None;
        row.closed_from = None;
    }
    transition.to.as_str().clone_into(&mut row.status);
    row.version += 1;
    // Stamped after the row lock was granted, so that the time between the
    // stamp and the commit stays short (delta sync's settling horizon).
    row.updated_at = crate::now().max(ctx.now);
    diesel::update(referrals::table.find(row.id))
        .set(&row)
        .execute(c)
        .await?;
    // The history row, the audit row and the events name the updated
    // referral and not each other: one round trip for all of them.
    let conn: &AsyncPgConnection = c;
    let action = input.action().as_str();
    let audit_rows = [NewAuditEvent::new(
        ctx.actor,
        &format!("{action}_referral"),
        Some(("referral", row.id.to_string())),
        200,
        ctx.now,
    )
    .via("POST", &format!("/api/v1/referrals/{{id}}/{action}"))];
    let mut events = Vec::new();
    if transition.from != transition.to {
        events.push(EventType::ReferralStatusChanged);
    }
    match input {
        ActionInput::Allocate { .. } => events.push(EventType::ReferralAllocated),
        ActionInput::Close { .. } => events.push(EventType::ReferralClosed),
        _ => {}
    }
    let data = event_data(&row, Some(transition.from));
    // In the same transaction: the events exist exactly when the change does.
    let emits = async {
        for event in events {
            outbox::emit(conn, event, &row.school_urn, row.id, data.clone(), ctx.now).await?;
        }
        Ok::<(), StoreError>(())
    };
    futures_util::try_join!(
        insert_history(
            conn,
            row.id,
            ctx.actor,
            action,
            Some(transition.from),
            transition.to,
            input.reason(),
            details,
            ctx.now,
        ),
        // The audit row commits with the change, or neither does.
        crate::audit::record(conn, &audit_rows),
        emits,
    )?;
    Ok(views(c, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)?)
}

fn parse_status(s: &str) -> Result<Status, ActError> {
    Status::parse(s).ok_or_else(|| {
        ActError::Store(StoreError::Database(
            diesel::result::Error::DeserializationError(format!("unknown status {s}").into()),
        ))
    })
}
