//! Escalation outcomes and follow-ups (issue 14, items 3 and 4): the
//! outcome recorded at a closure, the follow-ups a closure schedules, the
//! team's list of follow-ups falling due, and recording one (once, with its
//! outcome, a history entry and an outbox event, in the caller's
//! transaction).

use crate::models::ReferralRow;
use crate::schema::{escalation_outcomes, follow_ups, referrals};
use crate::termly::Reach;
use crate::{outbox, Actor, StoreError, StoreResult, Wire};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sct_domain::escalation::{
    may_record, EhcRequest, EhcRequester, EhcResult, EscalationOutcome, FollowUpRefusal, Placement,
};
use sct_domain::WireName;
use sct_domain::{EventType, Status, VersionMatch};
use serde_json::json;
use uuid::Uuid;

/// A follow-up of a closure.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub school_urn: String,
    pub zone_id: Uuid,
    /// The closure it follows.
    pub closed_at: DateTime<Utc>,
    /// Months after the closure.
    pub months: i16,
    pub due_on: NaiveDate,
    /// Whether the closure's outcome was sustained (once recorded).
    pub sustained: Option<bool>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub recorded_by: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// Escalation outcomes at a closure or a follow-up.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalation_outcomes)]
pub struct OutcomeRow {
    pub id: Uuid,
    pub referral_id: Uuid,
    pub occasion: String,
    pub follow_up_id: Option<Uuid>,
    pub closed_at: DateTime<Utc>,
    pub months_after_closure: i16,
    pub ehc_requested_by: Option<Wire<EhcRequester>>,
    pub ehc_requested_on: Option<NaiveDate>,
    pub ehc_result: Option<Wire<EhcResult>>,
    pub placement: Wire<Placement>,
    pub suspensions: i16,
    pub permanent_exclusions: i16,
    pub attendance_at_referral: Option<f64>,
    pub attendance_now: Option<f64>,
    pub step_up_social_care: bool,
    pub step_up_health: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl OutcomeRow {
    fn new(
        referral: Uuid,
        closed_at: DateTime<Utc>,
        follow_up: Option<(Uuid, i16)>,
        o: &EscalationOutcome,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Self {
        let round = |p: Option<f64>| p.and_then(sct_domain::escalation::attendance);
        Self {
            id: Uuid::now_v7(),
            referral_id: referral,
            occasion: if follow_up.is_some() {
                "follow_up"
            } else {
                "closure"
            }
            .to_owned(),
            follow_up_id: follow_up.map(|f| f.0),
            closed_at,
            months_after_closure: follow_up.map_or(0, |f| f.1),
            ehc_requested_by: o.ehc_request.map(|r| Wire(r.requested_by)),
            ehc_requested_on: o.ehc_request.map(|r| r.requested_on),
            ehc_result: o.ehc_request.map(|r| Wire(r.result)),
            placement: Wire(o.placement),
            suspensions: o.suspensions,
            permanent_exclusions: o.permanent_exclusions,
            attendance_at_referral: round(o.attendance_at_referral),
            attendance_now: round(o.attendance_now),
            step_up_social_care: o.step_up_social_care,
            step_up_health: o.step_up_health,
            recorded_by: actor.subject.clone(),
            created_at: now,
        }
    }

    /// The domain outcome.
    pub fn outcome(&self) -> EscalationOutcome {
        let ehc_request = match (
            &self.ehc_requested_by,
            self.ehc_requested_on,
            &self.ehc_result,
        ) {
            (Some(by), Some(on), Some(result)) => Some(EhcRequest {
                requested_by: by.0,
                requested_on: on,
                result: result.0,
            }),
            _ => None,
        };
        EscalationOutcome {
            ehc_request,
            placement: self.placement.0,
            suspensions: self.suspensions,
            permanent_exclusions: self.permanent_exclusions,
            attendance_at_referral: self.attendance_at_referral,
            attendance_now: self.attendance_now,
            step_up_social_care: self.step_up_social_care,
            step_up_health: self.step_up_health,
        }
    }
}

/// At a closure (in its transaction): stores its outcome, if given, and
/// schedules its follow-ups (pending follow-ups of an earlier closure of the
/// referral, reopened since, are dropped).
pub(crate) async fn on_closure(
    c: &mut AsyncPgConnection,
    row: &ReferralRow,
    closed_at: DateTime<Utc>,
    outcome: Option<&EscalationOutcome>,
    due: &[(u8, NaiveDate)],
    actor: &Actor,
) -> StoreResult<()> {
    diesel::delete(
        follow_ups::table
            .filter(follow_ups::referral_id.eq(row.id))
            .filter(follow_ups::recorded_at.is_null()),
    )
    .execute(c)
    .await?;
    if let Some(o) = outcome {
        diesel::insert_into(escalation_outcomes::table)
            .values(&OutcomeRow::new(
                row.id, closed_at, None, o, actor, closed_at,
            ))
            .execute(c)
            .await?;
    }
    // A closed referral has been with a team, so it has a zone.
    let Some(zone) = row.zone_id else {
        return Ok(());
    };
    let rows: Vec<FollowUpRow> = due
        .iter()
        .map(|(months, on)| FollowUpRow {
            id: Uuid::now_v7(),
            referral_id: row.id,
            school_urn: row.school_urn.clone(),
            zone_id: zone,
            closed_at,
            months: i16::from(*months),
            due_on: *on,
            sustained: None,
            recorded_at: None,
            recorded_by: None,
            version: 1,
            created_at: closed_at,
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(follow_ups::table)
            .values(&rows)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// The escalation outcomes recorded at the closures of these referrals, every
/// closure each has had (the caller keeps the one of its current closure).
pub(crate) async fn closure_outcomes(
    conn: &AsyncPgConnection,
    referrals: &[Uuid],
) -> StoreResult<Vec<OutcomeRow>> {
    Ok(escalation_outcomes::table
        .filter(escalation_outcomes::referral_id.eq_any(referrals))
        .filter(escalation_outcomes::occasion.eq("closure"))
        .select(OutcomeRow::as_select())
        .load(&mut &*conn)
        .await?)
}

/// A follow-up with its outcome, once recorded.
pub type FollowUpWithOutcome = (FollowUpRow, Option<OutcomeRow>);

fn in_reach(reach: &Reach) -> follow_ups::BoxedQuery<'static, Pg> {
    let q = follow_ups::table.into_boxed();
    match reach {
        Reach::All => q,
        Reach::Zone(z) => q.filter(follow_ups::zone_id.eq(*z)),
        Reach::Schools(urns) => q.filter(follow_ups::school_urn.eq_any(urns.clone())),
        Reach::Nothing => q.filter(follow_ups::id.eq(Uuid::nil())),
    }
}

async fn with_outcomes(
    conn: &mut AsyncPgConnection,
    rows: Vec<FollowUpRow>,
) -> StoreResult<Vec<FollowUpWithOutcome>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let outcomes: Vec<OutcomeRow> = if ids.is_empty() {
        Vec::new()
    } else {
        escalation_outcomes::table
            .filter(escalation_outcomes::follow_up_id.eq_any(&ids))
            .select(OutcomeRow::as_select())
            .load(conn)
            .await?
    };
    Ok(rows
        .into_iter()
        .map(|f| {
            let o = outcomes
                .iter()
                .find(|o| o.follow_up_id == Some(f.id))
                .cloned();
            (f, o)
        })
        .collect())
}

/// The follow-ups of a referral in reach, by due date (none out of reach:
/// the caller checks the referral first, see `referral_in_reach`).
///
/// # Errors
/// Database failures.
pub async fn of_referral(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    referral: Uuid,
) -> StoreResult<Vec<FollowUpWithOutcome>> {
    let rows = in_reach(reach)
        .filter(follow_ups::referral_id.eq(referral))
        .order((follow_ups::due_on.asc(), follow_ups::id.asc()))
        .select(FollowUpRow::as_select())
        .load(conn)
        .await?;
    with_outcomes(conn, rows).await
}

fn due_query(
    reach: &Reach,
    due_before: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> follow_ups::BoxedQuery<'static, Pg> {
    let mut q = in_reach(reach)
        .filter(follow_ups::recorded_at.is_null())
        .filter(follow_ups::due_on.lt(due_before));
    if let Some((d, id)) = after {
        // `>=` bounds the index scan; the rest drops the rows up to the cursor.
        q = q.filter(
            follow_ups::due_on
                .ge(d)
                .and(follow_ups::due_on.gt(d).or(follow_ups::id.gt(id))),
        );
    }
    q.order((follow_ups::due_on.asc(), follow_ups::id.asc()))
        .limit(limit)
}

/// Follow-ups in reach still to record, due before `due_before`, earliest
/// first (keyset after (due date, id)).
///
/// # Errors
/// Database failures.
pub async fn due(
    conn: &mut AsyncPgConnection,
    reach: &Reach,
    due_before: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<FollowUpRow>> {
    Ok(due_query(reach, due_before, after, limit)
        .select(FollowUpRow::as_select())
        .load(conn)
        .await?)
}

/// The SQL text `due` sends, with `$n` placeholders in bind order (see
/// `tests/e2e/indexes.rs`).
pub fn due_sql(
    reach: &Reach,
    due_before: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> String {
    crate::statement_sql(
        &due_query(reach, due_before, after, limit).select(FollowUpRow::as_select()),
    )
}

/// Why a follow-up was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] FollowUpRefusal),
    #[error("the follow-up is now at version {current}")]
    VersionMismatch { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for RecordError {
    fn from(e: diesel::result::Error) -> Self {
        match StoreError::from(e) {
            StoreError::NotFound => Self::NotFound,
            other => Self::Store(other),
        }
    }
}

/// What a recording says.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The follow-up's version the caller read (If-Match).
    pub expected: VersionMatch,
    pub sustained: bool,
    pub outcome: EscalationOutcome,
}

/// Records a follow-up of a referral in reach (in the caller's
/// transaction): once, while the referral is closed, at the version the
/// caller read; with a history entry and a `referral.follow_up_recorded`
/// event.
///
/// # Errors
/// `NotFound` out of reach; `Refused` recorded already or the referral not
/// closed; `VersionMismatch` on a stale version.
pub async fn record(
    c: &mut AsyncPgConnection,
    reach: &Reach,
    referral: Uuid,
    id: Uuid,
    r: &Recording,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<FollowUpWithOutcome, RecordError> {
    let mut f: FollowUpRow = follow_ups::table
        .filter(follow_ups::id.eq(id))
        .filter(follow_ups::referral_id.eq(referral))
        .for_update()
        .select(FollowUpRow::as_select())
        .first(c)
        .await?;
    let reached = match reach {
        Reach::All => true,
        Reach::Zone(z) => f.zone_id == *z,
        Reach::Schools(urns) => urns.contains(&f.school_urn),
        Reach::Nothing => false,
    };
    if !reached {
        return Err(RecordError::NotFound);
    }
    let status: String = referrals::table
        .find(referral)
        .select(referrals::status)
        .first(c)
        .await?;
    may_record(f.recorded_at.is_some(), status == Status::Closed.as_str())?;
    if !r.expected.matches(f.version) {
        return Err(RecordError::VersionMismatch { current: f.version });
    }
    crate::consent_hold::require_involvement(c, referral).await?;
    let o = OutcomeRow::new(
        referral,
        f.closed_at,
        Some((f.id, f.months)),
        &r.outcome,
        actor,
        now,
    );
    f.sustained = Some(r.sustained);
    f.recorded_at = Some(now);
    f.recorded_by = Some(actor.subject.clone());
    f.version += 1;
    diesel::update(follow_ups::table.find(f.id))
        .set((
            follow_ups::sustained.eq(f.sustained),
            follow_ups::recorded_at.eq(f.recorded_at),
            follow_ups::recorded_by.eq(&f.recorded_by),
            follow_ups::version.eq(f.version),
        ))
        .execute(c)
        .await?;
    diesel::insert_into(escalation_outcomes::table)
        .values(&o)
        .execute(c)
        .await?;
    let details = json!({ "follow_up": f.id, "months": f.months, "sustained": r.sustained });
    let conn: &AsyncPgConnection = c;
    crate::pipeline::pipelined!(
        crate::referrals::insert_history(
            conn,
            referral,
            actor,
            "record_follow_up",
            Some(Status::Closed),
            Status::Closed,
            None,
            details,
            now,
        ),
        // Identifiers and the verdict only: never the outcome's figures.
        outbox::emit(
            conn,
            EventType::ReferralFollowUpRecorded,
            &f.school_urn,
            referral,
            json!({
                "referral_id": referral,
                "follow_up_id": f.id,
                "months": f.months,
                "due_on": f.due_on,
                "sustained": r.sustained,
            }),
            now,
        ),
    )?;
    Ok((f, Some(o)))
}

/// The school and zone of a referral, to check it is in reach.
///
/// # Errors
/// `NotFound` when there is no such referral.
pub async fn referral_place(
    conn: &mut AsyncPgConnection,
    referral: Uuid,
) -> StoreResult<(String, Option<Uuid>)> {
    Ok(referrals::table
        .find(referral)
        .select((referrals::school_urn, referrals::zone_id))
        .first(conn)
        .await?)
}
